"""Each kind declares its options once: submit, presets and the pages all take them from there."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.errors import BadOptions, TeacherPrinterError
from storage.presets import PresetStore
from storage.redis_conn import get_redis
from tests.apptest import app_test
from tests.make_files import make_pdf, pdf_bytes
from tests.test_merge_chain import upload
from worker.kinds.class_sets import ClassSetOptions
from worker.kinds.handouts import HandoutOptions
from worker.kinds.merge import MergeOptions
from worker.kinds.spreadsheets import SheetOptions
from worker.options import Options
from worker.pipelines import preset_options

PDF = "application/pdf"


def page(path: str) -> AppTest:
    at = app_test(30)
    at.run()
    at.switch_page(path).run()
    return at


def offers(widget, record: type[Options], name: str, choices=None) -> None:
    """The widget starts at the option's declared default and offers its declared choices, in its words."""
    spec = record.spec(name)
    assert widget.label == spec.label
    assert widget.value == spec.default
    if choices is not None or spec.choices is not None:
        assert list(widget.options) == [spec.word(c) for c in (choices or spec.choices)]


def ranges(widget, record: type[Options], name: str) -> None:
    """A slider or number box covers the range the option offers, from its default (or suggestion)."""
    spec = record.spec(name)
    assert widget.label == spec.label
    assert (widget.min, widget.max) == tuple(int(v) for v in spec.widget_range)
    start = spec.default if spec.default is not None else spec.suggested
    assert widget.value == start


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("handouts", {"margin_mm": "5"}),
        ("handouts", {"per_sheet": "4"}),
        ("merge", {"font_size": "big"}),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_at_submit_in_words(jobs, config, tmp_path, kind, options):
    a = upload(config, make_pdf(tmp_path / "a.pdf", 2))
    with pytest.raises(BadOptions) as caught:
        jobs.submit(kind, "x", [a], options, "t1")
    assert "wrong kind" in caught.value.for_teacher()
    assert jobs.list(None).total == 0 and jobs.queue.count == 0


def test_submit_keeps_the_normalised_record(jobs, config, tmp_path):
    a = upload(config, make_pdf(tmp_path / "a.pdf", 2))
    record = jobs.submit("handouts", "x", [a], {"margin_mm": 5, "unknown": 1}, "t1")
    kept = jobs.get(record.id, "t1").options
    assert kept == HandoutOptions(margin_mm=5.0).to_dict()
    assert isinstance(kept["margin_mm"], float) and "unknown" not in kept


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("handouts", {"paper": "A0"}, "unknown paper 'A0'"),
        ("handouts", {"orientation": "sideways"}, "unknown orientation"),
        ("handouts", {"signature_sheets": 65}, "between 1 and 64 sheets"),
        # Values no page offers, that the record once let through while numbers or pictures were off.
        ("merge", {"number_style": "roman"}, "not a way to write page numbers"),
        ("merge", {"position": "middle"}, "not a place on the page"),
        ("merge", {"image_dpi": 300}, "Pictures can be reduced to 150, 100, 72 dpi"),
        ("spreadsheets", {"task": "print", "paper": "A3"}, "Printable tables come on A4 or Letter paper"),
        (
            "class_sets",
            {"name_column": "Name", "per_sheet": 3},
            "3 pages per sheet is not offered (1, 2 or 4)",
        ),
    ],
)
def test_a_preset_outside_the_declared_choices_is_refused(config, kind, options, message):
    store = PresetStore(get_redis(config), preset_options)
    with pytest.raises(TeacherPrinterError) as caught:
        store.save(kind, "Odd", options, "ann@school.org")
    assert message in str(caught.value)
    assert store.list_for("ann@school.org") == []


def test_handouts_widgets_are_the_declared_options(app_env):
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("notes.pdf", pdf_bytes(3), PDF).run()
    assert not at.exception
    offers(at.radio(key="handouts_layout"), HandoutOptions, "layout")
    offers(at.selectbox(key="handouts_paper"), HandoutOptions, "paper")
    offers(at.selectbox(key="handouts_n"), HandoutOptions, "per_sheet")
    offers(at.selectbox(key="handouts_orient"), HandoutOptions, "orientation")
    offers(at.selectbox(key="handouts_order"), HandoutOptions, "order")
    ranges(at.slider(key="handouts_margin"), HandoutOptions, "margin_mm")
    ranges(at.slider(key="handouts_gap"), HandoutOptions, "gap_mm")
    offers(at.checkbox(key="handouts_borders"), HandoutOptions, "borders")
    offers(at.checkbox(key="handouts_duplex"), HandoutOptions, "duplex")
    offers(at.text_input(key="handouts_pages"), HandoutOptions, "pages")
    at.radio(key="handouts_layout").set_value("booklet").run()
    at.checkbox(key="handouts_split").check().run()
    ranges(at.number_input(key="handouts_signature"), HandoutOptions, "signature_sheets")


def test_merge_widgets_are_the_declared_options(app_env):
    at = page("ui/merge.py")
    uploader = at.file_uploader(key="merge_files")
    uploader.upload("A.pdf", pdf_bytes(3, "A"), PDF)
    uploader.upload("B.pdf", pdf_bytes(2, "B"), PDF).run()
    assert not at.exception
    offers(at.text_input(key="merge_keep"), MergeOptions, "keep")
    offers(at.selectbox(key="merge_rotate"), MergeOptions, "rotate_all")
    offers(at.checkbox(key="merge_duplex"), MergeOptions, "duplex")
    offers(at.radio(key="merge_split"), MergeOptions, "split")
    at.checkbox(key="merge_numbers").check()
    at.checkbox(key="merge_compress").check()
    at.radio(key="merge_split").set_value("every").run()
    offers(at.selectbox(key="merge_number_style"), MergeOptions, "number_style")
    offers(at.selectbox(key="merge_position"), MergeOptions, "position")
    ranges(at.slider(key="merge_font_size"), MergeOptions, "font_size")
    offers(at.selectbox(key="merge_dpi"), MergeOptions, "image_dpi")
    ranges(at.number_input(key="merge_every"), MergeOptions, "split_every")


def test_class_sets_widgets_are_the_declared_options(app_env):
    at = page("ui/class_sets.py")
    at.file_uploader(key="class_sets_worksheet").upload("Quiz.pdf", pdf_bytes(1, "W"), PDF)
    at.file_uploader(key="class_sets_list").upload(
        "7B.csv", b"First name,Surname,Class\nAda,Lovelace,7B\nAlan,Turing,7C\n", "text/csv"
    )
    at.run()
    assert not at.exception
    sort = next(r for r in at.radio if r.key.startswith("class_sets_sort_"))
    assert sort.value == ClassSetOptions.spec("sort").default
    assert list(sort.options) == [
        ClassSetOptions.spec("sort").word(c) for c in ClassSetOptions.spec("sort").choices
    ]
    offers(at.radio(key="class_sets_order"), ClassSetOptions, "name_order")
    offers(at.checkbox(key="class_sets_show_name"), ClassSetOptions, "show_name")
    offers(at.checkbox(key="class_sets_show_class"), ClassSetOptions, "show_class")
    offers(at.text_input(key="class_sets_text"), ClassSetOptions, "extra_text")
    place = (
        f"{at.selectbox(key='class_sets_vertical').value}-{at.selectbox(key='class_sets_horizontal').value}"
    )
    assert place == ClassSetOptions.spec("position").default
    ranges(at.slider(key="class_sets_size"), ClassSetOptions, "font_size")
    offers(at.checkbox(key="class_sets_room"), ClassSetOptions, "make_room")
    offers(at.checkbox(key="class_sets_duplex"), ClassSetOptions, "duplex")
    offers(at.selectbox(key="class_sets_per_sheet"), ClassSetOptions, "per_sheet")
    at.selectbox(key="class_sets_per_sheet").set_value(2).run()
    offers(at.selectbox(key="class_sets_paper"), ClassSetOptions, "paper")


def test_spreadsheets_widgets_are_the_declared_options(app_env):
    at = page("ui/spreadsheets.py")
    at.file_uploader(key="sheets_files").upload("7B.csv", b"Name,Class\nAda,7B\nAlan,7C\n", "text/csv")
    at.run()
    assert not at.exception
    # A CSV file cannot be made into CSV files: the page offers the declared tasks that fit it.
    offers(at.radio(key="sheets_task"), SheetOptions, "task", ["to_xlsx", "split", "clean", "print"])
    offers(at.checkbox(key="sheets_guard"), SheetOptions, "guard")
    at.radio(key="sheets_task").set_value("split").run()
    offers(at.radio(key="sheets_split_into"), SheetOptions, "split_into")
    assert at.selectbox(key="sheets_split_column").label == SheetOptions.spec("split_column").label
    at.radio(key="sheets_task").set_value("clean").run()
    for name, key in (
        ("trim", "sheets_trim"),
        ("drop_empty", "sheets_drop_empty"),
        ("drop_duplicates", "sheets_dupes"),
    ):
        offers(at.checkbox(key=key), SheetOptions, name)
    at.radio(key="sheets_task").set_value("print").run()
    offers(at.selectbox(key="sheets_paper"), SheetOptions, "paper")
    offers(at.text_input(key="sheets_title"), SheetOptions, "title")


def test_both_kinds_count_sheets_of_paper_the_same_way():
    """Handouts and class sets ask one function; a class set's copies are padded to whole sheets."""
    from pdf.printing import sheets_of_paper
    from worker.kinds import class_sets, handouts

    assert [sheets_of_paper(n, True) for n in (1, 2, 5)] == [1, 1, 3]
    assert sheets_of_paper(5, False) == 5
    counts = class_sets.plan(3, 3, ClassSetOptions(name_column="Name", duplex=True))
    assert counts.printed_sides == 12 and counts.sheets_of_paper == sheets_of_paper(12, True) == 6
    five = handouts.plan([(595.0, 842.0)] * 5, HandoutOptions(per_sheet=1, duplex=True))
    assert five.sheets_of_paper == sheets_of_paper(5, True) == 3
