"""Every kind of job the workers know, by name: the registry the web app and the workers share.

Each kind lives in its own module under `worker/kinds/` and declares its `PIPELINE`
(the chain of steps); adding a kind means adding its module to `KINDS` below.
"""

from __future__ import annotations

from typing import Any

from core.errors import UnusableOptions
from worker.kinds import class_sets, handouts, merge, selftest, spreadsheets
from worker.options import Options
from worker.steps import Pipeline, StepDef

KINDS = (merge, handouts, class_sets, spreadsheets, selftest)
PIPELINES: dict[str, Pipeline] = {kind.PIPELINE.kind: kind.PIPELINE for kind in KINDS}

# The options record of each kind whose options a teacher can save as a preset.
OPTION_TYPES: dict[str, type[Options]] = {
    kind: pipeline.options for kind, pipeline in PIPELINES.items() if pipeline.options is not None
}
# Set in a job's options when the teacher typed the result's name (not the page's default).
NAME_TYPED = "output_name_typed"


def get_pipeline(kind: str) -> Pipeline:
    try:
        return PIPELINES[kind]
    except KeyError:
        raise ValueError(f"unknown kind of job: {kind!r}") from None


def step_def(kind: str, name: str) -> StepDef:
    for step in get_pipeline(kind).steps:
        if step.name == name:
            return step
    raise ValueError(f"{kind!r} has no step {name!r}")


def preset_options(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    """A kind's options as its options record checks them, as plain JSON, without the result's name."""
    record_type = OPTION_TYPES.get(kind)
    if record_type is None:
        raise UnusableOptions(f"Presets cannot be saved for “{kind}”.")
    if wrong := record_type.wrong_kinds(options):
        raise UnusableOptions(wrong)
    try:
        checked = record_type.from_dict(options).to_dict()
    except (TypeError, ValueError) as exc:
        raise UnusableOptions("These options cannot be used.") from exc
    # What belongs to one set of files (the result's name) never goes into a preset.
    return {name: value for name, value in checked.items() if record_type.spec(name).preset}
