"""System check: a one-step job that proves a worker answers and can write to the shared volume."""

from __future__ import annotations

from worker.steps import Pipeline, StepContext, StepDef, StepResult


def selftest_step(ctx: StepContext) -> StepResult:
    """A step that only proves a worker picks jobs up and can write to the shared volume."""
    probe = ctx.work_dir / "probe.txt"
    probe.write_text("ok")
    ctx.progress(1, 1, "A worker answered")
    return StepResult({"ok": probe.read_text() == "ok"})


PIPELINE = Pipeline(
    kind="selftest",
    label="System check",
    steps=(StepDef("ping", "Check a worker answers", selftest_step),),
)
