"""Jobs: every tracked job, newest first, with progress, downloads, errors and controls."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.errors import NotAllowed, ServiceUnavailable
from pdf.printing import how_to_print
from services.control import Jobs
from storage.jobs import JobRecord, Status
from ui._presets import start_run_again
from ui._ui import (
    STATUS_ICONS,
    STATUS_WORDS,
    ago,
    human_size,
    jobs_service,
    kind_label,
    owner,
    service_banner,
    take_flash,
)
from ui.tools import TOOL_PAGES
from worker.pipelines import PIPELINES

PAGE_SIZE = 20
REFRESH_S = 2
CONFIRM_DELETE = "jobs_confirm_delete"  # the job whose Delete waits for "Delete for good"

st.title("Jobs")
jobs = jobs_service()
if jobs is None:
    st.stop()
_, viewer = owner()

# A running job whose worker vanished is marked failed here too, not only by the workers.
jobs.find_lost()


# What each button of a card does, and what the page says once it is done.
OPERATIONS: dict[str, tuple[Callable[[str, str | None], object], str]] = {
    "cancel": (jobs.cancel, "Canceled."),
    "retry": (jobs.retry, "Started again."),
    "delete": (jobs.delete, "Deleted, with its files."),
}


def act(action: str, job_id: str) -> None:
    st.session_state.pop(CONFIRM_DELETE, None)
    operation, done = OPERATIONS[action]
    try:
        operation(job_id, viewer)
        st.session_state["jobs_flash"] = done
    except (NotAllowed, ServiceUnavailable) as exc:
        st.session_state["jobs_flash_error"] = exc.message


def run_again(job_id: str) -> None:
    """Open the job's tool page with the same files and options, ready to change and submit."""
    try:
        plan = jobs.run_again(job_id, viewer)
    except (NotAllowed, ServiceUnavailable) as exc:
        st.session_state["jobs_flash_error"] = exc.message
        st.rerun()
    start_run_again(plan)


def opener(service: Jobs, record: JobRecord, index: int):
    output = record.outputs[index]

    def read() -> bytes:
        return service.output_path(record.id, output, viewer).read_bytes()

    return read


def step_line(record: JobRecord) -> str:
    marks = {Status.FINISHED: "✓", Status.RUNNING: "●", Status.FAILED: "✗", Status.CANCELED: "–"}
    return "   ".join(f"{marks.get(s.status, '○')} {s.label}" for s in record.steps)


def card(record: JobRecord) -> None:
    with st.container(border=True, key=f"job-{record.id}"):
        head, when = st.columns([5, 1])
        head.markdown(
            f"{STATUS_ICONS[record.status]} **{record.title}**  \n"
            f":gray[{kind_label(record.kind)} · {STATUS_WORDS[record.status]}"
            + (f" · attempt {record.attempt}" if record.attempt > 1 else "")
            + "]"
        )
        when.caption(ago(record.created_at))
        if record.active:
            st.progress(record.progress / 100, text=f"{record.progress} %  {record.progress_text}")
            if record.silent_for:
                st.warning(
                    f"This job has not moved for {record.silent_for} s (still at {record.progress} %): the "
                    "computer doing it may have stopped. If it does not carry on, it is marked as failed "
                    "shortly and you can start it again.",
                    icon=":material/hourglass_empty:",
                )
        st.caption(f"Steps: {step_line(record)}")
        for step in record.steps:
            for note in step.result.get("notes", []):
                st.warning(note, icon=":material/info:")
        if record.status == Status.FINISHED:
            for index, output in enumerate(record.outputs):
                st.download_button(
                    f"Download {output.name} ({human_size(output.size)})",
                    data=opener(jobs, record, index),
                    file_name=output.name,
                    mime=output.mime,
                    on_click="ignore",
                    key=f"dl-{record.id}-{index}",
                    icon=":material/download:",
                    type="primary",
                )
        if record.status == Status.FINISHED:
            print_box(record)
        if record.status == Status.FAILED and record.error:
            st.error(f"{record.error.message} {record.error.hint}".strip(), icon=":material/error:")
            with st.expander("What went wrong — details for your IT person"):
                st.code(f"[{record.error.key}]\n{record.error.details}".strip(), language=None)
        actions = []
        if record.kind in TOOL_PAGES:
            actions.append(("Run again…", "again"))
        if record.active:
            actions.append(("Cancel", "cancel"))
        # A failure that retrying cannot change (a locked or damaged file, a limit) gets no Retry.
        if record.status in (Status.FAILED, Status.CANCELED) and not (
            record.error and record.error.permanent
        ):
            actions.append(("Retry", "retry"))
        if not record.active:
            actions.append(("Delete", "delete"))
        for column, (label, action) in zip(st.columns(6), actions, strict=False):
            if action == "again":
                # Not a callback: opening another page works only from the script itself.
                if column.button(
                    label, key=f"again-{record.id}", help="Same files and choices, as a new job"
                ):
                    run_again(record.id)
            elif action == "delete":
                # Only asks: nothing is removed until the teacher confirms below.
                column.button(
                    label, key=f"delete-{record.id}", on_click=st.session_state.update,
                    kwargs={CONFIRM_DELETE: record.id},
                )  # fmt: skip
            else:
                column.button(label, key=f"{action}-{record.id}", on_click=act, args=(action, record.id))
        if st.session_state.get(CONFIRM_DELETE) == record.id:
            confirm_delete(record)


def print_box(record: JobRecord) -> None:
    """How to print a two-sided result: the same box for every kind, from the result's own facts."""
    for step in reversed(record.steps):
        if lines := how_to_print(step.result):
            st.info(
                "**How to print**\n\n" + "\n".join(f"- {line}" for line in lines), icon=":material/print:"
            )
            return


def confirm_delete(record: JobRecord) -> None:
    """The second step of Delete: say what goes, then delete for good or keep it."""
    files = len(record.outputs)
    what = f" and its {files} result file{'s' if files != 1 else ''}" if files else ""
    st.warning(f"Delete “{record.title}”{what}? This cannot be undone.", icon=":material/delete_forever:")
    final, keep, _ = st.columns([2, 2, 4])
    final.button(
        "Delete for good", key=f"delete-final-{record.id}", type="primary",
        on_click=act, args=("delete", record.id),
    )  # fmt: skip
    keep.button(
        "Keep it", key=f"delete-keep-{record.id}", on_click=st.session_state.pop, args=(CONFIRM_DELETE,)
    )


# -- filters --------------------------------------------------------------------------
# The tools in the navigation's order, then any other kind of job.
labels = {kind: PIPELINES[kind].label for kind in TOOL_PAGES} | {k: p.label for k, p in PIPELINES.items()}
status_filter, kind_filter, search_box = st.columns([2, 2, 3])
statuses = status_filter.multiselect(
    "Status", list(Status), format_func=lambda s: STATUS_WORDS[s], key="jobs_status", placeholder="All"
)
kinds = kind_filter.multiselect(
    "Tool", list(labels), format_func=labels.get, key="jobs_kind", placeholder="All"
)
search = search_box.text_input("Search titles", key="jobs_search", placeholder="e.g. Fractions")

if flash := take_flash("jobs_flash"):
    st.toast(flash)
if problem := take_flash("jobs_flash_error"):
    st.warning(problem)

page_number = st.session_state.get("jobs_page", 0)


@st.fragment(run_every=REFRESH_S)
def live_card(job_id: str) -> None:
    """A queued or running job's card, redrawn on its own every couple of seconds.

    Only these cards refresh: finished cards keep their download buttons steady, so a
    download never points at a button that a refresh has just replaced.
    """
    try:
        record = jobs.get(job_id, viewer)
    except ServiceUnavailable as exc:
        st.error(exc.for_teacher())
        return
    if record is None or not record.active:
        st.rerun()  # it ended (or went): redraw the page so it joins the finished cards
    card(record)


try:
    listing = jobs.list(
        viewer, offset=page_number * PAGE_SIZE, limit=PAGE_SIZE, statuses=statuses, kinds=kinds, search=search
    )
except ServiceUnavailable as exc:
    service_banner(exc.message)
    st.stop()

if not listing.records:
    st.info(
        "No jobs yet. Pick a tool on the left to start one."
        if listing.total == 0 and not (statuses or kinds or search)
        else "No jobs match these filters."
    )
for record in listing.records:
    if record.active:
        live_card(record.id)
    else:
        card(record)
if listing.total > PAGE_SIZE:
    pages = (listing.total + PAGE_SIZE - 1) // PAGE_SIZE
    st.caption(f"Page {page_number + 1} of {pages} · {listing.total} jobs")
    back, forward, _ = st.columns([1, 1, 6])
    back.button(
        "Newer",
        disabled=page_number == 0,
        key="jobs_newer",
        on_click=lambda: st.session_state.update(jobs_page=page_number - 1),
    )
    forward.button(
        "Older",
        disabled=page_number >= pages - 1,
        key="jobs_older",
        on_click=lambda: st.session_state.update(jobs_page=page_number + 1),
    )
