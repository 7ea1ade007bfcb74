"""Pieces every page shares: who is using the app, the job service, plain-words formatting."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

import streamlit as st

from core.errors import ServiceUnavailable, TeacherPrinterError
from services.control import Jobs
from services.print_room import in_print_room
from services.usage import Totals
from storage.config import Config, load_config
from storage.redis_conn import check_health
from ui.tools import JOBS_PAGE
from worker.pipelines import PIPELINES

SINGLE_USER = "local"

STATUS_ICONS = {
    "queued": ":material/schedule:",
    "running": ":material/autorenew:",
    "finished": ":material/check_circle:",
    "failed": ":material/error:",
    "canceled": ":material/block:",
}
STATUS_WORDS = {
    "queued": "Waiting",
    "running": "Working",
    "finished": "Done",
    "failed": "Failed",
    "canceled": "Canceled",
}


F = TypeVar("F", bound=Callable[..., Any])

# Set when a worker's answer (not the teacher) starts the next run.
ANSWER_RERUN = "_rerun_for_an_answer"
# The notes shown once (see take_flash), by key, with the very value shown.
FLASHES_SHOWN = "_flashes_shown"


def start_run() -> None:
    """At the start of each run: notes shown once go, unless only an answer coming in started this run."""
    shown: dict[str, Any] = st.session_state.setdefault(FLASHES_SHOWN, {})
    if st.session_state.pop(ANSWER_RERUN, False):
        return
    for key, value in shown.items():
        # `is`: a new note left under the same key since (by this run's callback) stays.
        if st.session_state.get(key) is value:
            del st.session_state[key]
    shown.clear()


def rerun_for_an_answer() -> None:
    """Draw the page again because an answer came in (a note shown once stays for that run too)."""
    st.session_state[ANSWER_RERUN] = True
    st.rerun()


def take_flash(key: str) -> Any:
    """A note to show once, after the action that left it: it stays until the teacher's next action."""
    value = st.session_state.get(key)
    if value is not None:
        st.session_state.setdefault(FLASHES_SHOWN, {})[key] = value
    return value


def cached(show_spinner: bool | str = False, max_entries: int = 128) -> Callable[[F], F]:
    """`st.cache_data` for a look at the files under these settings: one result per settings and arguments."""
    return st.cache_data(show_spinner=show_spinner, max_entries=max_entries, hash_funcs={Config: repr})


def done_key(submit_key: str) -> str:
    """The session key of the title of the job a page's button last submitted."""
    return f"{submit_key}__done"


def kind_label(kind: str) -> str:
    pipeline = PIPELINES.get(kind)
    return pipeline.label if pipeline else kind


def login_configured() -> bool:
    """Whether the school has set up sign-in (an [auth] section in .streamlit/secrets.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all is the normal single-user case
        return False


def owner() -> tuple[str, str | None]:
    """(owner to record on new jobs, owner to filter lists by; None = see everything)."""
    if not login_configured():
        return SINGLE_USER, None
    if not st.user.is_logged_in:
        _sign_in_prompt()
    email = verified_email(dict(st.user))
    if email is None:
        _unverified_stop()
    admins = load_config().admin_emails
    return email, (None if email in admins else email)


def audiences() -> frozenset[str]:
    """The groups of pages the person on this session sees besides everyone's (no drawing here)."""
    if not login_configured():
        who = SINGLE_USER
    elif st.user.is_logged_in:
        who = verified_email(dict(st.user)) or ""
    else:
        return frozenset()
    return frozenset({"print_room"}) if who and in_print_room(who, load_config()) else frozenset()


def verified_email(claims: dict[str, Any]) -> str | None:
    """The owner a signed-in teacher's jobs are recorded under: their e-mail address, when the
    identity provider vouches for it; None otherwise.

    `email_verified` false (a Google account whose address was never confirmed, say) is refused,
    and so is an account without an address (never its opaque `sub`, which another provider could
    reuse). A provider that sends no `email_verified` at all (Microsoft Entra ID) is trusted for the
    addresses of its own directory.
    """
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified")
    if not email or "@" not in email or verified is False or str(verified).lower() == "false":
        return None
    return email


def _unverified_stop() -> None:
    st.title("Teacher Printer")
    st.error(
        "Your school account did not give a verified e-mail address, so Teacher Printer cannot tell whose "
        "jobs are yours. Sign in with your school account (the one with your school e-mail address), "
        "or ask your IT person: the sign-in must share the e-mail address (the `email` scope).",
        icon=":material/person_off:",
    )
    st.button("Sign out", on_click=st.logout, key="sign_out_unverified")
    st.stop()


def _sign_in_prompt() -> None:
    st.title("Teacher Printer")
    st.write("Sign in with your school account to see your jobs and start new ones.")
    st.button("Sign in", type="primary", on_click=st.login, key="sign_in")
    st.stop()


# Addresses that only this computer can reach (AppTest and `make run` by default).
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def sign_in_gate() -> None:
    """With sign-in configured, stop here until the teacher has signed in; say who is signed in."""
    if not login_configured():
        with st.sidebar:
            st.caption(
                "Single-user mode: everyone who opens this address sees every job. "
                "Your IT person can turn on sign-in (see the README)."
            )
            if st.get_option("server.address") not in LOOPBACK:
                st.warning(
                    "This app can be reached from the network, and without sign-in everyone who opens "
                    "it sees every job. Your IT person should turn on sign-in, or set BIND_ADDRESS="
                    "127.0.0.1 (see the README).",
                    icon=":material/public:",
                )
        return
    if not st.user.is_logged_in:
        _sign_in_prompt()
    email, viewer = owner()
    with st.sidebar:
        st.caption(f"Signed in as **{email}**" + (" · sees every job" if viewer is None else ""))
        st.button("Sign out", on_click=st.logout, key="sign_out")


def jobs_service() -> Jobs | None:
    """The job operations, or None (after drawing the banner) when the service is down."""
    try:
        jobs = Jobs(load_config())
        jobs.ping()
        return jobs
    except ServiceUnavailable as exc:
        service_banner(exc.message)
        return None


def service_banner(problem: str = "") -> None:
    st.error(
        "**The job service is not reachable**, so new jobs cannot start and the list of jobs "
        "cannot be shown right now. Work already submitted is safe and will carry on when it is back.\n\n"
        "To start it on this computer, run `make run` in the Teacher Printer folder; on a server, "
        "ask your IT person to check the Redis service (`docker compose ps`).",
        icon=":material/cloud_off:",
    )
    if problem:
        with st.expander("Details for your IT person"):
            st.code(problem, language=None)


def sidebar_health() -> bool:
    """Draw the service status in the sidebar and the banner when down; returns whether it is up."""
    health = check_health()
    with st.sidebar:
        st.caption("System")
        if health.redis_ok:
            workers = f"{health.workers} worker{'s' if health.workers != 1 else ''}"
            st.markdown(f":material/check_circle: Job service running · {workers}")
            st.caption(f"{health.waiting} job step{'s' if health.waiting != 1 else ''} waiting")
            if health.workers == 0:
                st.warning(
                    "No worker is running: jobs will wait until one starts.", icon=":material/warning:"
                )
            elif health.office_workers == 0:
                st.caption(
                    ":material/warning: Word and PowerPoint files cannot become PDFs yet: no worker has "
                    "LibreOffice. Your IT person can add it with `make office` (photos and PDFs work)."
                )
            else:
                st.caption(":material/check: Word and PowerPoint files can become PDFs")
        else:
            st.markdown(":material/error: Job service unreachable")
    if not health.redis_ok:
        service_banner(health.problem)
    return health.redis_ok


def human_size(size: int) -> str:
    """A size in the units the upload limit is stated in (1 MB = 1,000,000 bytes)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} bytes"


def ago(timestamp: float, now: float | None = None) -> str:
    seconds = max(0, int((now or time.time()) - timestamp))
    if seconds < 60:
        return "just now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h ago"
    days = hours // 24
    return f"{days} day{'s' if days != 1 else ''} ago"


def run_again_key(kind: str) -> str:
    """The session key of the note saying a tool page was filled from an earlier job."""
    return f"{kind}__again"


# The address of a tool page filled from an earlier job names that job (`?again=<id>`),
# so that a reload fills the page in again.
RUN_AGAIN_PARAM = "again"


def plural(count: int, word: str, words: str | None = None) -> str:
    """ "1 page", "3 pages", "1,200 pages" (or the given plural)."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def stop_here(label: str, key: str, kind: str, reason: str) -> NoReturn:
    """Stop a tool page at a check that failed: the reason, and the button it keeps from being pressed."""
    st.error(reason, icon=":material/error:")
    submit_button(label, key, kind, "", [], {}, [reason])
    st.stop()


def submit_button(
    label: str,
    key: str,
    kind: str,
    title: str,
    inputs: list[dict],
    options: dict,
    blocked: Sequence[str] = (),
    printing: dict | None = None,
) -> None:
    """The one primary button of a tool page, and the confirmation (or why nothing was sent).

    `blocked` holds what the job would refuse, in the job's own words: while there is any,
    the button is drawn but cannot be pressed, and the reasons stand right under it.
    """
    with contextlib.suppress(ServiceUnavailable):  # then the button says so when pressed
        if allowance := Totals(load_config()).problem(owner()[0]):
            blocked = [*blocked, allowance]
    if blocked:
        st.button(label, type="primary", key=key, disabled=True)
        reasons = list(dict.fromkeys(blocked))
        listed = reasons[0] if len(reasons) == 1 else "\n" + "\n".join(f"- {reason}" for reason in reasons)
        st.warning(f"**Not ready yet:** {listed}", icon=":material/block:")
        return
    if st.button(label, type="primary", key=key):
        jobs = jobs_service()
        if jobs is None:
            st.session_state.pop(done_key(key), None)
            st.error(
                "Your job was **not submitted**, but your files are saved on the server. "
                "Press the button again once the job service is running.",
                icon=":material/cloud_off:",
            )
        else:
            try:
                mine, sees = owner()
                record = jobs.submit(
                    kind, title, inputs, options, mine, any_upload=sees is None, printing=printing
                )
                st.session_state[done_key(key)] = record.title
                st.session_state.pop(run_again_key(kind), None)
                st.query_params.pop(RUN_AGAIN_PARAM, None)  # a reload now starts afresh
            except ServiceUnavailable as exc:
                st.session_state.pop(done_key(key), None)
                st.error(
                    "The job service cannot be reached right now. Your job was **not submitted**, but your "
                    "files are saved on the server: press the button again once the job service is running.",
                    icon=":material/cloud_off:",
                )
                with st.expander("Details for your IT person"):
                    st.code(exc.message, language=None)
            except TeacherPrinterError as exc:
                st.session_state.pop(done_key(key), None)
                st.error(f"Your job was **not submitted**. {exc.for_teacher()}", icon=":material/error:")
    if done := st.session_state.get(done_key(key)):
        st.success(
            f"Submitted: **{done}**. It runs in the background — you can close this tab.",
            icon=":material/check_circle:",
        )
        st.page_link(JOBS_PAGE, label="Follow it on the Jobs page", icon=":material/arrow_forward:")
