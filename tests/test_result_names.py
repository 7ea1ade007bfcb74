"""The name of each tool's result follows the teacher's current choices until they type their own."""

from __future__ import annotations

import pytest

from core.files import safe_name, shorten
from storage.jobs import Status
from tests.make_files import pdf_bytes
from tests.test_conveniences import PDF, page, save_preset, use_preset
from tests.test_pages import assert_clean, open_details
from ui._names import NAME_CHARS


def name_box(at, key: str) -> str:
    return at.text_input(key=key).value


def test_handouts_name_follows_the_layout_until_the_teacher_types_one(app_env, jobs, burst):
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Fractions.pdf", pdf_bytes(8, "F"), PDF).run()
    assert name_box(at, "handouts_name") == "Fractions 4 per sheet"
    at.selectbox(key="handouts_n").set_value(2).run()
    assert name_box(at, "handouts_name") == "Fractions 2 per sheet"
    at.button(key="handouts_submit").click().run()
    assert_clean(at)
    at.radio(key="handouts_layout").set_value("booklet").run()
    assert name_box(at, "handouts_name") == "Fractions booklet"
    at.text_input(key="handouts_name").input("Year 7 fractions").run()
    at.radio(key="handouts_layout").set_value("n_up").run()
    at.selectbox(key="handouts_n").set_value(8).run()
    assert_clean(at)
    assert name_box(at, "handouts_name") == "Year 7 fractions"
    at.text_input(key="handouts_name").input("").run()  # emptied: back to the default
    assert name_box(at, "handouts_name") == "Fractions 8 per sheet"
    burst()
    record = jobs.list(None).records[0]
    assert record.status == Status.FINISHED, record.error
    assert [o.name for o in record.outputs] == ["Fractions 2 per sheet.pdf"]


def test_handouts_name_follows_a_preset_and_a_typed_name_survives_it(app_env):
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Quiz.pdf", pdf_bytes(8, "Q"), PDF).run()
    at.radio(key="handouts_layout").set_value("booklet").run()
    save_preset(at, "handouts", "Booklet")

    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Poems.pdf", pdf_bytes(8, "P"), PDF).run()
    assert name_box(at, "handouts_name") == "Poems 4 per sheet"
    use_preset(at, "handouts", "Booklet")
    assert name_box(at, "handouts_name") == "Poems booklet"
    at.text_input(key="handouts_name").input("Poems for 8C").run()
    at.radio(key="handouts_layout").set_value("n_up").run()
    use_preset(at, "handouts", "Booklet")
    assert name_box(at, "handouts_name") == "Poems for 8C"


def test_run_again_keeps_a_typed_name_and_makes_todays_default_otherwise(app_env, config, jobs, burst):
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Fractions.pdf", pdf_bytes(8, "F"), PDF).run()
    at.selectbox(key="handouts_n").set_value(2).run()
    at.button(key="handouts_submit").click().run()
    default_job = jobs.list(None).records[0]
    at.text_input(key="handouts_name").input("Fractions for 7B").run()
    at.button(key="handouts_submit").click().run()
    typed_job = jobs.list(None).records[0]
    # A job made before names followed the choices: a 2-per-sheet job named "… 4 per sheet".
    stale_job = jobs.submit(
        "handouts",
        "Handouts · 2 per sheet — Fractions.pdf",
        default_job.inputs,
        {**default_job.options, "output_name": "Fractions 4 per sheet"},
        "local",
    )
    burst()

    at = page("ui/jobs.py")
    open_details(at, typed_job.id)
    at.button(key=f"again-{typed_job.id}").click().run()
    assert_clean(at)
    assert name_box(at, "handouts_name") == "Fractions for 7B"
    at.switch_page("ui/handouts.py")
    at.radio(key="handouts_layout").set_value("booklet").run()
    assert name_box(at, "handouts_name") == "Fractions for 7B"

    for job in (default_job, stale_job):
        at = page("ui/jobs.py")
        open_details(at, job.id)
        at.button(key=f"again-{job.id}").click().run()
        assert_clean(at)
        assert name_box(at, "handouts_name") == "Fractions 2 per sheet"
        at.switch_page("ui/handouts.py")
        at.selectbox(key="handouts_n").set_value(6).run()
        assert name_box(at, "handouts_name") == "Fractions 6 per sheet"


def test_merge_name_follows_the_first_file_in_the_teachers_order(app_env, jobs, burst):
    at = page("ui/merge.py")
    uploader = at.file_uploader(key="merge_files")
    uploader.upload("Alpha.pdf", pdf_bytes(2, "A"), PDF)
    uploader.upload("Beta.pdf", pdf_bytes(2, "B"), PDF).run()
    assert name_box(at, "merge_name") == "Alpha merged"
    at.button(key=[b.key for b in at.button if b.key and b.key.startswith("up-")][1]).click().run()
    assert name_box(at, "merge_name") == "Beta merged"
    at.button(key="merge_submit").click().run()
    assert_clean(at)
    burst()
    record = jobs.list(None).records[0]
    assert record.status == Status.FINISHED, record.error
    assert [o.name for o in record.outputs] == ["Beta merged.pdf"]
    at.text_input(key="merge_name").input("Both").run()
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("down-"))).click().run()
    assert name_box(at, "merge_name") == "Both"


CLASS_LIST = "First name,Surname,Class\nZoë,Ångström,9A\nPiet,Jansen,9B\nAmal,Haddad,9A\n"


def test_class_set_name_follows_the_classes_chosen(app_env):
    at = page("ui/class_sets.py")
    at.file_uploader(key="class_sets_worksheet").upload("Quiz.pdf", pdf_bytes(2, "Q"), PDF)
    at.file_uploader(key="class_sets_list").upload("9.csv", CLASS_LIST.encode(), "text/csv").run()
    assert_clean(at)
    assert name_box(at, "class_sets_name") == "Quiz class set"
    next(m for m in at.multiselect if m.label == "Only these classes").select("9A").run()
    assert name_box(at, "class_sets_name") == "Quiz class set (9A)"
    at.text_input(key="class_sets_name").input("Quiz for the trip").run()
    next(m for m in at.multiselect if m.label == "Only these classes").select("9B").run()
    assert_clean(at)
    assert name_box(at, "class_sets_name") == "Quiz for the trip"


def test_combined_workbook_name_follows_the_files_and_the_way_of_combining(app_env, jobs, burst):
    at = page("ui/spreadsheets.py")
    uploader = at.file_uploader(key="sheets_files")
    uploader.upload("7A.csv", b"Name,Mark\nAna,5\n", "text/csv")
    uploader.upload("7B.csv", b"Name,Mark\nBen,6\n", "text/csv").run()
    at.radio(key="sheets_task").set_value("combine").run()
    assert name_box(at, "sheets_combined_name") == "7A and 7B combined"
    at.radio(key="sheets_combine_mode").set_value("stack").run()
    assert name_box(at, "sheets_combined_name") == "7A and 7B in one sheet"
    at.button(key="sheets_submit").click().run()
    assert_clean(at)
    at.text_input(key="sheets_combined_name").input("Year 7 marks").run()
    at.radio(key="sheets_combine_mode").set_value("sheets").run()
    assert name_box(at, "sheets_combined_name") == "Year 7 marks"
    burst()
    record = jobs.list(None).records[0]
    assert record.status == Status.FINISHED, record.error
    assert [o.name for o in record.outputs] == ["7A and 7B in one sheet.xlsx"]


def test_a_long_file_name_is_shortened_at_a_word_and_keeps_the_layout(app_env):
    stem = " ".join(["Revision"] * 9 + ["questions", "for", "the", "summer", "examination", "part", "two"])
    assert len(stem) > NAME_CHARS
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload(f"{stem}.pdf", pdf_bytes(4, "R"), PDF).run()
    at.selectbox(key="handouts_n").set_value(2).run()
    name = name_box(at, "handouts_name")
    assert name.endswith(" 2 per sheet") and len(name) <= NAME_CHARS
    kept = name.removesuffix(" 2 per sheet")
    assert stem.startswith(kept) and stem[len(kept)] == " "  # whole words only


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Fractions worksheet", 50, "Fractions worksheet"),
        ("Fractions worksheet final", 22, "Fractions worksheet"),
        ("Fractions worksheet final", 19, "Fractions worksheet"),
        ("Year_7_fractions_final", 18, "Year_7_fractions"),
        ("Antidisestablishment", 8, "Antidise"),  # one long word is cut where it must be
        ("Week 3 - homework", 9, "Week 3"),
    ],
)
def test_shorten_cuts_at_the_end_of_a_word(text, limit, expected):
    assert shorten(text, limit) == expected


def test_safe_name_cuts_a_long_name_between_words_and_keeps_the_extension():
    name = safe_name(" ".join(["Контрольная работа"] * 10) + ".pdf")
    assert name.endswith("работа.pdf") and len(name.encode()) <= 150
