"""A report as Jupyter shows it: Markdown with each equation as ``$$`` display math under its status.

Jupyter asks an object for ``_repr_markdown_``. ``checks.results`` gives ``Report`` and ``FileReport`` that
method, but checks sits a layer below the renderers and may not import them, so this module registers
``markdown`` there with ``checks.results.show_with`` when it is imported (``%load_ext derive`` imports it).

Only Markdown, no ``_repr_latex_``: a front end shows one representation, preferring Markdown (JupyterLab,
Notebook 7, VS Code), and renders text/latex as one MathJax block in which prose, lists and headings do not
render; Markdown with ``$$`` blocks also reaches PDF, since nbconvert turns it into LaTeX through pandoc.

A row that was not checked, was skipped or is a definition is marked so, never with the pass mark ✓.
"""

from __future__ import annotations

import re

from checks.results import ClaimResult, FileReport, Report, Status, StepResult, show_with
from derive.errors import one_line
from derive.render.document import CLAIM, STEP, lam_text, witness_text, worst_text
from derive.render.export import _evidence, _network
from derive.render.terminal import MAX_ROWS, file_summary

__all__ = ["markdown", "text", "MARKS"]

MARKS = {Status.PASSED: "✓ passed", Status.FAILED: "✗ FAILED", Status.NOT_CHECKED: "⚠ not checked",
         Status.SKIPPED: "– skipped", Status.DEFINITION: "≔ definition"}
_WORST_FIRST = (Status.FAILED, Status.NOT_CHECKED, Status.SKIPPED, Status.DEFINITION, Status.PASSED)


def markdown(report: Report | FileReport) -> str:
    """``report`` as Markdown for a notebook: the verdict and counts, how it was checked, then each equation
    (a seed claim, or a row of the file in its order) as ``$$`` display math under its status and evidence."""
    return _file(report) if isinstance(report, FileReport) else _claims(report)


def text(report: Report | FileReport) -> str:
    """``report``'s verdict line, e.g. 'FAIL  cell: 3 equations: 1 passed, 1 failed, …': its plain text in
    IPython (the terminal, and the text/plain a notebook stores beside the Markdown), not every field."""
    if isinstance(report, FileReport):
        return file_summary(report)
    return f"{'PASS' if report.passed else 'FAIL'}  {_count(report)}"


def _prose(text: str) -> str:
    """Plain text made inert in Markdown: no emphasis, links, HTML or math from its punctuation."""
    return re.sub(r"([\\`*_\[\]<>$~|])", r"\\\1", one_line(text))


def _code(text: str) -> str:
    """``text`` as an inline code span (machine text: a difference, a witness)."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text[:1] == "`" or text[-1:] == "`" else ""  # a space keeps an edge backtick off the fence
    return f"{fence}{pad}{one_line(text)}{pad}{fence}"


def _display(latex: str) -> list[str]:
    """A ``$$`` block (blank lines would end it in Markdown, so none stay in it)."""
    return ["", "$$", *(line for line in latex.splitlines() if line.strip()), "$$", ""]


def _verdict(passed: bool, line: str) -> str:
    return f"**{'✓ PASS' if passed else '✗ FAIL'}** · {_prose(line)}"


# ---------------------------------------------------------------- the seed's claims


def _count(report: Report) -> str:
    results = report.results
    vacuous = [r.claim.id for r in results if r.symbolic.status is Status.VACUOUS]
    return f"{sum(r.passed for r in results)} of {len(results)} seed claims passed" + (
        f" ({', '.join(vacuous)}: vacuous, no entries in this network)" if vacuous else "")


def _claims(report: Report) -> str:
    out = [_verdict(report.passed, _count(report)), "", _network(report), ""]
    for r in report.results:
        out.append(f"**{MARKS[Status.PASSED if r.passed else Status.FAILED]}** · "
                   f"{_prose(r.claim.title or r.claim.id)} ({_code(r.claim.id)})")
        out += _display(r.claim.latex)
        out += [f"- {line}" for line in _evidence(r, report) + _worst(r, report)] + [""]
    return "\n".join(out)


def _worst(r: ClaimResult, report: Report) -> list[str]:
    """Both sides where the numeric check disagreed most, when it failed on finite values."""
    num = r.numeric
    if num.passed or num.reason or not num.worst:
        return []
    return [_prose(f"numeric (rtol {report.settings.rtol:g}): {worst_text(num, CLAIM)}")]


# ---------------------------------------------------------------- a file's rows


def _file(report: FileReport) -> str:
    net = report.nets[0]
    s = report.settings
    verdict, _, counts = file_summary(report).partition("  ")
    out = [_verdict(verdict == "PASS", counts), "",
           _prose(f"networks {' and '.join(','.join(map(str, n.sizes)) for n in report.nets)} · f "
                  f"{net.activation.name} · m = {net.m} · λ {lam_text(net)} · numeric: {s.draws} draws, seed "
                  f"{s.seed}, rtol {s.rtol:g}, f ∈ {', '.join(report.activations)}")]
    if report.model:
        out[-1] += "  "  # a Markdown line break
        out.append(_prose(f"model: {report.model}"))
    out.append("")
    rows: dict[tuple[int, str], list[StepResult]] = {}
    for r in report.results:
        rows.setdefault((r.step.line, r.step.text), []).append(r)
    shown = [row for row in rows.values() if len(rows) <= MAX_ROWS or _status(row) is not Status.PASSED]
    if len(shown) < len(rows) or len(shown) > MAX_ROWS:
        out += [_prose(f"{len(rows)} rows: the {min(len(shown), MAX_ROWS)} first of those not passed are shown, "
                       "the passed ones are counted above"), ""]
    chains: set[int] = set()
    for row in shown[:MAX_ROWS]:
        out += _row(report, row, chains)
    return "\n".join(out)


def _status(row: list[StepResult]) -> Status:
    """A row's status: its worst step's (a row with a step not checked is never shown as passed)."""
    return next(s for s in _WORST_FIRST if any(r.status is s for r in row))


def _row(report: FileReport, row: list[StepResult], chains: set[int]) -> list[str]:
    """One row as written: its status and where, the display math, and the evidence of each step."""
    status = _status(row)
    head = f"**{MARKS[status]}** · {_prose(str(report.where(row[0])))}"
    lines: list[str] = []
    for r in row:
        if r.status is Status.FAILED:
            head += _lead(report, r, chains) if r is next(f for f in row if f.status is Status.FAILED) else ""
            lines += _failed(r)
        elif r.status is Status.PASSED and status is Status.PASSED:
            scope = r.scope.label if r.scope else "proved on the test networks"
            error = f"; numeric: max relative error {r.numeric.max_rel_error:.1e}" if r.numeric else ""
            lines.append(_prose(f"{r.instances} instance{'s' * (r.instances != 1)} {scope}{error}"))
        elif r.status is not Status.PASSED:
            lines.append(f"{r.status}: {_prose(r.reason)}" if r.reason else str(r.status))
        lines += [f"remark: {_prose(m)}" for m in r.remarks]
    shown = _display(row[0].step.text) if row[0].step.text.strip() else [""]  # a part that could not be read
    return [head, *shown, *(f"- {line}" for line in dict.fromkeys(lines)), ""]


def _lead(report: FileReport, r: StepResult, chains: set[int]) -> str:
    """Which wrong step of its equation a failed step is, when the equation starts on an earlier row."""
    lead = "also wrong" if r.step.chain in chains else "first wrong step"
    chains.add(r.step.chain)
    if r.step.chain == r.step.line:
        return ""
    start = report.at(r.step.chain)
    said = f"line {start.line}" if start.path == report.path and start.cell is None else str(start)
    return _prose(f" ({lead}, in the equation at {said})")


def _failed(r: StepResult) -> list[str]:
    """Why a step failed: both sides, the reason, the difference, and the values at a witness and a draw."""
    out = []
    if r.step.lhs is not None and r.step.rhs is not None:
        out += [f"left: ${r.step.lhs}$", f"right: ${r.step.rhs}$"]
    if r.reason:
        out.append(_prose(r.reason))
    if r.failure:
        f = r.failure
        out.append(f"{r.symbolic} at {_prose(f.where)}: left − right = {_code(f.difference)}")
        if f.witness:
            out.append(_prose(f"witness {witness_text(f, STEP)}"))
    num = r.numeric
    if num and not num.passed:
        out.append(_prose(f"numeric: {num.reason}" if num.reason or not num.worst else
                          f"numeric: {worst_text(num, STEP)}"))
    return out


show_with("markdown", markdown)
show_with("text", text)
