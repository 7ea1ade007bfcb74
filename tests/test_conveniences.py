"""Presets, "Run again…" and "My files" on the pages, under AppTest against the real test Redis.

A new AppTest is a fresh browser session of a freshly started web process: whatever it finds
(presets, files, jobs) came through Redis and the data folder, as after a restart.
"""

from __future__ import annotations

import io

from streamlit.testing.v1 import AppTest

from services.library import MyFiles, Presets
from storage.files import FileStore
from storage.jobs import Status
from tests.apptest import app_test
from tests.make_files import damaged_pdf_bytes, encrypt_pdf, locked_ods_bytes, make_pdf, pdf_bytes, png_bytes
from tests.test_library import kept
from tests.test_owners import AUTH
from tests.test_pages import assert_clean, open_details, texts

PDF = "application/pdf"


def page(path: str, user: dict | None = None) -> AppTest:
    """A fresh session on one page (signed in as `user`, with sign-in configured, if given)."""
    at = app_test(30)
    if user is not None:
        at.secrets.update(AUTH)
        at.user = user
    at.run()
    return at.switch_page(path).run()


def use_preset(at: AppTest, kind: str, name: str) -> None:
    box = at.selectbox(key=f"{kind}_preset")
    box.select_index(box.options.index(name)).run()
    assert_clean(at)


def save_preset(at: AppTest, kind: str, name: str, shared: bool = False) -> None:
    at.text_input(key=f"{kind}_preset_name").input(name).run()
    if shared:
        at.checkbox(key=f"{kind}_preset_shared").check().run()
    at.button(key=f"{kind}_preset_save").click().run()
    assert_clean(at)
    assert f"Saved “{name}”" in texts(at)


def preset_names(at: AppTest, kind: str) -> list[str]:
    return list(at.selectbox(key=f"{kind}_preset").options)


def test_handouts_preset_fills_the_widgets_in_a_fresh_session(app_env):
    quiz = pdf_bytes(12, "Q")
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Quiz.pdf", quiz, PDF).run()
    at.selectbox(key="handouts_n").set_value(8).run()
    at.selectbox(key="handouts_paper").set_value("Letter").run()
    at.text_input(key="handouts_pages").input("1-8").run()
    at.slider(key="handouts_margin").set_value(4).run()
    at.checkbox(key="handouts_borders").check().run()
    save_preset(at, "handouts", "8-up revision sheets")

    at = page("ui/handouts.py")  # the web process restarted: a new session, the same Redis
    at.file_uploader(key="handouts_files").upload("Other.pdf", pdf_bytes(12, "O"), PDF).run()
    assert at.selectbox(key="handouts_n").value == 4
    use_preset(at, "handouts", "8-up revision sheets")
    assert "Filled in from “8-up revision sheets”." in texts(at)
    assert at.selectbox(key="handouts_n").value == 8
    assert at.selectbox(key="handouts_paper").value == "Letter"
    assert at.text_input(key="handouts_pages").value == "1-8"
    assert at.slider(key="handouts_margin").value == 4
    assert at.checkbox(key="handouts_borders").value is True
    assert {m.label: m.value for m in at.metric} == {"Pages in": "12", "Sheets of paper": "1"}
    # Picked again after a change, the preset puts it back.
    at.selectbox(key="handouts_n").set_value(2).run()
    use_preset(at, "handouts", "8-up revision sheets")
    assert at.selectbox(key="handouts_n").value == 8


def test_merge_preset_export_then_import(app_env, config):
    at = page("ui/merge.py")
    at.file_uploader(key="merge_files").upload("Quiz.pdf", pdf_bytes(4), PDF).run()
    at.checkbox(key="merge_numbers").check().run()
    at.selectbox(key="merge_position").set_value("top-right").run()
    at.checkbox(key="merge_compress").check().run()
    save_preset(at, "merge", "Numbered and small")
    export = next(b for b in at.get("download_button") if b.proto.label == "Save presets to a file")
    assert export.proto.label
    saved = Presets(config).export("merge", "local")  # what the button hands the browser

    at.button(key=next(b.key for b in at.button if b.key.startswith("merge_preset_delete_"))).click().run()
    assert_clean(at)
    assert preset_names(at, "merge") == []

    at = page("ui/merge.py")
    at.file_uploader(key="merge_files").upload("Notes.pdf", pdf_bytes(2), PDF).run()
    at.checkbox(key="merge_preset_import_on").check().run()
    at.file_uploader(key="merge_preset_import").upload(
        "presets.json", b"not presets", "application/json"
    ).run()
    assert_clean(at)
    assert any("not a presets file" in e.value for e in at.error), [e.value for e in at.error]
    at.file_uploader(key="merge_preset_import").upload("presets.json", saved, "application/json").run()
    assert_clean(at)
    assert "Added 1 preset: “Numbered and small”." in texts(at)
    use_preset(at, "merge", "Numbered and small")
    assert at.checkbox(key="merge_numbers").value is True
    assert at.selectbox(key="merge_position").value == "top-right"
    assert at.checkbox(key="merge_compress").value is True


def test_run_again_opens_the_tool_filled_in_and_makes_a_second_job(app_env, jobs, burst):
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Fractions.pdf", pdf_bytes(8, "F"), PDF).run()
    at.radio(key="handouts_layout").set_value("booklet").run()
    at.text_input(key="handouts_pages").input("1-6").run()
    at.text_input(key="handouts_name").input("Fractions booklet").run()
    at.button(key="handouts_submit").click().run()
    burst()
    first = jobs.list(None).records[0]
    assert first.status == Status.FINISHED
    before = first.to_json()

    at = page("ui/jobs.py")
    open_details(at, first.id)
    at.button(key=f"again-{first.id}").click().run()
    assert_clean(at)
    assert at.title[0].value == "Handouts"
    assert f"Filled in from **{first.title}**" in texts(at)
    assert at.multiselect(key="handouts_files__mine").value == [first.inputs[0]["ref"].split("/")[1]]
    assert at.radio(key="handouts_layout").value == "booklet"
    assert at.text_input(key="handouts_pages").value == "1-6"
    assert at.text_input(key="handouts_name").value == "Fractions booklet"
    assert {m.label: m.value for m in at.metric}["Pages in"] == "8"

    at.switch_page("ui/handouts.py")  # AppTest stays on the page it last opened itself
    at.selectbox(key="handouts_paper").set_value("A3").run()
    at.button(key="handouts_submit").click().run()
    assert_clean(at)
    assert "Submitted" in texts(at) and "Filled in from" not in texts(at)
    burst()
    listing = jobs.list(None)
    assert listing.total == 2
    second = listing.records[0]
    assert second.id != first.id and second.status == Status.FINISHED
    assert second.inputs == first.inputs  # the same stored file, not uploaded again
    assert second.options == {**first.options, "paper": "A3"}
    assert jobs.get(first.id, None).to_json() == before  # the earlier job is as it was


def test_run_again_merge_keeps_the_order_of_the_files(app_env, jobs, burst):
    at = page("ui/merge.py")
    uploader = at.file_uploader(key="merge_files")
    uploader.upload("A.pdf", pdf_bytes(3, "A"), PDF)
    uploader.upload("B.pdf", pdf_bytes(2, "B"), PDF).run()
    at.button(key=[b.key for b in at.button if b.key and b.key.startswith("up-")][1]).click().run()
    at.text_input(key="merge_keep").input("1-4").run()
    at.button(key="merge_submit").click().run()
    burst()
    first = jobs.list(None).records[0]

    at = page("ui/jobs.py")
    open_details(at, first.id)
    at.button(key=f"again-{first.id}").click().run()
    assert_clean(at)
    rows = [m.value for m in at.markdown if m.value.startswith("**1.**") or m.value.startswith("**2.**")]
    assert rows == ["**1.** B.pdf — 2 pages", "**2.** A.pdf — 3 pages"]
    assert at.text_input(key="merge_keep").value == "1-4"
    assert "one PDF of 4 pages" in texts(at)


def test_run_again_asks_again_for_a_file_that_is_gone(app_env, config, jobs, burst):
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Old quiz.pdf", pdf_bytes(4), PDF).run()
    at.radio(key="handouts_layout").set_value("booklet").run()
    at.button(key="handouts_submit").click().run()
    burst()
    first = jobs.list(None).records[0]
    FileStore(config).delete_upload(first.inputs[0]["ref"])  # as the clean-up does after the retention

    at = page("ui/jobs.py")
    open_details(at, first.id)
    at.button(key=f"again-{first.id}").click().run()
    assert_clean(at)
    assert "“Old quiz.pdf” is no longer on the server" in texts(at)
    assert "Please upload it again below." in texts(at)
    assert "Add a PDF, a Word or PowerPoint file, or a photo to begin." in texts(at)
    at.switch_page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Old quiz.pdf", pdf_bytes(4), PDF).run()
    assert_clean(at)
    assert at.radio(key="handouts_layout").value == "booklet"  # the options waited for the file


def test_the_same_file_uploaded_twice_is_kept_once_and_listed_once(app_env):
    quiz = pdf_bytes(5, "Q")
    at = page("ui/merge.py")
    at.file_uploader(key="merge_files").upload("Quiz.pdf", quiz, PDF).run()
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Quiz.pdf", quiz, PDF).run()
    assert_clean(at)
    assert len(list((app_env / "uploads").iterdir())) == 1
    assert not [m for m in at.multiselect if m.key == "handouts_files__mine"]  # not offered twice

    at = page("ui/handouts.py")
    picker = at.multiselect(key="handouts_files__mine")
    assert len(picker.options) == 1 and picker.options[0].startswith("Quiz.pdf  ·  5 pages  ·  ")

    at = page("ui/files.py")
    assert_clean(at)
    listed = [m.value for m in at.markdown if m.value.startswith("**")]
    assert len(listed) == 1 and "**Quiz.pdf**" in listed[0] and "5 pages" in listed[0]


def test_a_file_picked_from_my_files_is_used_without_uploading(app_env, config, jobs, burst):
    stored = kept(config, "local", pdf_bytes(6, "W"), "Worksheet.pdf")
    at = page("ui/handouts.py")
    assert "Add a PDF, a Word or PowerPoint file, or a photo to begin." in texts(at)
    at.multiselect(key="handouts_files__mine").select(stored.ref.split("/")[1]).run()
    assert_clean(at)
    assert {m.label: m.value for m in at.metric}["Pages in"] == "6"
    at.button(key="handouts_submit").click().run()
    burst()
    record = jobs.list(None).records[0]
    assert record.status == Status.FINISHED and record.inputs == [
        {"ref": stored.ref, "name": "Worksheet.pdf"}
    ]
    assert len(list((app_env / "uploads").iterdir())) == 1


def test_my_files_refuses_to_delete_a_file_a_failed_job_needs(app_env, config, jobs, burst):
    quiz = kept(config, "local", pdf_bytes(2), "Quiz.pdf")
    spare = kept(config, "local", pdf_bytes(1), "Spare.pdf")
    broken = FileStore(config).save_upload(io.BytesIO(b"this is not a PDF at all"), "Broken.pdf")
    inputs = [{"ref": quiz.ref, "name": quiz.name}, {"ref": broken.ref, "name": broken.name}]
    record = jobs.submit("merge", "Merge — Quiz.pdf", inputs, {}, "local")
    burst()
    assert jobs.get(record.id, None).status == Status.FAILED

    at = page("ui/files.py")
    quiz_id, spare_id = quiz.ref.split("/")[1], spare.ref.split("/")[1]
    at.button(key=f"delete-file-{quiz_id}").click().run()
    assert_clean(at)
    assert "“Quiz.pdf” cannot be deleted yet: “Merge — Quiz.pdf” still needs it" in texts(at)
    assert FileStore(config).upload_kept(quiz.ref)
    at.button(key=f"delete-file-{spare_id}").click().run()
    assert_clean(at)
    assert not FileStore(config).upload_kept(spare.ref)
    assert [m.value.split("**")[1] for m in at.markdown if m.value.startswith("**")] == ["Quiz.pdf"]


def listed_files(at: AppTest) -> list[str]:
    """The names the My files page lists."""
    return [m.value.split("**")[1] for m in at.markdown if m.value.startswith("**")]


def picker_names(at: AppTest, key: str) -> list[str]:
    """The file names a "use files you uploaded before" picker offers (none when it is not shown)."""
    pickers = [w for w in [*at.multiselect, *at.selectbox] if w.key == key]
    return [o.split("  ·  ")[0] for o in pickers[0].options] if pickers else []


def test_files_that_fail_their_check_are_never_kept_nor_offered(app_env, tmp_path):
    locked = encrypt_pdf(make_pdf(tmp_path / "a.pdf", 2), tmp_path / "Locked.pdf", user_password="sesame")
    at = page("ui/handouts.py")
    uploader = at.file_uploader(key="handouts_files")
    for name, data in [
        ("Empty.pdf", b""),
        ("Photo.pdf", png_bytes()),
        ("Damaged.pdf", damaged_pdf_bytes()),
        ("Locked.pdf", locked.read_bytes()),
        ("Quiz.pdf", pdf_bytes(2)),
    ]:
        uploader.upload(name, data, PDF)
    at.run()
    assert_clean(at)
    shown = texts(at)
    assert (
        "Empty.pdf is empty" in shown
        and "Photo.pdf is not a PDF" in shown
        and "Damaged.pdf is damaged" in shown
    )
    assert "**Locked.pdf** is protected by a password" in shown
    at = page("ui/class_sets.py")
    at.file_uploader(key="class_sets_list").upload(
        "Marks.ods", locked_ods_bytes(), "application/octet-stream"
    )
    at.run()
    assert_clean(at)
    assert "“Marks.ods” is protected by a password" in texts(at)

    # A fresh session offers only the file that can be used, on every page, and lists only that one.
    at = page("ui/handouts.py")
    assert picker_names(at, "handouts_files__mine") == ["Quiz.pdf"]
    at = page("ui/merge.py")
    assert picker_names(at, "merge_files__mine") == ["Quiz.pdf"]
    at = page("ui/class_sets.py")
    assert picker_names(at, "class_sets_worksheet__mine") == ["Quiz.pdf"]
    assert picker_names(at, "class_sets_list__mine") == []
    at = page("ui/spreadsheets.py")
    assert picker_names(at, "sheets_files__mine") == []
    at = page("ui/files.py")
    assert_clean(at)
    assert listed_files(at) == ["Quiz.pdf"]

    # Unlocked, the protected PDF is ready: its unlocked copy is the one kept.
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Locked.pdf", locked.read_bytes(), PDF).run()
    password = next(t for t in at.text_input if t.key and "__pw__" in t.key)
    password.input("sesame").run()
    at.button(key=password.key.replace("__pw__", "__unlock__")).click().run()
    assert_clean(at)
    at = page("ui/handouts.py")
    assert picker_names(at, "handouts_files__mine") == ["Locked.pdf", "Quiz.pdf"]
    assert at.multiselect(key="handouts_files__mine").options[0].startswith("Locked.pdf  ·  2 pages  ·  ")


def test_a_class_list_is_never_offered_as_a_pdf_even_named_like_one(app_env):
    class_list = CLASS_LIST.encode()
    at = page("ui/class_sets.py")
    at.file_uploader(key="class_sets_list").upload("9.csv", class_list, "text/csv").run()
    assert_clean(at)
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("9.pdf", class_list, PDF).run()  # the same bytes
    assert_clean(at)
    assert "9.pdf is not a PDF" in texts(at)

    at = page("ui/handouts.py")
    assert picker_names(at, "handouts_files__mine") == []
    at = page("ui/class_sets.py")
    assert picker_names(at, "class_sets_worksheet__mine") == []
    assert picker_names(at, "class_sets_list__mine") == ["9.csv"]
    at = page("ui/files.py")
    assert listed_files(at) == ["9.csv"]


def test_the_same_file_under_another_name_keeps_its_first_name_and_shows_both(app_env, jobs, burst):
    quiz = pdf_bytes(5, "Q")
    at = page("ui/merge.py")
    at.file_uploader(key="merge_files").upload("Quiz.pdf", quiz, PDF).run()
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Fractions quiz.pdf", quiz, PDF).run()
    assert_clean(at)
    assert len(list((app_env / "uploads").iterdir())) == 1
    at.button(key="handouts_submit").click().run()
    burst()
    # The job made from the second upload is named as the teacher named the file this time.
    assert jobs.list(None).records[0].inputs[0]["name"] == "Fractions quiz.pdf"

    at = page("ui/handouts.py")
    picker = at.multiselect(key="handouts_files__mine")
    assert len(picker.options) == 1
    assert picker.options[0].startswith("Quiz.pdf  ·  also uploaded as “Fractions quiz.pdf”  ·  5 pages  ·  ")
    at = page("ui/files.py")
    assert_clean(at)
    assert listed_files(at) == ["Quiz.pdf"]
    assert (
        "The same file was also uploaded as “Fractions quiz.pdf”, so it is kept once, under its first name."
        in texts(at)
    )


def test_one_teachers_presets_and_files_are_invisible_to_another(app_env, config, monkeypatch):
    monkeypatch.setenv("ADMIN_EMAILS", "it@school.org")
    alice = {"is_logged_in": True, "email": "alice@school.org"}
    bob = {"is_logged_in": True, "email": "bob@school.org"}
    admin = {"is_logged_in": True, "email": "it@school.org"}

    at = page("ui/handouts.py", alice)
    at.file_uploader(key="handouts_files").upload("Alice.pdf", pdf_bytes(2, "A"), PDF).run()
    assert not [c for c in at.checkbox if c.key == "handouts_preset_shared"]  # only admins share
    save_preset(at, "handouts", "Alice's booklet")

    at = page("ui/handouts.py", bob)
    assert not [m for m in at.multiselect if m.key == "handouts_files__mine"]  # Bob has no files yet
    at.file_uploader(key="handouts_files").upload("Bob.pdf", pdf_bytes(2, "B"), PDF).run()
    assert preset_names(at, "handouts") == []
    at = page("ui/files.py", bob)
    assert "Alice.pdf" not in texts(at) and "Bob.pdf" in texts(at)

    at = page("ui/handouts.py", admin)
    at.file_uploader(key="handouts_files").upload("School.pdf", pdf_bytes(2, "S"), PDF).run()
    assert preset_names(at, "handouts") == []
    save_preset(at, "handouts", "School 4-up", shared=True)

    at = page("ui/handouts.py", bob)
    picker = at.multiselect(key="handouts_files__mine")
    assert [o.split("  ·  ")[0] for o in picker.options] == ["Bob.pdf"]
    picker.select(MyFiles(config, "bob@school.org").recent()[0].id).run()  # no upload needed
    assert preset_names(at, "handouts") == ["School 4-up  ·  whole school"]
    at = page("ui/handouts.py", alice)
    picker = at.multiselect(key="handouts_files__mine")
    assert [o.split("  ·  ")[0] for o in picker.options] == ["Alice.pdf"]
    picker.select(MyFiles(config, "alice@school.org").recent()[0].id).run()
    assert preset_names(at, "handouts") == ["Alice's booklet", "School 4-up  ·  whole school"]


CLASS_LIST = "First name,Surname,Class\nZoë,Ångström,9A\nPiet,Jansen,9B\nAmal,Haddad,9A\n"


def test_class_set_preset_with_files_picked_from_my_files_then_run_again(app_env, config, jobs, burst):
    at = page("ui/class_sets.py")
    at.file_uploader(key="class_sets_worksheet").upload("Quiz.pdf", pdf_bytes(3, "Q"), PDF)
    at.file_uploader(key="class_sets_list").upload("9.csv", CLASS_LIST.encode(), "text/csv").run()
    assert_clean(at)
    next(m for m in at.multiselect if m.label == "Only these classes").select("9A").run()
    at.checkbox(key="class_sets_duplex").check().run()
    at.text_input(key="class_sets_text").input("Homework").run()
    at.selectbox(key="class_sets_vertical").set_value("bottom").run()
    save_preset(at, "class_sets", "Year 9 class set")

    at = page("ui/class_sets.py")
    by_name = {e.name: e.id for e in MyFiles(config, "local").recent()}
    at.multiselect(key="class_sets_worksheet__mine").select(by_name["Quiz.pdf"])
    at.selectbox(key="class_sets_list__mine").select(by_name["9.csv"]).run()
    assert_clean(at)
    assert {m.label: m.value for m in at.metric}["Students"] == "3"
    use_preset(at, "class_sets", "Year 9 class set")
    assert at.checkbox(key="class_sets_duplex").value is True
    assert at.text_input(key="class_sets_text").value == "Homework"
    assert at.selectbox(key="class_sets_vertical").value == "bottom"
    assert next(m for m in at.multiselect if m.label == "Only these classes").value == ["9A"]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Students"], metrics["Pages per copy"]) == ("2", "4")
    at.button(key="class_sets_submit").click().run()
    burst()
    first = jobs.list(None).records[0]
    assert first.status == Status.FINISHED, first.error

    at = page("ui/jobs.py")
    open_details(at, first.id)
    at.button(key=f"again-{first.id}").click().run()
    assert_clean(at)
    assert at.multiselect(key="class_sets_worksheet__mine").value == [by_name["Quiz.pdf"]]
    assert at.selectbox(key="class_sets_list__mine").value == by_name["9.csv"]
    assert at.text_input(key="class_sets_text").value == "Homework"
    assert next(m for m in at.multiselect if m.label == "Only these classes").value == ["9A"]


def test_spreadsheets_page_counts_the_split_and_fills_it_from_a_preset(app_env, jobs, burst):
    marks = "Name,Form,Mark\nAna,7A,5\nBen,7b,6\nCem,7B,7\nDia,8C,4\n"
    at = page("ui/spreadsheets.py")
    at.file_uploader(key="sheets_files").upload("Marks.csv", marks.encode(), "text/csv").run()
    assert "You will get **one Excel workbook** (4 rows and 3 columns)." in texts(at)
    at.radio(key="sheets_task").set_value("split").run()
    at.radio(key="sheets_split_into").set_value("csv").run()
    assert_clean(at)
    assert "**a ZIP of 3 CSV files**, one for each of the 3 values of “Form” (4 rows)" in texts(at)
    save_preset(at, "spreadsheets", "By form")
    at.button(key="sheets_submit").click().run()
    burst()
    first = jobs.list(None).records[0]
    assert first.status == Status.FINISHED and first.options["split_into"] == "csv"

    at = page("ui/jobs.py")
    open_details(at, first.id)
    at.button(key=f"again-{first.id}").click().run()
    assert_clean(at)
    assert at.radio(key="sheets_task").value == "split"
    assert at.radio(key="sheets_split_into").value == "csv"
    at = page("ui/spreadsheets.py")
    at.file_uploader(key="sheets_files").upload("Other.csv", b"Name,Klasse\nA,1\nB,2\n", "text/csv").run()
    use_preset(at, "spreadsheets", "By form")
    assert at.radio(key="sheets_task").value == "split"
    assert "do not fit these files" in texts(at) and "“Form”" in texts(at)


def reload(at: AppTest, path: str) -> AppTest:
    """The browser's reload of the page `at` shows: a new session, with the same address."""
    fresh = app_test(30)
    fresh.query_params.update(at.query_params)
    return fresh.switch_page(path).run()


def test_run_again_survives_a_reload_until_it_is_submitted(app_env, jobs, burst):
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Fractions.pdf", pdf_bytes(8, "F"), PDF).run()
    at.radio(key="handouts_layout").set_value("booklet").run()
    at.text_input(key="handouts_pages").input("1-6").run()
    at.button(key="handouts_submit").click().run()
    burst()
    first = jobs.list(None).records[0]

    at = page("ui/jobs.py")
    open_details(at, first.id)
    at.button(key=f"again-{first.id}").click().run()
    assert at.query_params == {"again": first.id}

    at = reload(at, "ui/handouts.py")
    assert_clean(at)
    assert f"Filled in from **{first.title}**" in texts(at)
    assert at.multiselect(key="handouts_files__mine").value == [first.inputs[0]["ref"].split("/")[1]]
    assert at.radio(key="handouts_layout").value == "booklet"
    assert at.text_input(key="handouts_pages").value == "1-6"
    at.selectbox(key="handouts_paper").set_value("A3").run()
    assert at.selectbox(key="handouts_paper").value == "A3"  # filled in once, then the teacher's own

    at.button(key="handouts_submit").click().run()
    assert "Submitted" in texts(at)
    assert "again" not in at.query_params
    at = reload(at, "ui/handouts.py")
    assert "Filled in from" not in texts(at)
    assert jobs.list(None).total == 2


def test_an_address_naming_someone_elses_job_fills_nothing(app_env, config, jobs, burst, tmp_path):
    from tests.test_merge_chain import upload

    theirs = jobs.submit(
        "handouts", "Bob's quiz", [upload(config, make_pdf(tmp_path / "q.pdf", 2))], {}, "bob@school.org"
    )
    at = app_test(30)
    at.secrets.update(AUTH)
    at.user = {"email": "ann@school.org", "is_logged_in": True}
    at.query_params["again"] = theirs.id
    at.switch_page("ui/handouts.py").run()
    assert_clean(at)
    assert "Filled in from" not in texts(at)
    assert "not yours" in texts(at)


def test_a_file_removed_by_the_clean_up_while_the_page_is_open_is_no_traceback(app_env, config, jobs, burst):
    """The clean-up may remove an upload under an open page: uploaded ones are saved again, picked ones said."""
    at = page("ui/handouts.py")
    at.file_uploader(key="handouts_files").upload("Quiz.pdf", pdf_bytes(3, "Q"), PDF).run()
    first = MyFiles(config, "local").recent()[0]
    FileStore(config).delete_upload(first.ref)  # as the clean-up does
    at.selectbox(key="handouts_n").set_value(2).run()
    assert_clean(at)
    assert {m.label: m.value for m in at.metric}["Pages in"] == "3"
    at.button(key="handouts_submit").click().run()
    burst()
    record = jobs.list(None).records[0]
    assert record.status == Status.FINISHED, record.error
    assert FileStore(config).upload_kept(record.inputs[0]["ref"])

    picked = kept(config, "local", pdf_bytes(4, "W"), "Worksheet.pdf")
    at = page("ui/handouts.py")
    at.multiselect(key="handouts_files__mine").select(picked.ref.split("/")[1]).run()
    FileStore(config).delete_upload(picked.ref)
    at.selectbox(key="handouts_n").set_value(4).run()
    assert_clean(at)
    assert "Worksheet.pdf" not in picker_names(
        at, "handouts_files__mine"
    )  # no longer offered, nothing breaks
    assert "Add a PDF, a Word or PowerPoint file, or a photo to begin." in texts(at)
