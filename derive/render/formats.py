"""The machine formats of ``derive check``: one line per problem (``concise``, as ruff and flake8 print),
GitHub workflow commands (``github``: annotations, and a Markdown step summary), and one SARIF 2.1.0 document
for code scanning (``sarif``).

A problem is an equation or step that FAILED or was NOT CHECKED (always shown, even under --allow-unchecked),
a file that could not be checked, or a seed claim that failed; passed, skipped and definition rows are not
problems. ``problems`` and ``claim_problems`` turn a report into plain, picklable ``Problem`` rows (in a worker
process, for a file); every format then writes those rows and nothing else.

Where a problem is (``FileReport.where``): ``PATH:LINE:COL`` with COL always 1 (derive knows the line an
equation is written on, not its column), ``PATH:cell N:LINE:1`` in a notebook (as ruff writes it). A seed
claim has no file: it is at ``derive:claim/ID``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from checks.results import FileReport, FileSummary, Report, Status, StepResult
from derive.errors import one_line
from derive.render import FORMATS
from derive.render.document import CLAIM, STEP, witness_text, worst_text
from derive.render.terminal import plain

__all__ = ["FORMATS", "Rule", "RULES", "Problem", "problems", "file_problem", "claim_problems",
           "claims_row", "concise", "github", "lines", "summary_line", "step_summary", "sarif", "package_version",
           "SARIF_SCHEMA"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SUBJECT = 60  # characters of an equation shown as the subject of its problem


@dataclass(frozen=True)
class Rule:
    """A kind of problem: its SARIF rule id and name, the status word of a concise line, and its level."""

    id: str
    name: str
    status: str
    level: str  # "error" or "warning", as SARIF and GitHub's workflow commands spell them
    description: str


RULES = (
    Rule("derive/step-failed", "StepFailed", "FAIL", "error",
         "An equation or step of the derivation is false: refuted symbolically (with a witness) or numerically."),
    Rule("derive/not-checked", "NotChecked", "NOT-CHECKED", "warning",
         "derive could not read or interpret an equation, so it was not checked: not checked is never passed."),
    Rule("derive/file-error", "FileNotChecked", "ERROR", "error",
         "A file could not be checked: unreadable or bad input, an internal error, or no equation to check."),
    Rule("derive/claim-failed", "ClaimFailed", "FAIL", "error",
         "A claim of the seed derivation (a residual δ or a gradient) is not the true derivative."),
)
_RULE = {rule.id: k for k, rule in enumerate(RULES)}


@dataclass(frozen=True)
class Problem:
    """One problem, ready to print: ``rule`` (an id of RULES); where (``path`` None for a seed claim, ``line``
    None for a whole file, ``cell`` a notebook's cell, ``claim`` a seed claim's id); ``subject`` (the equation,
    or the claim); ``summary``, one line on why, with the witness; ``details``, more lines (both sides, the
    difference); ``latex``, the equation as written."""

    rule: str
    path: str | None
    line: int | None
    subject: str
    summary: str
    details: tuple[str, ...] = ()
    cell: int | None = None
    latex: str = ""
    claim: str = ""  # a seed claim's id

    @property
    def kind(self) -> Rule:
        return RULES[_RULE[self.rule]]

    @property
    def where(self) -> str:
        """``PATH:LINE:1``, ``PATH:cell N:LINE:1``, or ``derive:claim/ID`` for a seed claim."""
        if self.path is None:
            return f"derive:claim/{self.claim}"
        cell = "" if self.cell is None else f"cell {self.cell}:"
        return f"{one_line(self.path)}:{cell}{self.line or 1}:1"

    @property
    def message(self) -> str:
        """The summary and the details, one per line."""
        return "\n".join((self.summary, *self.details))


def _short(text: str, limit: int = SUBJECT) -> str:
    text = one_line(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failed(r: StepResult, rtol: float) -> tuple[str, tuple[str, ...]]:
    """Why a step failed, in one line (the witness: both sides at a point), and both sides in full."""
    parts = [r.reason] if r.reason else []
    details = [f"left:  {r.step.lhs}", f"right: {r.step.rhs}"] if r.step.lhs is not None else []
    f = r.failure
    if f:
        parts.append(f"{r.symbolic} at {f.where}" + (f", {witness_text(f, STEP)}" if f.witness else ""))
        details.append(f"left − right = {f.difference}")
    num = r.numeric
    if num and not num.passed:
        parts.append(f"numeric: {num.reason or num.status}" if num.reason or not num.worst else
                     f"numeric (rtol {rtol:g}): {worst_text(num, STEP)}")
    return "; ".join(parts) or f"{r.status}", tuple(details)


def problems(report: FileReport) -> tuple[Problem, ...]:
    """The failed and not-checked equations of a file, in file order; the file itself when it failed
    with neither (no equation could be checked)."""
    found = []
    for r in report.results:
        if r.status not in (Status.FAILED, Status.NOT_CHECKED):
            continue
        where = report.where(r)
        if r.status is Status.FAILED:
            (summary, details), subject = _failed(r, report.settings.rtol), plain(r.step.text)
        else:  # as written: what derive could not read, it cannot rewrite either
            summary, details, subject = r.reason or "not checked", (), r.step.text
        found.append(Problem(("derive/step-failed" if r.status is Status.FAILED else "derive/not-checked"),
                             where.path, where.line, _short(subject), one_line(summary), details, where.cell,
                             r.step.text))
    if not found and not report.passed:
        row = FileSummary.of(report)
        found.append(file_problem(report.path, f"no equation could be checked ({_plural(row.equations, 'equation')}"
                                               f": {_plural(row.definitions, 'definition')}, {row.skipped} skipped)"))
    return tuple(found)


def file_problem(path: str, message: str) -> Problem:
    """A file that could not be checked (unreadable, bad input, an internal error), and why."""
    return Problem("derive/file-error", path, None, "cannot check file", one_line(message))


def claim_problems(report: Report) -> tuple[Problem, ...]:
    """The seed claims that failed: symbolic and numeric verdicts, the first failing entry and its witness."""
    found = []
    for r in report.results:
        if r.passed:
            continue
        sym, num = r.symbolic, r.numeric
        parts, details = [f"symbolic {sym.status}, numeric {num.status}"], [f"claim: {plain(r.claim.latex)}"]
        if sym.failure:
            f = sym.failure
            parts.append(f"first failing entry {f.where}" + (f", {witness_text(f, CLAIM)}" if f.witness else ""))
            details.append(f"automatic − hand = {f.difference}")
        if sym.note:
            parts.append(sym.note)
        if num.reason:
            parts.append(f"numeric: {num.reason}")
        elif not num.passed and num.worst:
            parts.append(f"numeric (rtol {report.settings.rtol:g}): {worst_text(num, CLAIM)}")
        found.append(Problem("derive/claim-failed", None, None, f"{r.claim.id} ({r.claim.title})",
                             one_line("; ".join(parts)), tuple(details), latex=r.claim.latex, claim=r.claim.id))
    return tuple(found)


def claims_row(report: Report) -> FileSummary:
    """The seed's claims as one row of the summary table (their network in place of a file)."""
    passed = sum(r.passed for r in report.results)
    return FileSummary(f"seed claims (network {','.join(map(str, report.net.sizes))})", len(report.results),
                       passed=passed, failed=len(report.results) - passed, ok=report.passed)


# ---------------------------------------------------------------- concise and GitHub


def concise(p: Problem) -> str:
    """``PATH:LINE:COL: STATUS subject: summary``, one line (ruff's and flake8's form).

    >>> concise(Problem("derive/step-failed", "notes.md", 12, "δ^L_j = a^L_j + y_j", "refuted at j = 1"))
    'notes.md:12:1: FAIL δ^L_j = a^L_j + y_j: refuted at j = 1'
    """
    return f"{p.where}: {p.kind.status} {p.subject + ': ' if p.subject else ''}{p.summary}"  # (an unread part: none)


def _data(text: str) -> str:
    """Escaped as GitHub's toolkit escapes a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """Escaped as GitHub's toolkit escapes a workflow command's property (file, title)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def github(p: Problem) -> str:
    """``::error file=PATH,line=LINE,title=derive: …::message`` (``::warning`` for a step not checked).
    A notebook's problem is on the whole file, its cell and line in the title; a seed claim's on no file."""
    title = f"derive: {p.kind.status} {p.subject}".rstrip()
    props = []
    if p.path is not None:
        props.append(f"file={_property(p.path)}")
        if p.line is not None and p.cell is None:
            props.append(f"line={p.line}")
        elif p.line is not None:
            title += f" (cell {p.cell}, line {p.line})"
    props.append(f"title={_property(title)}")
    return f"::{p.kind.level} {','.join(props)}::{_data(p.message)}"


def lines(fmt: str, found: tuple[Problem, ...] | list[Problem]) -> str:
    """The problems in ``fmt`` (concise or github), a line each, ready to print; "" for the other formats."""
    write = {"concise": concise, "github": github}.get(fmt)
    return "".join(write(p) + "\n" for p in found) if write else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(found: list[Problem], rows: list[FileSummary], claims: bool = False) -> str:
    """The closing line, as ruff's: 'Found 2 problems (1 failed, 1 not checked) in 1 file', or 'All 26
    equations passed in 3 files' (for the seed: claims, not files)."""
    kinds = [p.kind.id for p in found]
    if claims:
        total = sum(r.equations for r in rows)
        return (f"Found {_plural(len(found), 'problem')} ({len(found)} failed) in {total} claims" if found else
                f"All {_plural(total, 'claim')} passed")
    if not found:
        definitions, skipped = sum(r.definitions for r in rows), sum(r.skipped for r in rows)
        aside = [text for n, text in ((definitions, _plural(definitions, "definition")),
                                      (skipped, f"{skipped} skipped")) if n]
        return (f"All {_plural(sum(r.passed for r in rows), 'equation')} passed in {_plural(len(rows), 'file')}"
                + (f"; {' and '.join(aside)} not counted" if aside else ""))
    counts = [f"{kinds.count('derive/step-failed')} failed", f"{kinds.count('derive/not-checked')} not checked"]
    if "derive/file-error" in kinds:
        counts.append(f"{_plural(kinds.count('derive/file-error'), 'file')} not checked")
    return f"Found {_plural(len(found), 'problem')} ({', '.join(counts)}) in {_plural(len(rows), 'file')}"


def _md(text: str) -> str:
    """Text safe in a Markdown table cell: one line, Markdown's punctuation escaped."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", one_line(text))


def step_summary(found: list[Problem], rows: list[FileSummary], closing: str) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: a heading, a table of the files (passed, failed, not checked) and
    the problems as concise lines."""
    ok = all(r.ok for r in rows)
    out = [f"## derive check: {'passed' if ok else 'FAILED'}", "",
           "| file | equations | passed | failed | not checked | skipped | definitions | verdict |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        verdict = "unreadable" if r.error else "✅ pass" if r.ok else "❌ FAIL"
        numbers = ("",) * 6 if r.error else (r.equations, r.passed, r.failed, r.not_checked, r.skipped, r.definitions)
        out.append(f"| {_md(r.path)} | {' | '.join(map(str, numbers))} | {verdict} |")
    out += ["", closing, ""]
    if found:
        text = "\n".join(concise(p) for p in found)
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", text)), default=0))
        out += ["### Problems", "", f"{fence}text", text, fence, ""]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- SARIF


def package_version() -> str:
    """derive's version, as installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("derive")
    except PackageNotFoundError:
        return "0+unknown"


def _uri(path: str) -> str:
    """A path as a SARIF artifact URI: relative with forward slashes, or ``file://`` when absolute."""
    pure = PurePath(path)
    return pure.as_uri() if pure.is_absolute() else quote(pure.as_posix(), safe="/")


def _result(p: Problem) -> dict:
    """One SARIF result. A notebook's cell has no region in the .ipynb file: the result is on the whole file,
    the cell and its line in the message and in ``properties``."""
    text = f"{p.subject}: {p.message}" if p.subject else p.message
    props: dict[str, object] = {"subject": p.subject}
    if p.latex:
        props["latex"] = p.latex
    location: dict = {}
    if p.path is None:
        location["logicalLocations"] = [{"name": p.claim, "fullyQualifiedName": p.where}]
    else:
        location["physicalLocation"] = {"artifactLocation": {"uri": _uri(p.path)}}
        if p.cell is not None:
            text = f"cell {p.cell}, line {p.line}: {text}"
            props.update(cell=p.cell, lineInCell=p.line)
        elif p.line is not None:
            location["physicalLocation"]["region"] = {"startLine": p.line}
    return {"ruleId": p.rule, "ruleIndex": _RULE[p.rule], "level": p.kind.level, "message": {"text": text},
            "locations": [location], "properties": props}


def sarif(found: list[Problem], version: str) -> dict:
    """One SARIF 2.1.0 log of the whole run: derive as the tool (``version``), its four rules, one result
    per problem."""
    rules = [{"id": r.id, "name": r.name, "shortDescription": {"text": r.description},
              "defaultConfiguration": {"level": r.level}} for r in RULES]
    driver = {"name": "derive", "version": version, "rules": rules}  # no informationUri: derive has no home page yet
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": driver}, "results": [_result(p) for p in found]}]}
