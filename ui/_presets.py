"""Options filled in for the teacher: from a saved preset, or from an earlier job run again.

Either way the options wait in the session ("pending") until the page reaches its widgets:
each page calls `fill_widgets` with its own map from option names to widget keys, just
before it draws those widgets, so the widgets start with the saved values. A page whose
widgets depend on the files (column names, sheets) calls it once per group, each time with
the keys and the choices it knows at that point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from core.errors import NotAllowed, ServiceUnavailable, TeacherPrinterError
from services.control import Jobs, RunAgain
from services.library import Presets
from storage.config import load_config
from storage.presets import Preset
from ui._myfiles import extras_key, picks_key
from ui._ui import RUN_AGAIN_PARAM, done_key, kind_label, login_configured, owner, run_again_key, take_flash
from ui.tools import TOOL_PAGES
from worker.pipelines import NAME_TYPED

RUN_AGAIN = "tp_run_again"

# How one option reaches the page: a widget key that takes the value as it is, or a function
# giving the widget keys and values for it (None when the value does not fit these files).
Fill = Callable[[Any], dict[str, Any] | None]
Fields = Mapping[str, str | Fill]


def _pending_key(kind: str) -> str:
    return f"{kind}__pending"


def _misfits_key(kind: str) -> str:
    return f"{kind}__misfits"


def choice(key: str, allowed: list[Any] | tuple[Any, ...]) -> Fill:
    """A field for a widget offering `allowed`: a value outside it does not fit; no value leaves it be."""

    def fill(value: Any) -> dict[str, Any] | None:
        if value in allowed:
            return {key: value}
        return {} if value is None or value == "" else None

    return fill


def choices(key: str, allowed: list[Any] | tuple[Any, ...]) -> Fill:
    """A field for a multiselect offering `allowed`: it fits only if every value is offered."""
    return lambda values: {key: list(values)} if all(v in allowed for v in values) else None


def whole(key: str, low: int, high: int) -> Fill:
    """A field for a slider or number box of whole numbers from `low` to `high`."""
    return lambda value: {key: round(value)} if low <= value <= high else None


def fill_widgets(kind: str, fields: Fields, last: bool = True) -> None:
    """Give these widgets the values of the options waiting for this page (call before drawing them).

    `last` ends the filling: options no widget took are dropped, and any that did not fit these
    files are named to the teacher.
    """
    pending: dict[str, Any] | None = st.session_state.get(_pending_key(kind))
    if pending is not None:
        _fill(kind, pending["options"], fields, last)
    # Said until the teacher's next action (a worker's answer redrawing the page keeps it).
    if last and (note := take_flash(f"{kind}_misfits_flash")):
        st.warning(note, icon=":material/info:")


def _fill(kind: str, options: dict[str, Any], fields: Fields, last: bool) -> None:
    misfits: list[str] = st.session_state.setdefault(_misfits_key(kind), [])
    for option, field in fields.items():
        if option not in options:
            continue
        value = options.pop(option)
        values = {field: value} if isinstance(field, str) else field(value)
        if values is None:
            misfits.append(", ".join(map(str, value)) if isinstance(value, list) else str(value))
            continue
        for key, widget_value in values.items():
            st.session_state[key] = widget_value
    if last:
        st.session_state.pop(_pending_key(kind), None)
        st.session_state.pop(_misfits_key(kind), None)
        if misfits:
            st.session_state[f"{kind}_misfits_flash"] = (
                "Some saved choices do not fit these files, so they were left as they are: "
                + ", ".join(f"“{m}”" for m in misfits)
                + "."
            )


def take_pending_inputs(kind: str) -> list[dict[str, Any]] | None:
    """The inputs of a job being run again, in its order, once (for a page that arranges its files)."""
    pending = st.session_state.get(_pending_key(kind))
    return pending.pop("inputs", None) if pending else None


# -- presets ---------------------------------------------------------------------------


def _use_preset(kind: str, presets: dict[str, Preset]) -> None:
    key = f"{kind}_preset"
    preset = presets.get(st.session_state.get(key) or "")
    st.session_state[key] = None  # ready to pick the same preset again after changing things
    if preset is not None:
        st.session_state[_pending_key(kind)] = {"options": dict(preset.options), "inputs": None}
        st.session_state[f"{kind}_preset_flash"] = f"Filled in from “{preset.name}”."


def _save_preset(kind: str, options: dict[str, Any]) -> None:
    name = st.session_state.get(f"{kind}_preset_name", "")
    me, viewer = owner()
    shared = bool(st.session_state.get(f"{kind}_preset_shared")) and viewer is None and login_configured()
    try:
        preset = Presets(load_config()).save(kind, name, options, me, shared)
    except TeacherPrinterError as exc:
        st.session_state[f"{kind}_preset_error"] = exc.for_teacher()
        return
    st.session_state[f"{kind}_preset_name"] = ""
    where = " for the whole school" if preset.shared else ""
    st.session_state[f"{kind}_preset_flash"] = f"Saved “{preset.name}”{where}."


def _delete_preset(kind: str, preset: Preset) -> None:
    me, viewer = owner()
    try:
        Presets(load_config()).delete(preset.id, me, may_share=viewer is None)
    except TeacherPrinterError as exc:
        st.session_state[f"{kind}_preset_error"] = exc.for_teacher()
        return
    st.session_state[f"{kind}_preset_flash"] = f"Deleted “{preset.name}”."


def _preset_label(preset: Preset) -> str:
    return f"{preset.name}  ·  whole school" if preset.shared else preset.name


def preset_bar(kind: str, options: dict[str, Any] | None) -> None:
    """Start from a saved preset; save these options as one; delete, share, or move them in a file.

    `options` are the page's current options as it would submit them, or None while they
    cannot be used (then they cannot be saved either).
    """
    try:
        service = Presets(load_config())
        me, viewer = owner()
        saved = service.for_kind(kind, me)
    except ServiceUnavailable:
        return  # the banner already says the service is down; the page works without presets
    by_id = {p.id: p for p in saved}
    if flash := take_flash(f"{kind}_preset_flash"):
        st.success(flash, icon=":material/bookmark:")
    if problem := st.session_state.pop(f"{kind}_preset_error", None):
        st.error(problem, icon=":material/error:")
    use, manage = st.columns([3, 2], vertical_alignment="bottom")
    use.selectbox(
        "Start from a preset",
        list(by_id),
        index=None,
        format_func=lambda preset_id: _preset_label(by_id[preset_id]),
        placeholder="Choose a preset…" if saved else "No presets yet: save your choices below",
        disabled=not saved,
        key=f"{kind}_preset",
        on_change=_use_preset,
        args=(kind, by_id),
    )
    with manage.expander("Save or manage presets", icon=":material/bookmark_add:"):
        st.text_input(
            "Save these choices as",
            placeholder="e.g. A5 booklet",
            max_chars=60,
            key=f"{kind}_preset_name",
        )
        if viewer is None and login_configured():
            st.checkbox("Share with the whole school", key=f"{kind}_preset_shared")
        st.button(
            "Save preset",
            key=f"{kind}_preset_save",
            on_click=_save_preset,
            args=(kind, options or {}),
            disabled=options is None,
            help=None if options is not None else "Fix the choices above first.",
        )
        mine = [p for p in saved if not p.shared or viewer is None]
        if mine:
            st.caption("Your presets" + (" (and the school's)" if viewer is None else ""))
            for preset in mine:
                name, delete = st.columns([4, 1], vertical_alignment="center")
                name.write(_preset_label(preset))
                delete.button(
                    ":material/delete:",
                    key=f"{kind}_preset_delete_{preset.id}",
                    help=f"Delete “{preset.name}”",
                    on_click=_delete_preset,
                    args=(kind, preset),
                )
        if saved:
            st.download_button(
                "Save presets to a file",
                data=service.export(kind, me),
                file_name=f"teacher-printer-presets-{kind.replace('_', '-')}.json",
                mime="application/json",
                on_click="ignore",
                key=f"{kind}_preset_export",
                icon=":material/file_save:",
            )
        if st.checkbox("Add presets from a file", key=f"{kind}_preset_import_on"):
            _import_step(kind, service, me)


def _import_step(kind: str, service: Presets, me: str) -> None:
    upload = st.file_uploader("Presets file (.json)", type=["json"], key=f"{kind}_preset_import")
    if upload is None:
        return
    done: set[str] = st.session_state.setdefault(f"{kind}_preset_imported", set())
    if upload.file_id in done:
        return
    done.add(upload.file_id)
    try:
        result = service.import_file(upload.getvalue(), me)
    except TeacherPrinterError as exc:
        st.error(exc.for_teacher(), icon=":material/error:")
        return
    names = ", ".join(
        f"“{p.name}”" + ("" if p.kind == kind else f" (for {kind_label(p.kind)})") for p in result.saved
    )
    st.session_state[f"{kind}_preset_flash"] = (
        f"Added {len(result.saved)} preset{'s' if len(result.saved) != 1 else ''}: {names}."
    )
    if result.skipped:
        st.session_state[f"{kind}_preset_error"] = "Left out: " + " ".join(result.skipped)
    st.rerun()


# -- run again -------------------------------------------------------------------------


def start_run_again(plan: RunAgain) -> None:
    """On the Jobs page: open the job's tool page with its inputs and options filled in.

    The page's address names the job, so that a reload fills the page in again.
    """
    st.session_state[RUN_AGAIN] = plan
    st.switch_page(TOOL_PAGES[plan.kind], query_params={RUN_AGAIN_PARAM: plan.job_id})


def _plan_from_address(kind: str) -> RunAgain | None:
    """The job the page's address names, once per session: after a reload, the session is new."""
    job_id = st.query_params.get(RUN_AGAIN_PARAM)
    if not job_id or st.session_state.get(_from_key(kind)) == job_id:
        return None
    st.session_state[_from_key(kind)] = job_id
    try:
        plan = Jobs(load_config()).run_again(job_id, owner()[1])
    except ServiceUnavailable:
        st.session_state.pop(_from_key(kind), None)  # the banner says why; a later run tries again
        return None
    except NotAllowed as exc:
        st.query_params.pop(RUN_AGAIN_PARAM, None)
        st.warning(f"{exc.message} Choose files and options below to start afresh.", icon=":material/info:")
        return None
    return plan if plan.kind == kind else None


def _from_key(kind: str) -> str:
    return f"{kind}__again_from"


def receive_run_again(kind: str, submit_key: str, upload_key: Callable[[dict[str, Any]], str]) -> None:
    """On a tool page, before its upload steps: take over a job being run again, if it is for this page.

    The job comes from the Jobs page (in the session), or after a reload from the page's address.
    Its kept files are picked in the upload steps (`upload_key` says which step each input
    belongs to), its options wait to fill the widgets, and a note says what happened.
    """
    plan: RunAgain | None = st.session_state.get(RUN_AGAIN)
    if plan is not None and plan.kind == kind:
        del st.session_state[RUN_AGAIN]
        st.session_state[_from_key(kind)] = plan.job_id
    else:
        plan = _plan_from_address(kind)
    if plan is None:
        return
    picks: dict[str, list[str]] = {}
    extras: dict[str, dict[str, Any]] = {}
    for again in plan.inputs:
        key = upload_key(again.item)
        picks.setdefault(key, [])
        extras.setdefault(key, {})
        if again.file is not None and again.file.id not in picks[key]:
            picks[key].append(again.file.id)
            extras[key][again.file.id] = again.file
    for key, ids in picks.items():
        st.session_state[picks_key(key)] = ids
        st.session_state[extras_key(key)] = extras[key]
    options = dict(plan.options)
    if not options.pop(NAME_TYPED, False) and "output_name" in options:
        options["output_name"] = ""  # that job took the default name: the page makes today's default
    st.session_state[_pending_key(kind)] = {
        "options": options,
        "inputs": [a.item for a in plan.inputs if a.file is not None],
    }
    st.session_state[run_again_key(kind)] = {
        "title": plan.title,
        "missing": plan.missing,
        "submit": submit_key,
    }
    st.session_state.pop(done_key(submit_key), None)


def run_again_note(kind: str) -> None:
    """Say which job the page was filled from, and ask again for any file no longer kept."""
    again = st.session_state.get(run_again_key(kind))
    if not again or st.session_state.get(again["submit"]):
        return  # nothing run again, or its new job is being submitted in this very run
    st.info(
        f"Filled in from **{again['title']}**. Change what you like, then press the button at the "
        "bottom: it starts a new job, and the earlier one stays as it is.",
        icon=":material/replay:",
    )
    if again["missing"]:
        names = ", ".join(f"“{n}”" for n in again["missing"])
        days = load_config().retention_days
        st.warning(
            f"{names} {'is' if len(again['missing']) == 1 else 'are'} no longer on the server: files are "
            f"kept for {days} days after they were last used. Please upload "
            f"{'it' if len(again['missing']) == 1 else 'them'} again below.",
            icon=":material/upload_file:",
        )
