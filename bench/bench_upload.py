"""Upload: saving an uploaded file into the file store (storage.files.FileStore.save_upload).

Run: .venv/bin/python -m bench.bench_upload [--quick]   (or `make bench`, which runs every section)

A 20 MB and a 200 MB upload (the default MAX_UPLOAD_MB) are read from a stream that makes
deterministic bytes as it goes, so the measuring process never holds the file: its peak
memory is what saving costs. DATA_DIR is a temporary folder and MAX_UPLOAD_MB is raised
above the size. The save includes the fsync before the final rename. Nothing here
asserts on time.
"""

from __future__ import annotations

import os
import random
import shutil
from typing import Any

from bench._measure import (
    MEDIAN_NOTE,
    Inputs,
    Row,
    inputs_for,
    measure_row,
    print_section,
    script_main,
    task,
)

SECTION = "upload"
SIZES_MB = (20, 200)
QUICK_SIZES_MB = (20,)
BLOCK = 1024 * 1024


class GeneratedStream:
    """A readable binary stream of `size` deterministic bytes, made a block at a time."""

    def __init__(self, size: int, seed: int = 20261129) -> None:
        self.left = size
        rng = random.Random(seed)
        # A few different blocks, so the file is not one repeated megabyte.
        self.blocks = [rng.randbytes(BLOCK) for _ in range(7)]
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (at most one block), or b"" at the end."""
        if self.left <= 0:
            return b""
        want = min(self.left, BLOCK if size is None or size < 0 else min(size, BLOCK))
        block = self.blocks[self.count % len(self.blocks)]
        self.count += 1
        self.left -= want
        return block[:want]


@task("storage.files", "storage.config")
def save_upload_task(size_mb: str, data_dir: str) -> dict[str, Any]:
    """Save a generated upload of `size_mb` MB into a file store in `data_dir`."""
    os.environ["DATA_DIR"] = data_dir
    os.environ["MAX_UPLOAD_MB"] = str(int(size_mb) + 1)
    from core.units import MB
    from storage.config import load_config
    from storage.files import FileStore

    store = FileStore(load_config())
    # In the app's megabytes (1,000,000 bytes), as MAX_UPLOAD_MB counts them.
    stored = store.save_upload(GeneratedStream(int(size_mb) * MB), "Year 9 scans.pdf")  # type: ignore[arg-type]
    return {"units": stored.size / MB, "size": f"{stored.size / MB:,.0f} MB"}


def main(quick: bool = False, inputs: Inputs | None = None, floors: object = None) -> list[Row]:
    """Measure saving each upload size; print and return the rows (there is no floor here)."""
    rows: list[Row] = []
    with inputs_for(inputs, quick) as made:
        data_dir = made.out("upload-data")
        for size in QUICK_SIZES_MB if quick else SIZES_MB:
            label = f"generated stream, {size} MB"
            rows.append(
                measure_row(SECTION, "save upload", label, save_upload_task, [size, data_dir], made, "MB")
            )
            shutil.rmtree(data_dir, ignore_errors=True)
        print_section(
            "Upload: saving into the file store",
            rows,
            "Includes the fsync before the final rename. " + MEDIAN_NOTE.format(runs=made.runs),
        )
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
