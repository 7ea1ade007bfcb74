"""Shared fixtures: the real-world corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def corpus_path() -> Path | None:
    """The shared corpus folder, or None where this clone has none."""
    configured = os.environ.get("CORPUS_DIR")
    folder = Path(configured) if configured else ROOT.parent / "shared" / "corpus"
    return folder if (folder / "MANIFEST.tsv").is_file() else None


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The corpus folder; tests that use it skip where it is absent."""
    folder = corpus_path()
    if folder is None:
        pytest.skip("the shared corpus (../shared/corpus or CORPUS_DIR) is not present in this clone")
    return folder
