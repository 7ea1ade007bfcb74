"""Greyscale and toner saver, in the PDF itself: colours rewritten where the pages set them, never a
page turned into a picture. Text stays text, lines stay sharp, the file stays about its size.

How: every page's drawing instructions (and those of its forms, patterns and annotations'
appearances) are parsed with pikepdf, and each colour the page sets (in any colour space, spot
colours and ICC-based ones included, `pdf.colour_spaces`) is noted rather than written. Just
before something is painted (a shape filled or stroked, text shown, a stencil drawn) the colour
it is painted with is written again, as plain grey (`g`/`G`) or lightened RGB, chosen for what is
painted. Pictures are turned grey or lighter (Indexed ones by their palette alone), and
gradients get a new colour function sampled from the old one.

Toner saver lightens fills, gradients and pictures by its strength, turns a large dark area (a
slide's black background) light, and keeps text and lines as dark as they were; light text that
sat on such a background is made black so it can still be read.

A file with nothing to change (black text only, say) is copied as it is.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from PIL import Image

from core.errors import DamagedFile
from core.files import atomic_path
from core.progress import ProgressCallback, no_progress
from pdf.colour_spaces import (
    DEVICE_CMYK,
    DEVICE_RGB,
    GRAY,
    RGB,
    ColourSpace,
    ColourSpaceError,
    colour_space,
    luminance,
)
from pdf.functions import FunctionError, make_function
from pdf.layout import Matrix
from pdf.limits import MAX_PHOTO_PIXELS

log = logging.getLogger(__name__)

TONER_STRENGTHS = (0.25, 0.5, 0.75)
LARGE_AREA = 0.2  # of the page: a fill this big and this dark is a background, not a drawing
DARK = 0.4
LIGHT_TEXT = 0.6  # text this light was meant for a dark background
BACKGROUND_KEPT = 0.0  # of a dark background's darkness, with toner saver: none, white paper
GRADIENT_SAMPLES = 256
JPEG_QUALITY = 90
MAX_FORM_DEPTH = 12
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

_FILLS = {"f", "F", "f*", "B", "B*", "b", "b*"}
_STROKES = {"S", "s", "B", "B*", "b", "b*"}
_TEXT = {"Tj", "TJ", "'", '"'}
_SET_FILL = {"g", "rg", "k", "sc", "scn"}
_SET_STROKE = {"G", "RG", "K", "SC", "SCN"}
_DEVICE_OF = {"g": GRAY, "G": GRAY}
_PATH_POINTS = {"m": 2, "l": 2, "c": 6, "v": 4, "y": 4}
# Operators that neither set nor use colours, geometry or resources: copied as they are.
_PASSED = {"BT", "ET", "Td", "TD", "Tm", "T*", "Tc", "Tw", "Tz", "TL", "Ts", "w", "J", "j", "M", "d", "ri",
           "i", "gs", "W", "W*", "h", "BMC", "BDC", "EMC", "MP", "DP", "BX", "EX", "d0", "d1"}  # fmt: skip


@dataclass(frozen=True)
class InkSaving:
    """What to do to a file's colours: grey, lighter (0: toner saver off), or both."""

    grey: bool = False
    lighter: float = 0.0

    @property
    def any(self) -> bool:
        return self.grey or self.lighter > 0

    def colour(self, rgb: RGB, kind: str, dark_page: bool = False) -> RGB:
        """The colour to paint with, for what is painted: "area", "background", "text" or "line"."""
        if kind == "background":
            rgb = _lighten(rgb, 1 - BACKGROUND_KEPT)
        elif kind == "area" and self.lighter:
            rgb = _lighten(rgb, self.lighter)
        elif kind == "text" and self.lighter and dark_page and luminance(rgb) > LIGHT_TEXT:
            rgb = (0.0, 0.0, 0.0)
        if self.grey:
            y = luminance(rgb)
            rgb = (y, y, y)
        return rgb


def _lighten(rgb: RGB, by: float) -> RGB:
    r, g, b = (1 - (1 - c) * (1 - by) for c in rgb)
    return (r, g, b)


@dataclass(frozen=True)
class RecolourResult:
    pages: int
    changed: bool  # False: nothing needed changing, the file was copied as it is
    pictures: int = 0  # pictures turned grey or lighter
    kept: int = 0  # pictures or gradients that could not be read, left as they were


def recolour(
    src: Path,
    out: Path,
    saving: InkSaving,
    progress: ProgressCallback = no_progress,
    name: str = "",
) -> RecolourResult:
    """Write `src` to `out` with its colours turned grey and/or lighter, as `saving` says."""
    label = name or src.name
    try:
        pdf = pikepdf.open(src)
    except (pikepdf.PdfError, OSError) as exc:
        raise DamagedFile(f"{label} could not be read to change its colours.") from exc
    with pdf:
        work = _Document(pdf, saving)
        count = len(pdf.pages)
        for number, page in enumerate(pdf.pages):
            progress(number, count, f"Changing the colours of page {number + 1} of {count}")
            work.page(page)
        progress(count, count, "Colours changed")
        if not work.changed:
            shutil.copyfile(src, out)
            return RecolourResult(count, False, 0, work.kept)
        with atomic_path(out) as tmp:
            pdf.save(tmp)
    return RecolourResult(count, True, work.pictures, work.kept)


@dataclass
class _Paint:
    """The colour a graphics state paints with: as the page set it, and as last written."""

    space: ColourSpace | None = GRAY  # None: the colour comes from outside (a form's caller)
    components: tuple[float, ...] = (0.0,)
    pattern: bool = False  # written as the page wrote it (a pattern): nothing to write again
    written: tuple[Any, ...] | None = ("g", 0.0)

    def copy(self) -> _Paint:
        return _Paint(self.space, self.components, self.pattern, self.written)


@dataclass
class _State:
    fill: _Paint = field(default_factory=_Paint)
    stroke: _Paint = field(default_factory=_Paint)
    ctm: Matrix = _IDENTITY
    text_mode: int = 0

    def copy(self) -> _State:
        return _State(self.fill.copy(), self.stroke.copy(), self.ctm, self.text_mode)


class _Document:
    """One file's rewrite: which objects are done, and what was changed."""

    def __init__(self, pdf: pikepdf.Pdf, saving: InkSaving) -> None:
        self.pdf = pdf
        self.saving = saving
        self.changed = False
        self.pictures = 0
        self.kept = 0
        self._done: set[tuple[int, int]] = set()

    def first_time(self, obj: Any) -> bool:
        """Whether `obj` (an indirect object) is met for the first time; direct ones always are."""
        key = obj.objgen
        if key == (0, 0):
            return True
        if key in self._done:
            return False
        self._done.add(key)
        return True

    def page(self, page: pikepdf.Page) -> None:
        with contextlib.suppress(pikepdf.PdfError):  # if not, the inline pictures stay as they were
            page.externalize_inline_images(min_size=0, shallow=False)
        resources = page.obj.get("/Resources") or pikepdf.Dictionary()
        box = [float(v) for v in page.mediabox]
        area = max(1.0, abs((box[2] - box[0]) * (box[3] - box[1])))
        ops = pikepdf.parse_content_stream(page)
        rewritten = _Stream(self, resources, area, _State(), depth=0).run(ops)
        page.obj.Contents = self.pdf.make_stream(pikepdf.unparse_content_stream(rewritten))
        self._group(page.obj)
        for annotation in page.obj.get("/Annots") or []:
            self._annotation(annotation, resources, area)

    def form(
        self, form: Any, resources: Any, area: float, state: _State, depth: int, glyph: bool = False
    ) -> None:
        """Rewrite a form XObject (a tiling pattern's cell, a Type 3 glyph too) once, as first drawn."""
        if depth > MAX_FORM_DEPTH or not self.first_time(form):
            return
        own = resources if glyph else form.get("/Resources") or resources
        matrix = tuple(float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0]) if not glyph)
        matrix = matrix or _IDENTITY
        inner = _State(ctm=_multiply(matrix, state.ctm), text_mode=state.text_mode)  # type: ignore[arg-type]
        inner.fill = _Paint(space=None, written=None)
        inner.stroke = _Paint(space=None, written=None)
        try:
            ops = pikepdf.parse_content_stream(form)
        except pikepdf.PdfError:
            self.kept += 1
            return
        rewritten = _Stream(self, own, area, inner, depth + 1).run(ops)
        form.write(pikepdf.unparse_content_stream(rewritten))
        self._group(form)

    def _group(self, obj: Any) -> None:
        group = obj.get("/Group")
        if self.saving.grey and group is not None and group.get("/CS") is not None:
            group.CS = pikepdf.Name.DeviceGray

    def _annotation(self, annotation: Any, resources: Any, area: float) -> None:
        if not isinstance(annotation, pikepdf.Dictionary):
            return
        if self.saving.grey:
            for key in ("/C", "/IC"):
                self._grey_array(annotation, key)
            characteristics = annotation.get("/MK")
            if isinstance(characteristics, pikepdf.Dictionary):
                for key in ("/BG", "/BC"):
                    self._grey_array(characteristics, key)
        appearances = annotation.get("/AP")
        if not isinstance(appearances, pikepdf.Dictionary):
            return
        for key in ("/N", "/R", "/D"):
            shown = appearances.get(key)
            streams = [shown] if isinstance(shown, pikepdf.Stream) else []
            if isinstance(shown, pikepdf.Dictionary):
                streams = [s for s in shown.values() if isinstance(s, pikepdf.Stream)]
            for stream in streams:
                self.form(stream, resources, area, _State(), 0)

    def _grey_array(self, holder: Any, key: str) -> None:
        value = holder.get(key)
        if not isinstance(value, pikepdf.Array) or len(value) not in (3, 4):
            return
        components = [float(v) for v in value]
        rgb = (GRAY if len(components) == 1 else _device_space(len(components))).to_rgb(components)
        y = luminance(self.saving.colour(rgb, "area"))
        holder[key] = pikepdf.Array([round(y, 4)])
        self.changed = True

    # -- pictures ---------------------------------------------------------------------

    def image(self, image: Any, resources: Any) -> None:
        if not self.first_time(image) or image.get("/ImageMask"):
            return
        try:
            space = colour_space(image.get("/ColorSpace", pikepdf.Name.DeviceGray), resources)
        except ColourSpaceError:
            self.kept += 1
            return
        bits = int(image.get("/BitsPerComponent", 8))
        if space.name == "gray" and (not self.saving.lighter or bits == 1):
            return
        if space.name == "indexed" and self._palette(image, space):
            return
        try:
            self._pixels(image)
        except (pikepdf.PdfError, pikepdf.DependencyError, OSError, ValueError, NotImplementedError,
                Image.DecompressionBombError) as exc:  # fmt: skip
            log.info("a picture kept its colours: %s", exc)
            self.kept += 1

    def _palette(self, image: Any, space: ColourSpace) -> bool:
        """Turn an Indexed picture's palette grey (or lighter): exact, and the picture untouched."""
        table = image.ColorSpace
        if not isinstance(table, pikepdf.Array) or len(table) < 4:
            return False
        hival = int(table[2])
        colours = [self.saving.colour(space.to_rgb([i]), "area") for i in range(hival + 1)]
        if self.saving.grey:
            data = bytes(round(255 * c[0]) for c in colours)
            base = pikepdf.Name.DeviceGray
        else:
            data = bytes(round(255 * v) for c in colours for v in c)
            base = pikepdf.Name.DeviceRGB
        image.ColorSpace = pikepdf.Array([pikepdf.Name.Indexed, base, hival, pikepdf.String(data)])
        self.pictures += 1
        self.changed = True
        return True

    def _pixels(self, image: Any) -> None:
        width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
        if width * height > MAX_PHOTO_PIXELS:
            raise ValueError("a picture too large to change")
        filters = _filters(image)
        stored = len(image.read_raw_bytes())
        if filters == ["/JPXDecode"]:  # by Pillow itself: pikepdf's route reads the picture's mask too
            picture = Image.open(io.BytesIO(image.read_raw_bytes()))
            picture.load()
        else:
            picture = pikepdf.PdfImage(image).as_pil_image()
        if picture.mode in ("I;16", "I;16B", "I", "F"):
            picture = picture.convert("I").point(lambda v: v / 256).convert("L")
        picture = picture.convert("L" if self.saving.grey else "RGB")
        if self.saving.lighter:
            keep = 1 - self.saving.lighter
            picture = picture.point(
                [round(255 - (255 - v) * keep) for v in range(256)] * len(picture.getbands())
            )
        buffer = io.BytesIO()
        if filters == ["/DCTDecode"]:
            picture.save(buffer, "JPEG", quality=JPEG_QUALITY)
            image.write(buffer.getvalue(), filter=pikepdf.Name.DCTDecode)
        elif filters == ["/JPXDecode"]:  # about as compressed as it was
            rate = max(1.0, len(picture.tobytes()) / max(1, stored))
            picture.save(buffer, "JPEG2000", quality_mode="rates", quality_layers=[rate], irreversible=True)
            image.write(buffer.getvalue(), filter=pikepdf.Name.JPXDecode)
        else:
            image.write(zlib.compress(picture.tobytes()), filter=pikepdf.Name.FlateDecode)
        image.ColorSpace = pikepdf.Name.DeviceGray if picture.mode == "L" else pikepdf.Name.DeviceRGB
        image.BitsPerComponent = 8
        for key in ("/Decode", "/DecodeParms", "/Mask", "/SMaskInData"):
            if key in image and not (key == "/Mask" and isinstance(image.get(key), pikepdf.Stream)):
                del image[key]
        self.pictures += 1
        self.changed = True

    # -- gradients --------------------------------------------------------------------

    def shading(self, shading: Any, resources: Any) -> None:
        if not isinstance(shading, pikepdf.Dictionary | pikepdf.Stream) or not self.first_time(shading):
            return
        try:
            space = colour_space(shading.get("/ColorSpace"), resources)
            if shading.get("/Function") is None and isinstance(shading, pikepdf.Stream):
                self._mesh(shading, space)
                return
            if shading.get("/Function") is None:
                raise FunctionError("a gradient without a colour function")
            function = make_function(shading.Function)
            kind = int(shading.get("/ShadingType", 0))
            domain = [float(v) for v in shading.get("/Domain", [0, 1, 0, 1] if kind == 1 else [0, 1])]
            if kind >= 4:  # meshes: the function's own inputs
                domain = [float(v) for v in _first(shading.Function).get("/Domain", [0, 1])]
            sampled = self._sampled(function, space, domain, two_inputs=kind == 1)
        except (ColourSpaceError, FunctionError, ValueError, TypeError, AttributeError, IndexError) as exc:
            log.info("a gradient kept its colours: %s", exc)
            self.kept += 1
            return
        shading.Function = sampled
        shading.ColorSpace = pikepdf.Name.DeviceGray if self.saving.grey else pikepdf.Name.DeviceRGB
        if "/Background" in shading:
            del shading["/Background"]
        self.changed = True

    def _mesh(self, shading: pikepdf.Stream, space: ColourSpace) -> None:
        """A mesh gradient that gives each corner its colour: the corners' colours rewritten."""
        kind = int(shading.ShadingType)
        flag_bits = int(shading.get("/BitsPerFlag", 0)) if kind in (4, 6, 7) else 0
        coord_bits = int(shading.BitsPerCoordinate)
        comp_bits = int(shading.BitsPerComponent)
        decode = [float(v) for v in shading.Decode]
        n = space.components
        if len(decode) < 4 + 2 * n or n < 1:
            raise ValueError("a mesh gradient's Decode does not fit its colours")
        outputs = 1 if self.saving.grey else 3
        top = (1 << comp_bits) - 1
        reader = _Bits(shading.read_bytes())
        writer = _Bits(b"")
        while reader.left() >= flag_bits + 2 * coord_bits + n * comp_bits:
            flag = reader.read(flag_bits) if flag_bits else 0
            if flag_bits:
                writer.write(flag, flag_bits)
            points, colours = _MESH_ITEMS[kind][min(flag & 3, 1)]
            for _ in range(2 * points):
                writer.write(reader.read(coord_bits), coord_bits)
            for _ in range(colours):
                values = [
                    decode[4 + 2 * i] + reader.read(comp_bits) * (decode[5 + 2 * i] - decode[4 + 2 * i]) / top
                    for i in range(n)
                ]
                rgb = self.saving.colour(space.to_rgb(values), "area")
                for value in rgb[:outputs]:
                    writer.write(round(value * top), comp_bits)
            if kind != 5:  # each vertex or patch starts on a whole byte
                reader.align()
                writer.align()
        shading.write(writer.bytes())
        shading.Decode = pikepdf.Array([*decode[:4], *([0, 1] * outputs)])
        shading.ColorSpace = pikepdf.Name.DeviceGray if self.saving.grey else pikepdf.Name.DeviceRGB
        if "/Background" in shading:
            del shading["/Background"]
        self.changed = True

    def _sampled(self, function: Any, space: ColourSpace, domain: list[float], two_inputs: bool) -> Any:
        """A sampled function giving the gradient's new colours, over the same inputs."""
        steps = 32 if two_inputs else GRADIENT_SAMPLES
        points = (
            [(domain[0] + (domain[1] - domain[0]) * i / (steps - 1), domain[2] + (domain[3] - domain[2]) * j / (steps - 1))
             for j in range(steps) for i in range(steps)]
            if two_inputs
            else [(domain[0] + (domain[1] - domain[0]) * i / (steps - 1),) for i in range(steps)]
        )  # fmt: skip
        data = bytearray()
        for point in points:
            rgb = self.saving.colour(space.to_rgb(function(point)), "area")
            data.extend([round(255 * rgb[0])] if self.saving.grey else [round(255 * v) for v in rgb])
        outputs = 1 if self.saving.grey else 3
        return self.pdf.make_stream(
            bytes(data),
            FunctionType=0,
            Domain=domain[:4] if two_inputs else domain[:2],
            Range=[0, 1] * outputs,
            Size=[steps, steps] if two_inputs else [steps],
            BitsPerSample=8,
        )


# For each mesh type: (points, colours) of an item that starts afresh, and of one that goes on.
_MESH_ITEMS = {4: ((1, 1), (1, 1)), 5: ((1, 1), (1, 1)), 6: ((12, 4), (8, 2)), 7: ((16, 4), (12, 2))}


class _Bits:
    """Reading and writing numbers of any bit length, high bits first, as mesh data packs them."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0
        self.out = bytearray()
        self.buffer = 0  # bits written but not yet a whole byte
        self.buffered = 0

    def left(self) -> int:
        return len(self.data) * 8 - self.at

    def read(self, bits: int) -> int:
        first, last = self.at // 8, (self.at + bits + 7) // 8
        chunk = int.from_bytes(self.data[first:last], "big")
        shift = last * 8 - self.at - bits
        self.at += bits
        return (chunk >> shift) & ((1 << bits) - 1)

    def align(self) -> None:
        self.at = (self.at + 7) // 8 * 8
        if self.buffered:
            self.write(0, 8 - self.buffered)

    def write(self, value: int, bits: int) -> None:
        self.buffer = (self.buffer << bits) | (value & ((1 << bits) - 1))
        self.buffered += bits
        while self.buffered >= 8:
            self.buffered -= 8
            self.out.append((self.buffer >> self.buffered) & 0xFF)
        self.buffer &= (1 << self.buffered) - 1

    def bytes(self) -> bytes:
        self.align()
        return bytes(self.out)


def _first(function: Any) -> Any:
    return function[0] if isinstance(function, pikepdf.Array) else function


def _filters(image: Any) -> list[str]:
    value = image.get("/Filter")
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, pikepdf.Array) else [str(value)]


def _device_space(n: int) -> ColourSpace:
    return DEVICE_CMYK if n == 4 else DEVICE_RGB


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


class _Stream:
    """One content stream's rewrite."""

    def __init__(self, doc: _Document, resources: Any, page_area: float, state: _State, depth: int) -> None:
        self.doc = doc
        self.saving = doc.saving
        self.resources = resources
        self.page_area = page_area
        self.state = state
        self.depth = depth
        self.stack: list[_State] = []
        self.out: list[tuple[list[Any], pikepdf.Operator]] = []
        self.path: list[tuple[float, float]] = []
        self.dark_page = False
        self.instruction: Any = None
        self.wanted: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # what each colour is written as

    def run(self, ops: list[Any]) -> list[Any]:
        for instruction in ops:
            operator = instruction.operator
            name = str(operator)
            if name in _PASSED:  # most of a page: positions, fonts, marked content
                self.out.append(instruction)
                continue
            self.instruction = instruction
            self.op(instruction.operands, operator)
        return self.out

    def keep(self, operands: list[Any], operator: pikepdf.Operator) -> None:
        self.out.append(self.instruction)

    def op(self, operands: list[Any], operator: pikepdf.Operator) -> None:
        name = str(operator)
        state = self.state
        if name == "q":
            self.stack.append(state.copy())
        elif name == "Q":
            if self.stack:
                self.state = self.stack.pop()
        elif name == "cm" and len(operands) == 6:
            state.ctm = _multiply(tuple(float(v) for v in operands), state.ctm)  # type: ignore[arg-type]
        elif name == "Tr" and operands:
            state.text_mode = int(operands[0])
        elif name == "Tf" and operands:
            self.font(operands[0])
        elif name in ("cs", "CS"):
            self.set_space(state.fill if name == "cs" else state.stroke, operands, operator)
            return
        elif name in _SET_FILL or name in _SET_STROKE:
            self.set_colour(state.fill if name in _SET_FILL else state.stroke, name, operands, operator)
            return
        elif name in _PATH_POINTS and self.saving.lighter:
            self.path.extend(zip(operands[0::2], operands[1::2], strict=False))  # type: ignore[arg-type]
        elif name == "re" and len(operands) == 4 and self.saving.lighter:
            x, y, w, h = (float(v) for v in operands)
            self.path.extend([(x, y), (x + w, y + h)])
        elif name in _FILLS or name in _STROKES:
            if name in _FILLS:
                self.paint(state.fill, "fill", self.area_kind(state.fill))
            if name in _STROKES:
                self.paint(state.stroke, "stroke", "line")
            self.path = []
        elif name == "n":
            self.path = []
        elif name in _TEXT:
            if state.text_mode in (0, 2, 4, 6):
                self.paint(state.fill, "fill", "text")
            if state.text_mode in (1, 2, 5, 6):
                self.paint(state.stroke, "stroke", "line")
        elif name == "Do" and operands:
            self.draw(operands[0])
        elif name == "sh" and operands:
            self.doc.shading(self.named("/Shading", operands[0]), self.resources)
        elif name == "INLINE IMAGE":
            self.paint(state.fill, "fill", "area")  # a stencil paints with the fill colour
        self.keep(operands, operator)

    # -- colours as set ---------------------------------------------------------------

    def set_space(self, paint: _Paint, operands: list[Any], operator: pikepdf.Operator) -> None:
        try:
            space = colour_space(operands[0], self.resources) if operands else GRAY
        except ColourSpaceError:
            space = None
        if space is not None and space.uncoloured and isinstance(self.resources, pikepdf.Dictionary):
            # Shapes of one colour, given with each `scn`: written in a pattern space of grey/RGB.
            grey = self.saving.grey
            self.out.append(([self.pattern_space(grey)], operator))
            paint.space, paint.components, paint.pattern = space, space.initial, True
            paint.written = ("pattern-space",)
            return
        if space is None or space.is_pattern:
            self.keep(operands, operator)  # written as it is: the pattern is what paints
            paint.space, paint.pattern, paint.written = space, True, ("as-set",)
            return
        paint.space, paint.components, paint.pattern = space, space.initial, False

    def set_colour(self, paint: _Paint, name: str, operands: list[Any], operator: pikepdf.Operator) -> None:
        lower = name.lower()
        if lower in ("g", "rg", "k"):
            paint.space = {"g": GRAY, "rg": _device_space(3), "k": _device_space(4)}[lower]
            paint.pattern = False
        elif paint.written == ("pattern-space",) and operands:
            if isinstance(operands[-1], pikepdf.Name):
                self.pattern(operands[-1])
            try:
                rgb = paint.space.to_rgb([float(v) for v in operands[:-1]])
            except (TypeError, ValueError):
                rgb = (0.0, 0.0, 0.0)
            new = self.saving.colour(rgb, "area", self.dark_page)
            if any(abs(a - b) > 0.002 for a, b in zip(new, rgb, strict=True)):
                self.doc.changed = True
            values = [round(new[0], 4)] if self.saving.grey else [round(v, 4) for v in new]
            self.out.append(([*values, *operands[-1:]], operator))
            return
        elif paint.pattern or paint.space is None:
            self.keep(operands, operator)
            if operands and isinstance(operands[-1], pikepdf.Name):
                self.pattern(operands[-1])
            paint.written = ("as-set",)
            return
        try:
            paint.components = tuple(float(v) for v in operands)
        except (TypeError, ValueError):
            paint.components = paint.space.initial if paint.space else ()

    def pattern(self, name: pikepdf.Name) -> None:
        pattern = self.named("/Pattern", name)
        if not isinstance(pattern, pikepdf.Dictionary | pikepdf.Stream):
            return
        if int(pattern.get("/PatternType", 0)) == 2:
            self.doc.shading(pattern.get("/Shading"), self.resources)
        elif int(pattern.get("/PaintType", 1)) == 1 and isinstance(pattern, pikepdf.Stream):
            self.doc.form(pattern, self.resources, self.page_area, _State(), self.depth)

    # -- colours as painted -----------------------------------------------------------

    def area_kind(self, paint: _Paint) -> str:
        if not self.saving.lighter or not self.path or paint.space is None or paint.pattern:
            return "area"
        xs, ys = zip(*(self.device(x, y) for x, y in self.path), strict=True)
        share = (max(xs) - min(xs)) * (max(ys) - min(ys)) / self.page_area
        if share >= LARGE_AREA and luminance(paint.space.to_rgb(paint.components)) < DARK:
            self.dark_page = True
            return "background"
        return "area"

    def device(self, x: Any, y: Any) -> tuple[float, float]:
        a, b, c, d, e, f = self.state.ctm
        x, y = float(x), float(y)
        return (a * x + c * y + e, b * x + d * y + f)

    def paint(self, paint: _Paint, which: str, kind: str) -> None:
        if paint.space is None or paint.pattern:
            return
        key = (paint.space, paint.components, which, kind, self.dark_page)
        wanted = self.wanted.get(key)
        if wanted is None:
            rgb = paint.space.to_rgb(paint.components)
            new = self.saving.colour(rgb, kind, self.dark_page)
            if any(abs(a - b) > 0.002 for a, b in zip(new, rgb, strict=True)):
                self.doc.changed = True
            rounded = tuple(round(v, 4) for v in new)
            grey = rounded[0] == rounded[1] == rounded[2]
            if which == "fill":
                wanted = ("g", rounded[0]) if grey else ("rg", *rounded)
            else:
                wanted = ("G", rounded[0]) if grey else ("RG", *rounded)
            self.wanted[key] = wanted
        if paint.written != wanted:
            self.out.append((list(wanted[1:]), pikepdf.Operator(wanted[0])))
            paint.written = wanted

    def draw(self, name: Any) -> None:
        xobject = self.named("/XObject", name)
        if not isinstance(xobject, pikepdf.Stream):
            return
        subtype = str(xobject.get("/Subtype", ""))
        if subtype == "/Image":
            if xobject.get("/ImageMask"):
                self.paint(self.state.fill, "fill", "area")
            else:
                self.doc.image(xobject, self.resources)
        elif subtype == "/Form":
            # What the form paints in the colour it inherits is painted as this one's now.
            self.paint(self.state.fill, "fill", "text")
            self.paint(self.state.stroke, "stroke", "line")
            self.doc.form(xobject, self.resources, self.page_area, self.state, self.depth)

    def font(self, name: Any) -> None:
        """A Type 3 font's glyphs are little drawings (colour emoji, say): rewritten as forms are."""
        font = self.named("/Font", name)
        if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != pikepdf.Name.Type3:
            return
        if not self.doc.first_time(font):
            return
        own = font.get("/Resources") or self.resources
        for glyph in (font.get("/CharProcs") or {}).values():
            if isinstance(glyph, pikepdf.Stream):
                self.doc.form(glyph, own, self.page_area, _State(), self.depth, glyph=True)

    def pattern_space(self, grey: bool) -> pikepdf.Name:
        """The name, in these resources, of a pattern space over DeviceGray (or DeviceRGB)."""
        name = pikepdf.Name("/TPPatternGray" if grey else "/TPPatternRGB")
        base = pikepdf.Name.DeviceGray if grey else pikepdf.Name.DeviceRGB
        spaces = self.resources.get("/ColorSpace")
        if spaces is None:
            self.resources.ColorSpace = spaces = pikepdf.Dictionary()
        if name not in spaces:
            spaces[name] = pikepdf.Array([pikepdf.Name.Pattern, base])
        return name

    def named(self, category: str, name: Any) -> Any:
        try:
            return self.resources.get(category).get(str(name))
        except (AttributeError, TypeError):
            return None
