"""Hostile and oversized files: XML bombs, ZIP bombs, billions of declared cells, formula injection."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from core.errors import DamagedFile, LimitExceeded
from sheets import Limits, list_sheets, read_table
from sheets.safety import guard_text, is_risky

ROOT = Path(__file__).resolve().parent.parent

BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)).replace(
        "&lol0;", "&lol;"
    )
    + "]>\n"
)


def rewrite(source: Path, target: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            data = old.read(name)
            new.writestr(name, change(data) if name == member else data)
    return target


def small_book(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["Name", "Mark"])
    book.active.append(["Ann", 3])
    book.save(path)
    return path


def ods(path: Path, body: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def cell(text: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"])
def test_xml_bomb_in_a_workbook_is_refused(tmp_path: Path, member: str) -> None:
    book = small_book(tmp_path / "plain.xlsx")
    bomb = rewrite(
        book, tmp_path / "bomb.xlsx", member, lambda data: BOMB.encode() + data.split(b"?>", 1)[-1]
    )
    with pytest.raises(DamagedFile, match="overload a server"):
        read_table(bomb)


def test_xml_bomb_in_an_ods_is_refused(tmp_path: Path) -> None:
    path = ods(
        tmp_path / "plain.ods",
        f'<table:table table:name="S"><table:table-row>{cell("&lol9;")}</table:table-row></table:table>',
    )
    bomb = rewrite(
        path, tmp_path / "bomb.ods", "content.xml", lambda data: BOMB.encode() + data.split(b"?>", 1)[-1]
    )
    with pytest.raises(DamagedFile, match="overload a server"):
        list_sheets(bomb)


def test_zip_bomb_limits(tmp_path: Path) -> None:
    book = small_book(tmp_path / "plain.xlsx")
    with pytest.raises(LimitExceeded, match="unpacks to"):
        read_table(book, limits=Limits(max_uncompressed_bytes=1000))
    with pytest.raises(LimitExceeded, match="parts"):
        read_table(book, limits=Limits(max_zip_members=3))


def test_ods_reads_libreoffice_style_trailing_repeats(tmp_path: Path) -> None:
    rows = "".join(
        f"<table:table-row>{cell(name)}{cell(str(mark))}</table:table-row>"
        for name, mark in [("Name", "Mark"), ("Ann", 3)]
    )
    empty = '<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    path = ods(tmp_path / "marks.ods", f'<table:table table:name="Marks">{rows}{empty}</table:table>')
    sheet = list_sheets(path)[0]
    assert (sheet.name, sheet.rows, sheet.columns) == ("Marks", 2, 2)
    assert read_table(path).frame.to_dict("list") == {"Name": ["Ann"], "Mark": ["3"]}


def run_capped(code: str, memory_gb: int = 3) -> subprocess.CompletedProcess[str]:
    """Run code in a child whose address space is capped, so a regression fails instead of eating RAM."""
    prelude = (
        f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({memory_gb} << 30, {memory_gb} << 30))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_repeated_cells_are_refused_before_they_are_allocated(tmp_path: Path) -> None:
    # 20,000 rows x 900 filled columns: within the row and column limits, over the cell limit.
    # calamine alone would allocate all 18 million cells.
    row = (
        '<table:table-row table:number-rows-repeated="20000"><table:table-cell '
        'table:number-columns-repeated="900" office:value-type="string"><text:p>X</text:p>'
        "</table:table-cell></table:table-row>"
    )
    path = ods(tmp_path / "many.ods", f'<table:table table:name="S">{row}</table:table>')
    result = run_capped(
        f"""
        from pathlib import Path
        from core.errors import LimitExceeded
        from sheets import read_table
        try:
            read_table(Path({str(path)!r}))
        except LimitExceeded as exc:
            print("refused:", exc.message)
        """
    )
    assert "refused:" in result.stdout, result.stderr
    assert "cells" in result.stdout


@pytest.mark.corpus
def test_corpus_ods_dos_is_refused_quickly_in_little_memory(corpus_dir: Path) -> None:
    result = run_capped(
        f"""
        import resource, time
        from pathlib import Path
        from core.errors import LimitExceeded
        from sheets import read_table
        started = time.perf_counter()
        try:
            read_table(Path({str(corpus_dir / "sheets" / "issue_594_dos.ods")!r}))
        except LimitExceeded as exc:
            print("refused:", exc.message)
        print("seconds:", time.perf_counter() - started)
        """
    )
    assert "refused:" in result.stdout, result.stderr
    assert float(result.stdout.split("seconds:")[1]) < 5


@pytest.mark.parametrize(
    ("text", "risky"),
    [
        ("=1+2", True),
        ("+44 20 7946 0000", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("\t=1", True),
        ("\r=1", True),
        ("-5", False),
        ("+3.5", False),
        ("-0,75", False),
        ("-", False),
        ("Zoë", False),
        ("", False),
        ("a=b", False),
    ],
)
def test_formula_guard(text: str, risky: bool) -> None:
    assert is_risky(text) is risky
    assert guard_text(text) == ("'" + text if risky else text)
