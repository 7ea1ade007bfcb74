"""Every kind of job the workers know, by name: the registry the web app and the workers share.

Each kind lives in its own module under `worker/kinds/` and declares its `PIPELINE`
(the chain of steps); adding a kind means adding its module to `KINDS` below.
"""

from __future__ import annotations

from worker.kinds import class_sets, handouts, merge, selftest, spreadsheets
from worker.steps import Pipeline, StepDef

KINDS = (merge, handouts, class_sets, spreadsheets, selftest)
PIPELINES: dict[str, Pipeline] = {kind.PIPELINE.kind: kind.PIPELINE for kind in KINDS}


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
