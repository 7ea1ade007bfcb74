"""Every kind of job the workers know, by name: the registry the web app and the workers share.

Each kind lives in its own module under `worker/kinds/` and declares its `PIPELINE`
(the chain of steps); adding a kind means adding its module to `KINDS` below.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from core.errors import UnusableOptions
from worker.kinds import class_sets, handouts, merge, selftest, spreadsheets
from worker.steps import Pipeline, StepDef

KINDS = (merge, handouts, class_sets, spreadsheets, selftest)
PIPELINES: dict[str, Pipeline] = {kind.PIPELINE.kind: kind.PIPELINE for kind in KINDS}

# The options record of each kind whose options a teacher can save as a preset.
OPTION_TYPES: dict[str, Any] = {
    "handouts": handouts.HandoutOptions,
    "merge": merge.MergeOptions,
    "class_sets": class_sets.ClassSetOptions,
    "spreadsheets": spreadsheets.SheetOptions,
}
# Set in a job's options when the teacher typed the result's name (not the page's default).
NAME_TYPED = "output_name_typed"
# Options that belong to one set of files (the result's name), so never to a preset.
FILE_OPTIONS = ("output_name", NAME_TYPED)


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


def _fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value has the type an options record declares (a whole number is a fine float)."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin in (list, tuple):
        return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, hint)


def preset_options(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    """A kind's options as its options record checks them, as plain JSON, without the result's name."""
    record_type = OPTION_TYPES.get(kind)
    if record_type is None:
        raise UnusableOptions(f"Presets cannot be saved for “{kind}”.")
    hints = typing.get_type_hints(record_type)
    wrong = [k for k, v in options.items() if k in hints and not _fits(v, hints[k])]
    if wrong:
        raise UnusableOptions(f"These options have values of the wrong kind: {', '.join(sorted(wrong))}.")
    try:
        checked = record_type.from_dict(options).to_dict()
    except (TypeError, ValueError) as exc:
        raise UnusableOptions("These options cannot be used.") from exc
    for name in FILE_OPTIONS:
        checked.pop(name, None)
    return checked
