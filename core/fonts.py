"""The font for text the app draws itself (page numbers, stamps, names), and which characters it lacks.

The font comes from an installed package, never from the repository: first the
PyPI package `fontpkg-noto-sans` (Noto Sans, SIL Open Font License 1.1: Latin
with accents, Greek, Cyrillic, Vietnamese), then Debian's `fonts-dejavu-core`
(DejaVu Sans, Bitstream Vera licence) or `fonts-noto-core`.
"""

from __future__ import annotations

import functools
import importlib.util
import unicodedata
from pathlib import Path

from core.errors import FontMissing, TextNotPrintable

# Where Debian's font packages put a font that covers the same scripts.
SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"),
)
FONT_PACKAGE = "fontpkg_noto_sans"
# The smallest text size a teacher may choose for anything we print (labels, numbers, stamps).
SMALLEST_CHOSEN_PT = 6.0


def text_font() -> Path:
    """The TrueType font file used to draw text, or FontMissing when none is installed."""
    for candidate in (_package_font(), *SYSTEM_FONTS):
        if candidate is not None and candidate.is_file():
            return candidate
    raise FontMissing("The font for writing text on pages is not installed on this server.")


def missing_glyphs(text: str, font_path: Path) -> set[str]:
    """The characters of `text` that the font cannot draw (spaces and control characters aside)."""
    cmap = _cmap(str(font_path))
    return {
        char
        for char in unicodedata.normalize("NFC", text)
        if ord(char) not in cmap and not char.isspace() and unicodedata.category(char)[0] != "C"
    }


def unprintable_listed(text: str, font_path: Path) -> str:
    """The characters of `text` the font cannot draw, listed for a message (“a”, “b” and 3 more); "" if none."""
    missing = missing_glyphs(text, font_path)
    shown = ", ".join(f"“{char}”" for char in sorted(missing)[:10])
    return shown + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")


def check_printable(text: str, font_path: Path) -> None:
    """Raise TextNotPrintable naming the characters of `text` the font cannot draw."""
    if shown := unprintable_listed(text, font_path):
        raise TextNotPrintable(f"These characters cannot be printed with the font on this server: {shown}.")


def _package_font() -> Path | None:
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "files"
    # The regular (upright) face; its file name carries the variation axes and may change between versions.
    upright = sorted(p for p in folder.glob("NotoSans*.ttf") if "Italic" not in p.name)
    return upright[0] if upright else None


@functools.lru_cache(maxsize=8)
def _cmap(font_path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # here: only the code that prints text needs it

    with TTFont(font_path, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})
