"""Nothing active in anything we hand back: every kind of job on a hostile PDF, each output's
whole object graph walked (every object in the file, not only those the pages reach)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from storage.jobs import Status
from tests.apptest import unlocked
from tests.make_files import SAFE_LINK, encrypt_pdf, hostile_pdf, make_pdf, pdf_bytes
from tests.test_class_sets_chain import notes_of
from tests.test_merge_chain import upload

FORBIDDEN_KEYS = {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RF", "/XFA", "/AF"}
FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToR", "/GoToE"}
FORBIDDEN_ANNOTS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
PAYLOADS = (b"app.alert", b"MZ pretend", b"cmd.exe", b"evil.example", b"<xdp:xdp>")


def every_object(reader: PdfReader):
    """Every indirect object the file holds (its cross-reference tables and object streams), and the trailer."""
    yield reader.trailer
    numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    for num, gen in sorted(numbers):
        obj = reader.get_object(IndirectObject(num, gen, reader))
        if obj is not None:
            yield obj


def active_content(path: Path) -> list[str]:
    """What a reader could run or unpack from the PDF at `path`, found by walking every object."""
    found = []
    reader = PdfReader(path)
    for top in every_object(reader):
        stack = [top]
        while stack:
            obj = stack.pop()
            if isinstance(obj, DictionaryObject):
                found += [f"key {k}" for k in obj if k in FORBIDDEN_KEYS]
                if obj.get("/S") in FORBIDDEN_ACTIONS:
                    found.append(f"action {obj['/S']}")
                if obj.get("/Subtype") in FORBIDDEN_ANNOTS:
                    found.append(f"annotation {obj['/Subtype']}")
                if obj.get("/S") == "/URI" and not re.match(r"(https?://|mailto:)", str(obj.get("/URI"))):
                    found.append(f"address {obj.get('/URI')!r}")
                if obj.get("/OpenAction") is not None and not isinstance(obj["/OpenAction"], ArrayObject):
                    found.append("an open action")
                stack += [v for v in obj.values() if not isinstance(v, IndirectObject)]
                if isinstance(obj, StreamObject):
                    data = obj.get_data()
                    found += [f"payload {p!r} in a stream" for p in PAYLOADS if p in data]
            elif isinstance(obj, ArrayObject):
                stack += [v for v in obj if not isinstance(v, IndirectObject)]
    raw = path.read_bytes()
    found += [f"payload {p!r} in the file" for p in PAYLOADS if p in raw]
    return found


def uris(path: Path) -> list[str]:
    reader = PdfReader(path)
    return [
        str(a.get_object()["/A"]["/URI"])
        for page in reader.pages
        for a in page.get("/Annots", [])
        if "/A" in a.get_object() and a.get_object()["/A"].get("/S") == "/URI"
    ]


def pdfs_of(jobs, done, folder: Path) -> list[Path]:
    """Every PDF a finished job hands back, those inside its ZIPs unpacked into `folder`."""
    found = []
    for output in done.outputs:
        path = jobs.output_path(done.id, output, None)
        if output.name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                for n, member in enumerate(m for m in archive.namelist() if m.endswith(".pdf")):
                    (found_path := folder / f"{done.id}-{n}.pdf").write_bytes(archive.read(member))
                    found.append(found_path)
        elif output.name.endswith(".pdf"):
            found.append(path)
    return found


@pytest.fixture
def hostile(tmp_path) -> Path:
    path = hostile_pdf(tmp_path / "Worksheet.pdf", pages=4)
    assert len(active_content(path)) >= 15  # the walker sees every trick the file plays
    return path


JOBS = [
    ("merge", {}),
    ("merge", {"keep": "2, 1, 3-4"}),
    ("merge", {"rotate_all": 90, "blank_after": "1"}),
    ("merge", {"numbers": True}),
    ("merge", {"stamp_text": "Draft", "position": "top-right"}),
    ("merge", {"compress": True}),
    ("merge", {"split": "every", "split_every": 1}),
    ("handouts", {"layout": "n_up", "per_sheet": 2}),
    ("handouts", {"layout": "booklet"}),
    ("class_sets", {"name_column": "Name"}),  # the print file, and a ZIP of single copies
    ("make_pdf", {}),
    ("make_pdf", {"result": "each"}),  # a ZIP of PDFs
]


def test_every_kind_that_takes_pdfs_is_run_on_the_hostile_file():
    from worker.pipelines import PIPELINES
    from worker.steps import TO_PDF

    takes_pdfs = {kind for kind, pipeline in PIPELINES.items() if TO_PDF in pipeline.steps}
    assert takes_pdfs == {kind for kind, _ in JOBS}


@pytest.mark.parametrize(("kind", "options"), JOBS, ids=[f"{k}-{'-'.join(o) or 'plain'}" for k, o in JOBS])
def test_every_kind_of_job_hands_back_nothing_active(jobs, config, burst, tmp_path, hostile, kind, options):
    inputs = [upload(config, hostile)]
    if kind == "class_sets":
        names = tmp_path / "7B.csv"
        names.write_text("Name\nAda Lovelace\nAlan Turing\n", encoding="utf-8")
        inputs = [{**inputs[0], "role": "worksheet"}, {**upload(config, names), "role": "class_list"}]
    record = jobs.submit(kind, f"{kind} on a hostile file", inputs, options, "t1")
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    outputs = pdfs_of(jobs, done, tmp_path)
    assert outputs
    for output in outputs:
        assert active_content(output) == [], output.name
    if kind == "merge" and not options:  # the pages kept as they were: links and fields too
        (merged,) = outputs
        assert SAFE_LINK in uris(merged)
        first = PdfReader(merged).pages[0]
        kept = [a.get_object() for a in first["/Annots"]]
        assert any(a.get("/T") == "Name" for a in kept)  # the form field, without its script
        assert any(a.get("/A", {}).get("/S") == "/GoTo" for a in kept)  # the link inside, without /Next's
        assert "Scripts" in notes_of(done) and "were removed" in notes_of(done)


def test_a_clean_result_is_left_as_written_and_gets_no_note(jobs, config, burst, tmp_path):
    record = jobs.submit("merge", "plain", [upload(config, make_pdf(tmp_path / "a.pdf", 2))], {}, "t1")
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED and "were removed" not in notes_of(done)


def test_a_hidden_name_or_a_packed_object_is_still_found(tmp_path):
    """The byte scan cannot see inside object streams or through #-escaped names: those files are walked."""
    from pypdf import PdfWriter

    from pdf.safety import make_safe

    hostile = hostile_pdf(tmp_path / "h.pdf")
    escaped = tmp_path / "escaped.pdf"
    escaped.write_bytes(hostile.read_bytes().replace(b"/JavaScript", b"/J#61vaScript"))
    packed = tmp_path / "packed.pdf"
    writer = PdfWriter(clone_from=hostile)
    writer.compress_identical_objects()
    with packed.open("wb") as out:
        writer.write(out)
    for path in (escaped, packed):
        assert make_safe(path), path.name
        assert active_content(path) == [], path.name


def test_an_unlocked_copy_holds_nothing_active(config, tmp_path):
    from services.library import MyFiles
    from services.uploads import Uploads

    locked = encrypt_pdf(hostile_pdf(tmp_path / "h.pdf"), tmp_path / "Locked.pdf", user_password="sesame")
    uploads = Uploads(config, MyFiles(config, "ann@school.org"))
    added = uploads.add(locked.open("rb"), "Locked.pdf")
    from tests.apptest import looked

    opened = unlocked(uploads, looked(uploads, added).stored, "sesame")
    path = uploads.store.resolve(opened.stored.ref)
    assert active_content(path) == []
    assert len(PdfReader(path).pages) == 3


def test_the_byte_scan_lets_plain_files_through_unparsed(tmp_path):
    from pdf.safety import _may_hold_active, make_safe

    plain = tmp_path / "plain.pdf"
    plain.write_bytes(pdf_bytes(3))
    assert not _may_hold_active(plain)
    hostile = hostile_pdf(tmp_path / "h.pdf")
    assert _may_hold_active(hostile)
    make_safe(hostile)
    # What is left (a web link written with escapes, https\072\057\057…, a link inside) passes.
    assert SAFE_LINK in uris(hostile) and b"/URI (https\\072" in hostile.read_bytes()
    assert not _may_hold_active(hostile)
