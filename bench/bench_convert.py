"""Documents and photos into PDF: LibreOffice cold and with its profile made, photos, and a whole job.

Run: .venv/bin/python -m bench.bench_convert [--quick]   (or `make bench`, which runs every section)

1. A 10-page Word worksheet (a heading and a table on each page) and a 30-slide PowerPoint
   deck, each converted by `documents.convert.to_pdf` (LibreOffice in its closed box): "cold"
   with a fresh profile folder (a worker's first conversion), "profile made" with the folder
   the cold run left (every later one). The peak memory column is the measuring process's;
   LibreOffice's own peak (the largest child) is in the result column.
2. 20 phone photos (4032 × 3024, half of them turned by EXIF) into one PDF at 300 dpi on A4.
3. The whole job: "Word file → Handouts 2 per sheet", from `Jobs.submit` to the result being
   downloadable, on a private Redis with an in-process RQ worker, the conversion included.
Nothing here asserts on time. Skipped where LibreOffice is not installed (make office).
"""

from __future__ import annotations

import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._measure import (
    MEDIAN_NOTE,
    Inputs,
    Row,
    inputs_for,
    measure_row,
    print_section,
    script_main,
    skipped,
    task,
)

SECTION = "convert"
NO_OFFICE = "LibreOffice is not installed here (make office)"


def _children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


@task("documents.convert", "pypdf")
def convert_office(src: str, out: str, profile: str, fresh: str) -> dict[str, Any]:
    """Convert one office document; with `fresh`, in a profile folder made for this run."""
    from documents.convert import Converter, to_pdf

    if fresh:
        shutil.rmtree(profile, ignore_errors=True)
    pages = to_pdf(Path(src), Path(src).name, Path(out), Converter(Path(profile), 300, None))
    return {"units": pages, "summary": f"LibreOffice peak {_children_peak_mb():.0f} MB"}


@task("documents.photos", "img2pdf", "PIL.Image", "pillow_heif")
def convert_photos(folder: str, out: str) -> dict[str, Any]:
    """Every photo in `folder`, in name order, one per A4 page at 300 dpi."""
    from documents.photos import PhotoPage, photos_to_pdf

    photos = sorted(Path(folder).glob("*.jpg"))
    pages = photos_to_pdf([(p, p.name) for p in photos], Path(out), PhotoPage("A4", 10, 300))
    size = Path(out).stat().st_size / 1e6
    return {"units": pages, "summary": f"{len(photos)} photos → {size:.1f} MB PDF"}


@task(
    "rq", "storage.config", "storage.redis_conn", "storage.redis_server", "services.control", "worker.tasks"
)
def docx_job(src: str) -> dict[str, Any]:
    """Submit "this Word file, 2 per sheet" and run it to the end: submit → downloadable."""
    import io
    import os

    from services.control import Jobs
    from storage.config import load_config
    from storage.files import FileStore
    from storage.redis_conn import get_redis
    from storage.redis_server import EmbeddedRedis
    from worker.tasks import make_worker

    with tempfile.TemporaryDirectory(prefix="tp-bench-convert-") as folder:
        server = EmbeddedRedis(Path(folder) / "redis", persistent=False).start()
        os.environ.update(REDIS_URL=server.url, DATA_DIR=str(Path(folder) / "data"), QUEUE_NAME="bench")
        try:
            config = load_config()
            stored = FileStore(config).save_upload(io.BytesIO(Path(src).read_bytes()), Path(src).name)
            jobs = Jobs(config)
            start = time.perf_counter()
            record = jobs.submit(
                "handouts", "bench", [{"ref": stored.ref, "name": stored.name}], {"per_sheet": 2}, "b"
            )
            make_worker(config, get_redis(config), inline=True).work(burst=True, logging_level="WARNING")
            done = jobs.get(record.id, None)
            seconds = time.perf_counter() - start
            if (
                done is None
                or done.status != "finished"
                or not jobs.output_path(done.id, done.outputs[0], None).is_file()
            ):
                raise RuntimeError(f"the job did not finish: {done and done.error}")
            sheets = done.steps[-1].result.get("sheets_of_paper")
        finally:
            server.stop()
    return {"units": 1, "summary": f"{seconds:.2f} s submit → downloadable, {sheets} sheets"}


def _photos(inputs: Inputs, count: int) -> Path:
    from tests.make_files import photo_file

    folder = inputs.folder / "inputs" / f"photos-{count}"
    if not folder.is_dir():
        folder.mkdir(parents=True)
        for n in range(count):
            photo_file(folder / f"photo {n:02d}.jpg", size=(4032, 3024), orientation=6 if n % 2 else 1)
    return folder


def main(quick: bool = False, inputs: Inputs | None = None, floors: object = None) -> list[Row]:
    """Measure the conversions and the whole job; print and return the rows."""
    from documents.office import office_available
    from tests.make_files import docx_file, pptx_file

    rows: list[Row] = []
    with inputs_for(inputs, quick) as made:
        word_pages, slides, photos = (3, 5, 4) if quick else (10, 30, 20)
        word = made.folder / "inputs" / f"worksheet-{word_pages}p.docx"
        deck = made.folder / "inputs" / f"deck-{slides}.pptx"
        word.parent.mkdir(parents=True, exist_ok=True)
        docx_file(word, pages=word_pages)
        pptx_file(deck, slides=slides, notes="Say this")
        profile = Path(tempfile.gettempdir()) / "teacher-printer-office" / "bench"
        profile.parent.mkdir(parents=True, exist_ok=True)
        profile.parent.chmod(0o755)
        for label, src, unit in (
            (f"Word, {word_pages} pages", word, "pages"),
            (f"PowerPoint, {slides} slides", deck, "pages"),
        ):
            for operation, fresh in (("LibreOffice, cold", "1"), ("LibreOffice, profile made", "")):
                if not office_available():
                    rows.append(skipped(SECTION, operation, label, NO_OFFICE))
                    continue
                out = made.out("converted.pdf")
                rows.append(
                    measure_row(
                        SECTION, operation, label, convert_office, [src, out, profile, fresh], made, unit
                    )
                )
        folder = _photos(made, photos)
        rows.append(
            measure_row(
                SECTION,
                "photos to PDF",
                f"{photos} photos, 12 MP",
                convert_photos,
                [folder, made.out("photos.pdf")],
                made,
            )
        )
        if office_available():
            rows.append(
                measure_row(
                    SECTION,
                    "whole job: Word → 2 per sheet",
                    f"Word, {word_pages} pages",
                    docx_job,
                    [word],
                    made,
                    "jobs",
                )
            )
        else:
            rows.append(
                skipped(SECTION, "whole job: Word → 2 per sheet", f"Word, {word_pages} pages", NO_OFFICE)
            )
        shutil.rmtree(profile, ignore_errors=True)
        print_section("Documents and photos into PDF", rows, MEDIAN_NOTE.format(runs=made.runs))
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
