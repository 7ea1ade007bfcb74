"""Split: one PDF into parts (every N pages, by page ranges, or one per page), delivered as one ZIP.

Each part is a PDF of its own, named after the source and its pages, with page
numbers zero-padded so that the files sort in page order ("Fractions - pages
01-04.pdf"). Links and comments of the pages come along; bookmarks do not.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from core.files import UniqueNames, atomic_path, safe_name, shorten
from core.progress import ProgressCallback, no_progress
from pdf.plans import split_groups
from pdf.printing import carry_over
from pdf.source import READ_ERRORS, open_source, read_failure

# Characters of the source's name kept at the start of each part's name.
MAX_STEM_CHARS = 60


@dataclass(frozen=True)
class SplitResult:
    """What a split made: the counts and the file names inside the ZIP, in order."""

    files: int
    pages: int  # pages written across all parts
    source_pages: int
    names: list[str]


def part_names(source_name: str, groups: list[list[int]], page_count: int) -> list[str]:
    """A safe, distinct, sortable file name for each part."""
    stem = shorten(safe_name(Path(source_name).stem, fallback="document"), MAX_STEM_CHARS).rstrip(" .")
    width = len(str(page_count))
    names: list[str] = []
    unique = UniqueNames()
    for group in groups:
        first, last = group[0] + 1, group[-1] + 1
        pages = f"page {first:0{width}d}" if len(group) == 1 else f"pages {first:0{width}d}-{last:0{width}d}"
        names.append(unique.numbered(safe_name(f"{stem} - {pages}"), ".pdf"))
    return names


def split(
    src: Path,
    out: Path,
    every: int | None = None,
    ranges: str | None = None,
    progress: ProgressCallback = no_progress,
    name: str | None = None,
) -> SplitResult:
    """Write the parts of `src` into the ZIP `out`; `name` is what the teacher calls the file."""
    name = name or src.name
    reader = open_source(src)
    page_count = len(reader.pages)
    groups = split_groups(page_count, every, ranges)
    names = part_names(name, groups, page_count)
    total = len(groups) + 1
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for number, (group, part) in enumerate(zip(groups, names, strict=True), start=1):
            archive.writestr(part, _part_bytes(reader, group, name))
            progress(number, total, f"Writing file {number} of {len(groups)}")
    progress(total, total, "Done")
    return SplitResult(
        files=len(groups),
        pages=sum(len(group) for group in groups),
        source_pages=page_count,
        names=names,
    )


def _part_bytes(reader: PdfReader, group: list[int], name: str) -> bytes:
    writer = PdfWriter()
    buffer = io.BytesIO()
    try:
        for index in group:
            writer.add_page(reader.pages[index])
        carry_over(reader, writer)  # each part prints as the whole would, e.g. on both sides
        writer.write(buffer)
    except READ_ERRORS as exc:
        pages = f"page {group[0] + 1}" if len(group) == 1 else f"pages {group[0] + 1}-{group[-1] + 1}"
        raise read_failure(
            exc, f"{pages.capitalize()} of {name}", f"{name} is damaged: {pages} could not be copied."
        ) from exc
    return buffer.getvalue()
