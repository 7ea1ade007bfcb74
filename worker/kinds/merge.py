"""Merge PDFs: several PDFs, or the PDFs inside ZIPs, into one file in the teacher's order."""

from __future__ import annotations

from worker.pdf.merge import merge_pdfs
from worker.steps import PDF_MIME, Pipeline, StepContext, StepDef, StepResult, check_pdfs, output_name


def merge_step(ctx: StepContext) -> StepResult:
    files = ctx.result_of("check")["files"]
    out = ctx.outputs_dir / output_name(ctx.options, "merged.pdf", ".pdf")
    pages = merge_pdfs([ctx.files.resolve(f["ref"]) for f in files], out, ctx.progress)
    return StepResult({"pages": pages}, [(out, PDF_MIME)])


PIPELINE = Pipeline(
    kind="merge",
    label="Merge PDFs",
    steps=(
        StepDef("check", "Check files", check_pdfs, weight=1),
        StepDef("merge", "Merge", merge_step, weight=3),
    ),
)
