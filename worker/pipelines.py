"""Every kind of job the workers know, by name: the registry the web app and the workers share.

Each kind lives in its own module under `worker/kinds/` and declares its `PIPELINE`
(the chain of steps); the registry is every such module, so adding a kind is adding its module.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from core.errors import UnusableOptions
from worker import kinds
from worker.options import Options
from worker.steps import Pipeline, StepDef


def _discovered() -> list[Pipeline]:
    """The PIPELINE of every module in worker/kinds/, by module name."""
    modules = sorted(info.name for info in pkgutil.iter_modules(kinds.__path__))
    return [importlib.import_module(f"{kinds.__name__}.{name}").PIPELINE for name in modules]


PIPELINES: dict[str, Pipeline] = {pipeline.kind: pipeline for pipeline in _discovered()}

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
    from worker.printing import SEND_TO_PRINTER  # the step any kind's chain may end with

    for step in (*get_pipeline(kind).steps, SEND_TO_PRINTER):
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
