"""Turning source pages into form XObjects that a sheet can draw with `Do`.

A form XObject carries the page's drawing instructions unchanged, its resources
by reference, and its visible box as /BBox (which also clips). Placing it costs
one `cm` and one `Do` on the sheet, whatever the page holds, which is what makes
imposition fast: nothing is parsed or rewritten.

What a page loses on the way: annotations (links, comments, form fields and
their appearances), since they belong to the page, not to its content. Text
stays text, so it can still be selected and searched.
"""

from __future__ import annotations

from pypdf import PdfReader, PdfWriter
from pypdf.errors import DependencyError, LimitReachedError
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from core.errors import DamagedFile
from pdf.layout import PageBox
from pdf.limits import MAX_PAGE_CONTENT_BYTES, over_pdf_limit
from pdf.source import READ_ERRORS, source_box


class FormCache:
    """Makes each source page into a form XObject in `writer` once, however often it is placed."""

    def __init__(self, reader: PdfReader, writer: PdfWriter, name: str) -> None:
        self.reader = reader
        self.writer = writer
        self.name = name
        self._forms: dict[int, IndirectObject] = {}
        self._boxes: dict[int, PageBox] = {}
        self._resources: dict[int, IndirectObject] = {}

    def box(self, index: int) -> PageBox:
        """The visible box and rotation of source page `index`."""
        if index not in self._boxes:
            self._boxes[index] = source_box(self.reader, index, self.name)
        return self._boxes[index]

    def form(self, index: int) -> IndirectObject:
        """A reference to the form XObject of source page `index`."""
        ref = self._forms.get(index)
        if ref is None:
            try:
                ref = self._make(index)
            except LimitReachedError as exc:
                raise over_pdf_limit(f"Page {index + 1} of {self.name}", exc) from exc
            except DependencyError as exc:
                raise DamagedFile(
                    f"Page {index + 1} of {self.name} is stored in a way this server cannot read.",
                    hint="Open it on your computer, print it to a new PDF (Print → Save as PDF) and upload that.",
                ) from exc
            except READ_ERRORS as exc:
                raise DamagedFile(
                    f"Page {index + 1} of {self.name} is damaged and could not be read."
                ) from exc
            self._forms[index] = ref
        return ref

    def _make(self, index: int) -> IndirectObject:
        page = self.reader.pages[index]
        box = self.box(index)
        form = self._content(page.get("/Contents"))
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/FormType")] = NumberObject(1)
        form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in (box.x0, box.y0, box.x1, box.y1))
        form[NameObject("/Resources")] = self._shared_resources(page.get("/Resources"))
        group = page.get("/Group")
        if group is not None:
            form[NameObject("/Group")] = group.clone(self.writer)
        return self.writer._add_object(form)

    def _content(self, contents: PdfObject | None) -> StreamObject:
        resolved = contents.get_object() if contents is not None else None
        if isinstance(resolved, StreamObject) and "/Filter" in resolved:
            # One encoded stream: carry its bytes over as they are, no decompression needed.
            form = EncodedStreamObject()
            form._data = resolved._data
            form[NameObject("/Filter")] = resolved["/Filter"].clone(self.writer)
            if "/DecodeParms" in resolved:
                form[NameObject("/DecodeParms")] = resolved["/DecodeParms"].clone(self.writer)
            return form
        streams = [resolved] if isinstance(resolved, StreamObject) else []
        if isinstance(resolved, ArrayObject):
            streams = [s for s in (part.get_object() for part in resolved) if isinstance(s, StreamObject)]
        parts: list[bytes] = []
        size = 0
        for stream in streams:
            parts.append(stream.get_data())
            size += len(parts[-1])
            if size > MAX_PAGE_CONTENT_BYTES:
                raise LimitReachedError("page content too large")
        plain = DecodedStreamObject()
        # Streams of one page may only split between tokens; a newline keeps them apart.
        plain.set_data(b"\n".join(parts))
        return plain.flate_encode()

    def _shared_resources(self, resources: PdfObject | None) -> IndirectObject:
        # Pages that share a resource dictionary (one object, or inherited from the page tree)
        # share one copy of it; fonts and images inside are copied once by pypdf's clone.
        resolved = resources.get_object() if resources is not None else None
        key = id(resolved)
        ref = self._resources.get(key)
        if ref is None:
            usable = isinstance(resolved, DictionaryObject)
            copy = resolved.clone(self.writer) if usable else DictionaryObject()
            ref = self._resources[key] = self.writer._add_object(copy)
        return ref
