"""Page pictures for the page organizer (#18): how soon the first batch is drawn, how long every
page takes, and the memory of the process that draws them.

Run: .venv/bin/python -m bench.bench_thumbnails [--quick]   (or `make bench`, which runs every section)

Each file is drawn as a worker's look draws it (`pdf.thumbnails.draw_thumbnails`, batches of
`services.thumbnails.BATCH` pages, into an empty folder) in one fresh process: the time to the
first batch (what the organizer waits for before its first screen), the time to every page, the
pictures' total size, and the process's peak memory. Nothing here asserts on time.
"""

from __future__ import annotations

from typing import Any

from bench._measure import (
    CORPUS_ABSENT,
    Inputs,
    Row,
    corpus_pdf,
    inputs_for,
    make_text_pdf,
    measure_task,
    print_section,
    say,
    script_main,
    skipped,
    task,
)

SECTION = "thumbnails"


@task("pdf.thumbnails", "pypdfium2")
def draw_all(path: str, folder: str) -> dict[str, Any]:
    """Every page of `path`, batch after batch, into the empty `folder`."""
    import shutil
    import time
    from pathlib import Path

    import pypdfium2 as pdfium

    from pdf.thumbnails import draw_thumbnails, thumb_path
    from services.thumbnails import BATCH

    out = Path(folder)
    shutil.rmtree(out, ignore_errors=True)
    document = pdfium.PdfDocument(path)
    count = len(document)
    document.close()
    start = time.perf_counter()
    first = None
    drawn = 0
    for batch in range(0, count, BATCH):
        done = draw_thumbnails(Path(path), range(batch, min(batch + BATCH, count)), out)
        drawn += sum(done.values())
        first = first if first is not None else time.perf_counter() - start
    size = sum(thumb_path(out, i).stat().st_size for i in range(count) if thumb_path(out, i).is_file())
    return {"units": count, "first": first, "drawn": drawn, "kb": size / 1024}


def main(quick: bool = False, inputs: Inputs | None = None, floors: object = None) -> list[Row]:
    """Draw each file's pages; print and return the rows."""
    rows: list[Row] = []
    with inputs_for(inputs, quick) as given:
        files = [
            ("4 generated text pages", make_text_pdf(given.folder / "thumbs-4.pdf", 4)),
            ("149 generated text pages", make_text_pdf(given.folder / "thumbs-149.pdf", 149)),
            ("GeoTopo-komprimiert.pdf", corpus_pdf("GeoTopo-komprimiert.pdf")),
        ]
        if not quick:
            files.append(("scrguide-en.pdf", corpus_pdf("scrguide-en.pdf")))
            files.append(("566 generated text pages", make_text_pdf(given.folder / "thumbs-566.pdf", 566)))
        for label, path in files:
            if path is None:
                rows.append(skipped(SECTION, "page pictures", label, CORPUS_ABSENT))
                continue
            say(f"page pictures of {label}")
            done = measure_task(draw_all, str(path), str(given.folder / "thumbs-out"), runs=1 if quick else 3)
            r = done.result
            rows.append(Row(SECTION, "page pictures: every page", label, f"{r['units']} pages", done.work,
                            units=r["units"], unit="pages", peak_mb=done.peak_mb,
                            result=f"first {min(r['units'], 24)} in {r['first']:.2f} s; {r['drawn']} drawn, "
                            f"{r['kb']:,.0f} KB in all"))  # fmt: skip
    print_section(
        "Page pictures for the page organizer",
        rows,
        "median s: drawing every page (work s of a fresh process); the first batch is what the "
        "organizer's first screen waits for; peak MB: the drawing process's.",
    )
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
