"""PDF colour spaces read as "what colour is this on paper": every space a page can name turned
into a way from its components to RGB, for greyscale and toner saving to work on.

Device and calibrated spaces, ICC-based (by its number of components), Lab, Indexed, Separation
and DeviceN (their tint transforms evaluated by `pdf.functions`), and Pattern. A space that cannot
be read raises `ColourSpaceError`; the caller leaves that colour as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pikepdf

from pdf.functions import FunctionError, make_function

RGB = tuple[float, float, float]
LUMA = (0.299, 0.587, 0.114)  # the weights Pillow's greyscale uses too, so pictures and lines agree
INDEXED_MAX = 4096  # palette entries read at most


class ColourSpaceError(ValueError):
    """A colour space that cannot be turned into RGB."""


@dataclass(frozen=True)
class ColourSpace:
    """One colour space: its components, the colour it starts at, and its way to RGB."""

    name: str  # "gray", "rgb", "cmyk", "lab", "indexed", "separation", "devicen", "pattern"
    components: int
    initial: tuple[float, ...]
    to_rgb: Callable[[Sequence[float]], RGB]

    @property
    def is_pattern(self) -> bool:
        return self.name == "pattern"

    @property
    def uncoloured(self) -> bool:
        """A pattern space with a base space: its patterns' shapes take the colour `scn` gives."""
        return self.is_pattern and self.components > 0


def luminance(rgb: RGB) -> float:
    """How light a colour looks, 0 (black) to 1 (white)."""
    return _clip(LUMA[0] * rgb[0] + LUMA[1] * rgb[1] + LUMA[2] * rgb[2])


def _clip(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


def _gray(c: Sequence[float]) -> RGB:
    g = _clip(c[0]) if c else 0.0
    return (g, g, g)


def _rgb(c: Sequence[float]) -> RGB:
    if len(c) < 3:
        return (0.0, 0.0, 0.0)
    return (_clip(c[0]), _clip(c[1]), _clip(c[2]))


def _cmyk(c: Sequence[float]) -> RGB:
    if len(c) < 4:
        return (0.0, 0.0, 0.0)
    k = c[3]
    return (_clip(1 - c[0] - k), _clip(1 - c[1] - k), _clip(1 - c[2] - k))


def _lab(white: Sequence[float]) -> Callable[[Sequence[float]], RGB]:
    xw, yw, zw = [*white, 0.9505, 1.0, 1.089][:3]

    def convert(c: Sequence[float]) -> RGB:
        if len(c) < 3:
            return (0.0, 0.0, 0.0)
        fy = (c[0] + 16) / 116
        fx, fz = fy + c[1] / 500, fy - c[2] / 200

        def inverse(t: float) -> float:
            return t**3 if t > 6 / 29 else 3 * (6 / 29) ** 2 * (t - 4 / 29)

        x, y, z = xw * inverse(fx), yw * inverse(fy), zw * inverse(fz)
        linear = (3.2406 * x - 1.5372 * y - 0.4986 * z, -0.9689 * x + 1.8758 * y + 0.0415 * z,
                  0.0557 * x - 0.2040 * y + 1.0570 * z)  # fmt: skip
        r, g, b = (_clip(v) ** (1 / 2.2) for v in linear)
        return (r, g, b)

    return convert


GRAY = ColourSpace("gray", 1, (0.0,), _gray)
DEVICE_RGB = ColourSpace("rgb", 3, (0.0, 0.0, 0.0), _rgb)
DEVICE_CMYK = ColourSpace("cmyk", 4, (0.0, 0.0, 0.0, 1.0), _cmyk)
PATTERN = ColourSpace("pattern", 0, (), _gray)
_BY_NAME = {
    "/DeviceGray": GRAY, "/G": GRAY, "/CalGray": GRAY,
    "/DeviceRGB": DEVICE_RGB, "/RGB": DEVICE_RGB, "/CalRGB": DEVICE_RGB,
    "/DeviceCMYK": DEVICE_CMYK, "/CMYK": DEVICE_CMYK,
    "/Pattern": PATTERN,
}  # fmt: skip
_BY_COMPONENTS = {1: GRAY, 3: DEVICE_RGB, 4: DEVICE_CMYK}


def colour_space(obj: Any, resources: Any = None, depth: int = 0) -> ColourSpace:
    """The colour space `obj` names (a name, maybe of the resources' /ColorSpace, or an array)."""
    if depth > 8:
        raise ColourSpaceError("colour spaces nest too deep")
    if isinstance(obj, pikepdf.Name):
        name = str(obj)
        if name in _BY_NAME:
            return _BY_NAME[name]
        named = _resource(resources, name)
        if named is None:
            raise ColourSpaceError(f"no colour space {name}")
        return colour_space(named, resources, depth + 1)
    if isinstance(obj, pikepdf.Array) and len(obj) > 0:
        return _array_space(obj, resources, depth)
    raise ColourSpaceError("not a colour space")


def _resource(resources: Any, name: str) -> Any:
    try:
        spaces = resources.get("/ColorSpace") if resources is not None else None
        return spaces.get(name) if spaces is not None else None
    except (AttributeError, TypeError):
        return None


def _array_space(obj: pikepdf.Array, resources: Any, depth: int) -> ColourSpace:
    family = str(obj[0])
    if family in ("/CalGray", "/CalRGB", "/DeviceGray", "/DeviceRGB", "/DeviceCMYK") and family in _BY_NAME:
        return _BY_NAME[family]
    if family == "/ICCBased":
        return _icc(obj[1], resources, depth)
    if family == "/Lab":
        params = obj[1] if len(obj) > 1 else pikepdf.Dictionary()
        white = [float(v) for v in params.get("/WhitePoint", [0.9505, 1.0, 1.089])]
        return ColourSpace("lab", 3, (0.0, 0.0, 0.0), _lab(white))
    if family in ("/Indexed", "/I"):
        return _indexed(obj, resources, depth)
    if family == "/Separation":
        return _tinted("separation", 1, obj[2], obj[3], resources, depth)
    if family == "/DeviceN":
        return _tinted("devicen", len(obj[1]), obj[2], obj[3], resources, depth)
    if family == "/Pattern":
        if len(obj) < 2:
            return PATTERN
        base = colour_space(obj[1], resources, depth + 1)
        return ColourSpace("pattern", base.components, base.initial, base.to_rgb)
    raise ColourSpaceError(f"unknown colour space {family}")


def _icc(stream: Any, resources: Any, depth: int) -> ColourSpace:
    try:
        n = int(stream.get("/N"))
    except (TypeError, ValueError, AttributeError):
        n = 0
    if n in _BY_COMPONENTS:
        return _BY_COMPONENTS[n]
    alternate = stream.get("/Alternate") if hasattr(stream, "get") else None
    if alternate is not None:
        return colour_space(alternate, resources, depth + 1)
    raise ColourSpaceError("an ICC colour space of unknown size")


def _indexed(obj: pikepdf.Array, resources: Any, depth: int) -> ColourSpace:
    base = colour_space(obj[1], resources, depth + 1)
    hival = min(int(obj[2]), INDEXED_MAX - 1)
    lookup = obj[3]
    data = lookup.read_bytes() if isinstance(lookup, pikepdf.Stream) else bytes(lookup)
    n = base.components

    def convert(c: Sequence[float]) -> RGB:
        index = max(0, min(hival, int(c[0]) if c else 0))
        entry = data[index * n : index * n + n]
        if len(entry) < n:
            return (0.0, 0.0, 0.0)
        if base.name == "lab":
            return base.to_rgb([entry[0] * 100 / 255, entry[1] - 128, entry[2] - 128])
        return base.to_rgb([b / 255 for b in entry])

    return ColourSpace("indexed", 1, (0.0,), convert)


def _tinted(kind: str, n: int, alternate: Any, transform: Any, resources: Any, depth: int) -> ColourSpace:
    base = colour_space(alternate, resources, depth + 1)
    try:
        function = make_function(transform)
    except FunctionError as exc:
        raise ColourSpaceError(str(exc)) from exc

    @lru_cache(maxsize=1024)
    def at(tints: tuple[float, ...]) -> RGB:
        try:
            return base.to_rgb(function(tints))
        except (FunctionError, ArithmeticError, IndexError):
            return (0.0, 0.0, 0.0)

    def convert(c: Sequence[float]) -> RGB:
        return at(tuple(round(float(v), 4) for v in c[:n]))

    return ColourSpace(kind, n, (1.0,) * n, convert)
