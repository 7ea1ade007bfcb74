"""Who sees which jobs: single-user mode, and sign-in with owners and admins."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.errors import NotAllowed
from storage.jobs import Status
from tests.apptest import app_test
from tests.make_files import make_pdf
from tests.test_merge_chain import upload

AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "id", "client_secret": "secret",
                 "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}}  # fmt: skip


def jobs_page(user: dict | None, secrets: dict | None = AUTH) -> AppTest:
    at = app_test(30)
    if secrets:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    at.run()
    return at.switch_page("ui/jobs.py").run()


def titles(at: AppTest) -> set[str]:
    return {m.value.split("**")[1] for m in at.markdown if m.value.count("**") >= 2 and "Merge" in m.value}


@pytest.fixture
def two_teachers(jobs, config, tmp_path, monkeypatch):
    monkeypatch.setenv("ADMIN_EMAILS", "it@school.org")
    item = upload(config, make_pdf(tmp_path / "a.pdf", 1))
    alice = jobs.submit("merge", "Merge PDFs — Alice's quiz.pdf", [item], {}, "alice@school.org")
    bob = jobs.submit("merge", "Merge PDFs — Bob's list.pdf", [item], {}, "bob@school.org")
    return alice, bob


def test_each_teacher_sees_only_their_own_jobs(two_teachers):
    at = jobs_page({"is_logged_in": True, "email": "alice@school.org"})
    assert not at.exception
    assert titles(at) == {"Merge PDFs — Alice's quiz.pdf"}
    at = jobs_page({"is_logged_in": True, "email": "Bob@School.org"})
    assert titles(at) == {"Merge PDFs — Bob's list.pdf"}


def test_admin_sees_everyone(two_teachers):
    at = jobs_page({"is_logged_in": True, "email": "it@school.org"})
    assert titles(at) == {"Merge PDFs — Alice's quiz.pdf", "Merge PDFs — Bob's list.pdf"}


def test_signed_out_sees_the_sign_in_button_and_no_jobs(two_teachers):
    at = jobs_page({"is_logged_in": False})
    assert not at.exception
    assert titles(at) == set()
    assert any(b.label == "Sign in" for b in at.button)


def test_single_user_mode_sees_all_and_says_so(two_teachers):
    at = app_test(30).run()
    assert any("Single-user mode" in c.value for c in at.sidebar.caption)
    at.switch_page("ui/jobs.py").run()
    assert len(titles(at)) == 2


def test_one_teacher_cannot_touch_anothers_job(jobs, burst, two_teachers):
    alice, _bob = two_teachers
    burst()
    done = jobs.get(alice.id, "alice@school.org")
    assert done.status == Status.FINISHED
    output = done.outputs[0]
    for action in (jobs.cancel, jobs.retry, jobs.delete):
        with pytest.raises(NotAllowed):
            action(alice.id, "bob@school.org")
    with pytest.raises(NotAllowed):
        jobs.output_path(alice.id, output, "bob@school.org")
    assert jobs.get(alice.id, "bob@school.org") is None
    assert jobs.output_path(alice.id, output, "alice@school.org").is_file()


# -- Every way in --------------------------------------------------------------------------

GUESSED = ["0" * 16, "f" * 16, "../../etc/passwd", "", "x" * 200]


def test_every_way_in_refuses_another_teachers_job_and_guessed_ids(jobs, burst, two_teachers):
    alice, bob = two_teachers
    burst()
    done = jobs.get(alice.id, "alice@school.org")
    output = done.outputs[0]
    assert alice.id not in {r.id for r in jobs.list("bob@school.org").records}
    for job_id in [alice.id, *GUESSED]:
        assert jobs.get(job_id, "bob@school.org") is None
        for action in (jobs.cancel, jobs.retry, jobs.delete, jobs.run_again):
            with pytest.raises(NotAllowed):
                action(job_id, "bob@school.org")
        with pytest.raises(NotAllowed):
            jobs.output_path(job_id, output, "bob@school.org")
    # Bob's own job, asked for a file of Alice's job under his id: not one of his results.
    with pytest.raises(NotAllowed):
        jobs.output_path(bob.id, output, "bob@school.org")
    assert jobs.get(alice.id, "alice@school.org").status == Status.FINISHED  # nothing changed


def test_presets_and_my_files_are_each_teachers_own(config, jobs):
    import io

    from services.library import MyFiles, Presets
    from tests.make_files import pdf_bytes

    presets = Presets(config)
    private = presets.save("handouts", "Alice's 4 up", {"per_sheet": 4}, "alice@school.org")
    shared = presets.save("handouts", "School 2 up", {"per_sheet": 2}, "it@school.org", shared=True)
    assert presets.get(private.id, "bob@school.org") is None
    assert {p.id for p in presets.for_kind("handouts", "bob@school.org")} == {shared.id}
    for preset in (private, shared):
        with pytest.raises(NotAllowed):
            presets.delete(preset.id, "bob@school.org", may_share=False)
    assert presets.get(private.id, "alice@school.org") is not None

    alices = MyFiles(config, "alice@school.org")
    kept = alices.save(io.BytesIO(pdf_bytes(2)), "Quiz.pdf")
    from services.uploads import Uploads
    from tests.apptest import looked

    uploads = Uploads(config, alices)
    looked(uploads, uploads.add(io.BytesIO(pdf_bytes(2)), "Quiz.pdf"))
    bobs = MyFiles(config, "bob@school.org")
    assert bobs.recent() == []
    with pytest.raises(NotAllowed):
        bobs.delete(kept.ref.split("/")[1])
    assert [e.name for e in alices.recent()] == ["Quiz.pdf"]


def test_a_job_takes_only_its_owners_uploads(config, jobs, burst, tmp_path):
    """Refs a crafted page could send: outside the data folder, another job's results, Redis's own
    files, a link planted in uploads/, another teacher's upload. Only an admin may use anyone's."""
    import io
    import os

    from services.library import MyFiles
    from services.uploads import Uploads
    from storage.files import FileStore
    from tests.apptest import looked
    from tests.make_files import pdf_bytes

    files = FileStore(config)
    uploads = Uploads(config, MyFiles(config, "alice@school.org"))
    alices = looked(uploads, uploads.add(io.BytesIO(pdf_bytes(1)), "Alice.pdf")).stored  # in her files
    theirs = jobs.submit(
        "merge", "Alice's", [{"ref": alices.ref, "name": "Alice.pdf"}], {}, "alice@school.org"
    )
    burst()
    result = jobs.get(theirs.id, None).outputs[0].ref
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    planted = files.root / "uploads" / ("a" * 16)
    planted.mkdir(parents=True)
    os.symlink(secret, planted / "notes.csv")
    os.symlink(files.resolve(result), planted / "theirs.pdf")
    (files.root / "redis").mkdir(exist_ok=True)
    (files.root / "redis" / "appendonly.aof").write_text("*3\r\n$3\r\nSET\r\n")
    for ref in [
        "../secret.csv",
        str(secret),
        result,
        "redis/appendonly.aof",
        f"uploads/{'a' * 16}/notes.csv",
        f"uploads/{'a' * 16}/theirs.pdf",
        alices.ref,
    ]:
        with pytest.raises(NotAllowed):
            jobs.submit(
                "spreadsheets",
                "crafted",
                [{"ref": ref, "name": "x.csv"}],
                {"task": "to_xlsx"},
                "bob@school.org",
            )
    assert jobs.list("bob@school.org").total == 0
    admin = jobs.submit(
        "merge", "for Alice", [{"ref": alices.ref, "name": "A.pdf"}], {}, "it@school.org", any_upload=True
    )
    assert admin.owner == "it@school.org"


def test_another_teachers_job_in_the_address_is_refused_in_words(two_teachers):
    alice, _bob = two_teachers
    at = jobs_page({"is_logged_in": True, "email": "bob@school.org"})
    at.switch_page("ui/merge.py")
    at.query_params["again"] = alice.id
    at.run()
    assert not at.exception
    assert any("not yours" in w.value for w in at.warning)
    assert "again" not in at.query_params


def test_a_function_put_straight_into_the_queue_is_refused_without_running(config, tmp_path):
    """A forged queue entry, in the queue's own JSON format, naming a function that is not a task."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    from storage.redis_conn import get_redis
    from tests.conftest import run_worker_burst

    proof = tmp_path / "ran"
    queue = Queue(config.queue_name, connection=get_redis(config), serializer=JSONSerializer)
    forged = queue.enqueue_call("os.system", args=[f"touch {proof}"])
    run_worker_burst(config)
    forged.refresh()
    assert forged.is_failed and "not a registered task" in (forged.latest_result().exc_string or "")
    assert not proof.exists()


CALLED: list[str] = []


def forged_callback(*args) -> None:
    """What a forged queue entry asks RQ to call after its job: it must never run."""
    CALLED.append("called")


def test_a_forged_callback_on_a_real_task_is_refused(config, tmp_path):
    from rq import Callback, Queue
    from rq.serializers import JSONSerializer

    from storage.redis_conn import get_redis
    from tests.conftest import run_worker_burst
    from worker.looks import RUN_LOOK

    queue = Queue(config.look_queue_name, connection=get_redis(config), serializer=JSONSerializer)
    forged = queue.enqueue_call(  # a registered task, so it runs; its callbacks are not ours
        RUN_LOOK,
        args=["describe", "f" * 40, {"ref": "uploads/0000000000000000/x.pdf", "name": "x.pdf"}],
        on_success=Callback(f"{__name__}.forged_callback"),
        on_failure=Callback(f"{__name__}.forged_callback"),
    )
    run_worker_burst(config)
    forged.refresh()
    assert forged.is_finished or forged.is_failed
    assert CALLED == []


def test_a_link_planted_as_a_jobs_folder_sends_nothing_outside(config, jobs, burst, tmp_path):
    import os

    from storage.files import FileStore

    files = FileStore(config)
    record = jobs.submit("merge", "planted", [upload(config, make_pdf(tmp_path / "a.pdf", 1))], {}, "t1")
    outside = tmp_path / "outside"
    outside.mkdir()
    outputs = files.job_dir(record.id) / "outputs"
    outputs.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, outputs)  # by someone with a shell on the server
    burst()
    failed = jobs.get(record.id, None)
    assert failed.status == Status.FAILED and failed.error.key == "not_allowed"
    assert list(outside.rglob("*")) == []


@pytest.mark.parametrize(("address", "warned"), [("0.0.0.0", True), (None, True), ("127.0.0.1", False)])
def test_single_user_mode_open_to_the_network_says_so(app_env, address, warned):
    from streamlit import config as streamlit_config

    before = streamlit_config.get_option("server.address")
    streamlit_config.set_option("server.address", address)
    try:
        at = app_test(30).run()
    finally:
        streamlit_config.set_option("server.address", before)
    assert any("reached from the network" in w.value for w in at.sidebar.warning) == warned


def test_a_failed_jobs_technical_details_are_for_admins_only(jobs, config, burst, tmp_path, monkeypatch):
    from tests.make_files import damaged_pdf_bytes
    from tests.test_merge_chain import upload_bytes
    from tests.test_pages import open_details

    monkeypatch.setenv("ADMIN_EMAILS", "it@school.org")
    record = jobs.submit(
        "merge",
        "Merge PDFs — Broken.pdf",
        [upload_bytes(config, "Broken.pdf", damaged_pdf_bytes())],
        {},
        "ann@school.org",
    )
    burst()
    assert jobs.get(record.id, None).status == Status.FAILED
    teacher = open_details(jobs_page({"is_logged_in": True, "email": "ann@school.org"}), record.id)
    assert not [x for x in teacher.expander if "details for your IT person" in x.label]
    assert any(f"job {record.id}" in c.value for c in teacher.caption)
    admin = open_details(jobs_page({"is_logged_in": True, "email": "it@school.org"}), record.id)
    assert [x for x in admin.expander if "details for your IT person" in x.label]


@pytest.mark.parametrize(
    "user",
    [
        {"is_logged_in": True, "email": "alice@school.org", "email_verified": False},
        {"is_logged_in": True, "sub": "alice@school.org"},  # no e-mail: never the provider's `sub`
        {"is_logged_in": True, "email": "", "sub": "10769150350006150715113082367"},
    ],
    ids=["unverified", "sub-only", "no-email"],
)
def test_only_a_verified_email_address_owns_jobs(two_teachers, user):
    at = jobs_page(user)
    assert not at.exception
    assert titles(at) == set()
    assert any("did not give a verified e-mail address" in e.value for e in at.error)
    assert any(b.label == "Sign out" for b in at.button)


def test_a_verified_address_or_one_from_a_provider_without_the_claim_owns_its_jobs(two_teachers):
    at = jobs_page({"is_logged_in": True, "email": "alice@school.org", "email_verified": True})
    assert titles(at) == {"Merge PDFs — Alice's quiz.pdf"}
    at = jobs_page({"is_logged_in": True, "email": "Bob@School.org"})  # Entra ID sends no email_verified
    assert titles(at) == {"Merge PDFs — Bob's list.pdf"}
