"""Jobs: every tracked job, newest first, one line each; the details of a job open on demand.

Failed jobs come first, under "Needs your attention". Each line says what the job is,
how it stands and when it started, with its main download or its progress (and, for a
two-sided result, how to print it); "Details", drawn only when turned on, holds the steps,
notes, every download (and "Download all"), the error's details and the actions. Several
ended jobs can be picked and deleted at once. Only the lines of running jobs refresh.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.errors import NotAllowed, ServiceUnavailable, TeacherPrinterError
from core.files import safe_name
from pdf.cost import money
from pdf.printing import how_to_print
from services.control import Jobs
from services.previews import results_zip
from services.usage import Totals, month_label, recent_months
from storage.jobs import JobRecord, Status
from ui._look_through import result_pictures
from ui._looks import looks_for, waiting
from ui._presets import start_run_again
from ui._print import print_section
from ui._ui import (
    STATUS_ICONS,
    STATUS_WORDS,
    ago,
    human_size,
    jobs_service,
    kind_label,
    login_configured,
    owner,
    plural,
    service_banner,
    take_flash,
)
from ui.tools import TOOL_PAGES
from worker.pipelines import PIPELINES

PAGE_SIZE = 20
REFRESH_S = 2
CONFIRM_DELETE = "jobs_confirm_delete"  # the job whose Delete waits for "Delete for good"
CONFIRM_PICKED = "jobs_confirm_picked"  # set while "Delete the jobs picked" waits for "Delete for good"
ATTENTION_SHOWN = 5  # failed jobs shown on top

st.title("Jobs")
jobs = jobs_service()
if jobs is None:
    st.stop()
mine, viewer = owner()

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


def download(record: JobRecord, index: int, primary: bool = False, where: object = st) -> None:
    output = record.outputs[index]
    where.download_button(  # type: ignore[attr-defined]
        f"Download {output.name} ({human_size(output.size)})",
        data=opener(jobs, record, index),
        file_name=output.name,
        mime=output.mime,
        on_click="ignore",
        key=f"dl-{record.id}-{index}",
        icon=":material/download:",
        type="primary" if primary else "secondary",
    )


def row(record: JobRecord) -> None:
    """One job on one line: status, title, tool, when; its progress or main download; then its details."""
    # A running job's line lives in its own fragment: keyed apart from the same job's line once it
    # has ended, so that the browser never takes one block for the other (it then drew the
    # line inside itself, and kept a stale "Working" copy).
    with st.container(border=True, key=f"job-{'live-' if record.active else ''}{record.id}"):
        pick, head, side = st.columns([0.3, 5, 4], vertical_alignment="center")
        if not record.active:
            pick.checkbox(
                "Pick", key=f"pick-{record.id}", label_visibility="collapsed", help="Pick to delete"
            )
        head.markdown(
            f"{STATUS_ICONS[record.status]} **{record.title}**  \n"
            f":gray[{kind_label(record.kind)} · {STATUS_WORDS[record.status]}"
            + (f" · attempt {record.attempt}" if record.attempt > 1 else "")
            + f" · {ago(record.created_at)}]"
        )
        if record.active:
            side.progress(record.progress / 100, text=f"{record.progress} %  {record.progress_text}")
        elif record.status == Status.FINISHED and record.outputs:
            download(record, 0, primary=True, where=side)
        if record.active and record.silent_for:
            st.warning(
                f"This job has not moved for {record.silent_for} s (still at {record.progress} %): the "
                "computer doing it may have stopped. If it does not carry on, it is marked as failed "
                "shortly and you can start it again.",
                icon=":material/hourglass_empty:",
            )
        if record.status == Status.FAILED and record.error:
            st.error(f"{record.error.message} {record.error.hint}".strip(), icon=":material/error:")
        notes = [note for step in record.steps for note in step.result.get("notes", [])]
        if record.status == Status.FINISHED and notes and not st.session_state.get(f"details-{record.id}"):
            # The first note on the line: the result differs from the file given (a script was
            # taken out, a page repaired), which the teacher should know before printing it.
            more = f" (and {plural(len(notes) - 1, 'more note')} under Details)" if len(notes) > 1 else ""
            st.caption(f":material/info: {notes[0]}{more}")
        if record.status == Status.FINISHED:
            print_box(record)  # on the line itself: printing it right needs it before the download
            print_section(jobs.config, record, mine)
        # Drawn only when asked for: twenty lines with all their details hidden are still a lot to draw.
        asked = st.toggle("Details", key=f"details-{record.id}")
        if asked or st.session_state.get(CONFIRM_DELETE) == record.id:
            details(record)


def details(record: JobRecord) -> None:
    """The steps, notes, every download, the error's details and the actions."""
    st.caption(f"Steps: {step_line(record)}")
    for step in record.steps:
        for note in step.result.get("notes", []):
            st.warning(note, icon=":material/info:")
    if record.status == Status.FINISHED:
        if record.outputs:  # the main one's download is on the card's line
            result_pictures(jobs.config, record, 0, record.outputs[0])
        for index in range(1, len(record.outputs)):
            download(record, index)
            result_pictures(jobs.config, record, index, record.outputs[index])
        if len(record.outputs) > 1:
            download_all(record)
    if record.status == Status.FAILED and record.error:
        if owner()[1] is None:  # an admin, or single-user mode: the IT person is the one looking
            with st.expander("What went wrong — details for your IT person"):
                st.code(f"[{record.error.key}]\n{record.error.details}".strip(), language=None)
        else:  # a traceback names the server's folders: teachers get what to tell IT instead
            st.caption(
                f"If it fails again, give your IT person this reference: **job {record.id}** "
                f"({record.error.key}); it finds the details in the workers' log."
            )
    actions = []
    if record.kind in TOOL_PAGES:
        actions.append(("Run again…", "again"))
    if record.active:
        actions.append(("Cancel", "cancel"))
    # A failure that retrying cannot change (a locked or damaged file, a limit) gets no Retry.
    if record.status in (Status.FAILED, Status.CANCELED) and not (record.error and record.error.permanent):
        actions.append(("Retry", "retry"))
    if not record.active:
        actions.append(("Delete", "delete"))
    for column, (label, action) in zip(st.columns(6), actions, strict=False):
        if action == "again":
            # Not a callback: opening another page works only from the script itself.
            if column.button(label, key=f"again-{record.id}", help="Same files and choices, as a new job"):
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


def download_all(record: JobRecord) -> None:
    """Every result of the job in one ZIP, packed by a worker the first time it is asked for."""
    asked = f"zip-asked-{record.id}"
    if not st.session_state.get(asked):
        st.button(
            f"Download all {len(record.outputs)} files (ZIP)", key=f"zip-{record.id}",
            icon=":material/folder_zip:", on_click=st.session_state.update, kwargs={asked: True},
        )  # fmt: skip
        return
    outputs = [(o.ref, o.name) for o in record.outputs]
    try:
        packed = results_zip(looks_for(jobs.config), record.id, outputs)
    except TeacherPrinterError as exc:
        st.error(exc.for_teacher(), icon=":material/error:")
        return
    if packed.pending:
        waiting(jobs.config, "Packing the files into one ZIP…", [packed.key])
        return
    ref = packed.value
    st.download_button(
        f"Download all {len(record.outputs)} files (ZIP)",
        data=lambda: jobs.files.resolve(ref).read_bytes(),
        file_name=f"{safe_name(record.title, 'results')}.zip",
        mime="application/zip",
        on_click="ignore",
        key=f"dl-all-{record.id}",
        icon=":material/folder_zip:",
    )


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


# -- the month's totals ---------------------------------------------------------------
def month_totals() -> None:
    """What this month's finished jobs came to: the teacher's own, or (an admin) everyone's, with
    every teacher's totals of any recent month as a CSV."""
    totals_service = Totals(jobs.config)
    try:
        totals = totals_service.of(viewer)
    except ServiceUnavailable:
        return  # the list below says the service is away
    usage = totals.usage
    if not usage.jobs and not totals.allowance:
        return
    whose = "Everyone's jobs" if viewer is None else "Your jobs"
    line = (f"{whose} in {totals.label}: {plural(usage.jobs, 'finished job')}, "
            f"{plural(usage.sheets, 'sheet')} of paper, {plural(usage.sides, 'page')} to print")  # fmt: skip
    if usage.colour_sides:
        line += f" ({usage.colour_sides:,} in colour)"
    if totals.price is not None:
        line += f" · about **{money(totals.price, jobs.config.currency)}**"
    if totals.allowance:
        line += f" · {usage.sheets:,} of your {totals.allowance:,} sheets this month"
    st.caption(f":material/receipt_long: {line}")
    if viewer is None and login_configured():  # an admin; in single-user mode there is one teacher
        with st.popover("Totals by teacher (CSV)", icon=":material/download:"):
            month = st.selectbox("Month", recent_months(), format_func=month_label, key="jobs_totals_month")
            st.download_button("Download", lambda: totals_service.csv(month), f"printing-{month}.csv",
                               "text/csv", key="jobs_totals_csv", icon=":material/download:")  # fmt: skip
    elif problem := totals_service.problem(mine):
        st.warning(problem, icon=":material/block:")


month_totals()


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
    row(record)


def show(records: list[JobRecord]) -> None:
    for record in records:
        if record.active:
            live_card(record.id)
        else:
            row(record)


def delete_picked(job_ids: list[str]) -> None:
    """Delete the picked jobs (those the teacher may delete), saying how many went."""
    st.session_state.pop(CONFIRM_PICKED, None)
    done, refused = 0, []
    for job_id in job_ids:
        try:
            jobs.delete(job_id, viewer)
            done += 1
        except (NotAllowed, ServiceUnavailable) as exc:
            refused.append(exc.message)
        st.session_state.pop(f"pick-{job_id}", None)
    st.session_state["jobs_flash"] = f"Deleted {done} job{'s' if done != 1 else ''}, with their files."
    if refused:
        st.session_state["jobs_flash_error"] = refused[0]


# Failed jobs come first, on their own, unless the teacher filters by status. (The list below
# is not filtered for the rest: an unfiltered page of the list is read alone, not every record.)
try:
    attention = (
        None
        if statuses
        else jobs.list(viewer, limit=ATTENTION_SHOWN, statuses=[Status.FAILED], kinds=kinds, search=search)
    )
    listing = jobs.list(
        viewer,
        offset=page_number * PAGE_SIZE,
        limit=PAGE_SIZE,
        statuses=statuses,
        kinds=kinds,
        search=search,
    )
except ServiceUnavailable as exc:
    service_banner(exc.message)
    st.stop()

on_top = {r.id for r in attention.records} if attention else set()
listed = [r for r in listing.records if r.id not in on_top]  # each job once
shown = (attention.records if attention else []) + listed
picked = [r.id for r in shown if not r.active and st.session_state.get(f"pick-{r.id}")]
if picked:
    with st.container(border=True):
        what = f"{len(picked)} job{'s' if len(picked) != 1 else ''}"
        if st.session_state.get(CONFIRM_PICKED):
            st.warning(
                f"Delete {what} and their result files? This cannot be undone.", icon=":material/delete:"
            )
            final, keep, _ = st.columns([2, 2, 4])
            final.button("Delete for good", key="jobs_delete_picked_final", type="primary",
                         on_click=delete_picked, args=(picked,))  # fmt: skip
            keep.button("Keep them", key="jobs_delete_picked_keep", on_click=st.session_state.pop,
                        args=(CONFIRM_PICKED,))  # fmt: skip
        else:
            st.button(f"Delete the {what} picked", key="jobs_delete_picked", icon=":material/delete:",
                      on_click=st.session_state.update, kwargs={CONFIRM_PICKED: True})  # fmt: skip

if attention and attention.records:
    st.subheader(f":material/error: Needs your attention ({attention.total})")
    show(attention.records)
    if attention.total > len(attention.records):
        st.caption(
            f"The {len(attention.records)} latest of {attention.total} failed jobs: filter by Status to see all."
        )
    st.subheader("All other jobs")

if not listed and not on_top:
    st.info(
        "No jobs yet. Pick a tool on the left to start one."
        if listing.total == 0 and not (statuses or kinds or search)
        else "No jobs match these filters."
    )
show(listed)
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
