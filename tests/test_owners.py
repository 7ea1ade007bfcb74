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
