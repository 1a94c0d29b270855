"""The terminal report: the network, one row per claim, the failures in detail, one summary line."""

from __future__ import annotations

import io
import re

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from checks.report import PHASES
from checks.results import FileReport, FileSummary, Report, Status
from derive.errors import one_line
from derive.reader.origins import short
from derive.render import rich_console
from derive.render.document import CLAIM, STEP, lam_text, model_text, witness_text, worst_text

__all__ = ["render", "render_file", "render_summary", "file_summary", "failures", "plain", "as_text", "MAX_ROWS"]

MAX_ROWS = 300  # a file's table draws every step up to this many; beyond, only those not passed, this many

_MACROS = {r"\cdots": "⋯", r"\ldots": "…", r"\dots": "…", r"\Delta": "Δ",
           r"\delta": "δ", r"\lambda": "λ", r"\partial": "∂", r"\sum": "Σ", r"\cdot": "·", r"\Vert": "‖",
           r"\left": "", r"\right": "", r"\!": "", r"\,": " ", r"\ ": " ", r"\nabla": "∇", r"\odot": "⊙",
           r"\circ": "∘", r"\bullet": "•", r"^\top": "ᵀ", r"^{\top}": "ᵀ", r"\top": "ᵀ", r"\intercal": "ᵀ",
           r"\mathbb{1}": "𝟙", r"\sigma": "σ", r"\|": "‖", r"\equiv": "≡", r"\triangleq": "≜", r"\coloneqq": "≔"}


def plain(latex: str) -> str:
    """A one-line Unicode reading of a claim's LaTeX, for terminals."""
    text = re.sub(r"\\tag\*?\{[^{}]*\}|\\[bB]igg?[lr]?(?![a-zA-Z])", "", latex)  # tags; \big( … \Bigr) sizes
    for macro, sign in _MACROS.items():
        text = text.replace(macro, sign)
    text = re.sub(r"∂\s+", "∂", text)
    text = re.sub(r"\\(?:text|operatorname|mathrm|mathcal|mathbf|boldsymbol)\s*\{([^{}]*)\}", r"\1", text)
    frac = re.compile(r"\\frac\s*\{((?:[^{}]|\{[^{}]*\})*)\}\s*\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}")
    text = frac.sub(lambda m: f"{_atom(m[1].strip())}/{_atom(m[2].strip())}", text)
    text = re.sub(r"([_^])\{(.)\}", r"\1\2", text)
    text = re.sub(r"\\([a-zA-Z]+)", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _atom(part: str) -> str:
    return part if re.fullmatch(r"[^\s+\-]*", part) else f"({part})"


def detail(console: Console, text: str) -> None:
    """An indented line whose wrapped continuation keeps the indent."""
    console.print(Padding(Text(text), (0, 0, 0, 2)))


def _mark(ok: bool) -> Text:
    return Text("✓ pass", style="green") if ok else Text("✗ FAIL", style="bold red")


def _numeric_line(report: Report | FileReport, console: Console) -> None:
    """How the numeric check was run: draws, seed, tolerance, activations (claims and files alike)."""
    s = report.settings
    console.print(f"numeric   {s.draws} draws · seed {s.seed} · rtol {s.rtol:g} · f ∈ {', '.join(report.activations)}")


def render(report: Report, console: Console, timings: bool = False) -> None:
    net = report.net
    console.print(Text("derive · backpropagation derivation check", style="bold"))
    console.print(f"network   {','.join(map(str, net.sizes))} (n_l = {net.n_l}, {net.parameter_count} parameters)"
                  f" · f {net.activation.name} · m = {net.m} · λ {lam_text(net)}")
    if not net.seed_model:
        console.print(Text(f"model     {model_text(net)}"))
    methods = sorted({r.symbolic.method for r in report.results})
    console.print(f"symbolic  {' and '.join(methods)}, engine {net.engine}")
    _numeric_line(report, console)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("claim (seed notation)", overflow="fold", ratio=1)
    table.add_column("symbolic")
    table.add_column("entries", justify="right")
    table.add_column("rel err", justify="right")
    table.add_column("", no_wrap=True)
    for r in report.results:
        claim = Text(r.claim.id, style="bold")
        claim.append("\n" + plain(r.claim.latex), style="")
        status = f"{r.symbolic.status}" + ("†" if r.symbolic.passed and r.symbolic.method == "probabilistic" else "")
        table.add_row(claim, status, str(r.symbolic.entries), f"{r.numeric.max_rel_error:.1e}",
                      _mark(r.passed))
    console.print(table)
    console.print("rel err: max over draws and entries of |auto − hand| / max(|auto|, |hand|, 1)", style="dim")
    _scopes([(r.claim.id, r.symbolic.scope) for r in report.results if r.symbolic.passed], console)
    errors = [r.symbolic.error for r in report.results if r.symbolic.method == "probabilistic" and r.symbolic.passed]
    if errors:
        console.print(f"† proved by random evaluation modulo 2^127 − 1: chance of a wrong proof ≤ {max(errors):.0e} "
                      "(--exact expands instead)", style="dim")
    for r in report.results:
        if not r.passed:
            _failure(r, report, console)
    if timings:
        console.print("timings   " + " · ".join(f"{p} {report.timings.get(p, 0.0):.3f} s" for p in PHASES))
    passed = sum(r.passed for r in report.results)
    vacuous = [r.claim.id for r in report.results if r.symbolic.status is Status.VACUOUS]
    line = f"{passed} of {len(report.results)} claims passed" + (
        f" ({', '.join(vacuous)}: vacuous, no entries in this network)" if vacuous else "")
    how = "exactly" if methods == ["exact"] else "(probabilistically where stated)"
    console.print(Text(f"PASS  {line}: proved {how} and within rtol {report.settings.rtol:g} numerically",
                       style="bold green")
                  if report.passed else Text(f"FAIL  {line}", style="bold red"))


def _scopes(proved: list, console: Console) -> None:
    """Which proofs hold for every network (docs/all-widths.md) and, for the others, why not."""
    everywhere = [name for name, scope in proved if scope and scope.kind == "all"]
    if everywhere:
        console.print(f"scope     {len(everywhere)} of {len(proved)} proofs hold for all widths and depths "
                      "(docs/all-widths.md)", style="dim")
    why: dict[str, list[str]] = {}  # one line per reason: a long file repeats a few reasons many times
    for name, scope in proved:
        if not (scope and scope.kind == "all"):
            why.setdefault(scope.label if scope else "proved on the test networks only", []).append(name)
    for label, names in why.items():
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        detail(console, f"{', '.join(names[:5])}{more}: {label}")


def _failure(r, report: Report, console: Console) -> None:
    sym, num = r.symbolic, r.numeric
    console.print(Text(f"✗ {r.claim.id}: symbolic {sym.status}, numeric {num.status}", style="bold red"))
    if sym.failure:
        f = sym.failure
        if f.entry:
            l, i, j = f.entry
            source = "" if j is None else f", from unit {j}"
            detail(console, f"first failing entry {f.where} (layer {l}, unit {i}{source})")
        else:  # found on the grid of widths and depths, not on the network of the report
            detail(console, f"refuted at {f.where}")
        detail(console, f"automatic − hand = {f.difference}")
        if f.witness:
            detail(console, f"witness {witness_text(f, CLAIM)}")
    if sym.note:
        detail(console, f"{sym.note}")
    if num.reason:
        detail(console, f"numeric: {num.reason}")
    elif not num.passed and num.worst:
        w = num.worst
        detail(console, f"numeric: max rel error {num.max_rel_error:.3g} > {report.settings.rtol:g} at {w.entry}, "
                        f"draw {w.draw}"
                      f" ({w.activation}): automatic {w.automatic:.12g}, hand {w.hand:.12g}")


def as_text(report: Report, width: int = 100) -> str:
    """The report as plain text (no colour), e.g. for an assertion message in a pytest suite."""
    buffer = io.StringIO()
    render(report, rich_console(file=buffer, width=width, color_system=None))
    return buffer.getvalue()


def _step_detail(r) -> str:
    if r.status in (Status.NOT_CHECKED, Status.SKIPPED, Status.DEFINITION):
        return r.reason
    if r.status is Status.PASSED:
        scope = "all widths" if r.scope and r.scope.kind == "all" else "test networks only"
        return f"{r.instances} proved, {scope} · rel err {r.numeric.max_rel_error:.0e}" if r.numeric else ""
    parts = [r.reason] if r.reason else []
    if r.failure:
        parts.append(f"{r.symbolic} at {r.failure.where}")
    if r.numeric and not r.numeric.passed:
        parts.append(r.numeric.reason or f"rel err {r.numeric.max_rel_error:.2g}")
    return "; ".join(parts)


def render_file(report: FileReport, console: Console, brief: bool = False) -> None:
    """The report on one file: one row per equation or step, its source line, status and why.

    ``brief`` (several files at once): only the failures, which the summary table then follows.
    """
    if brief:
        if not report.passed:
            _file_failures(report, console)
            console.print(Text(file_summary(report), style="bold red"))
        return
    net = report.nets[0]
    sizes = " and ".join(",".join(map(str, n.sizes)) for n in report.nets)
    console.print(Text(f"derive · {one_line(report.path)}", style="bold"))
    console.print(f"networks  {sizes} · f {net.activation.name} · m = {net.m} · λ {lam_text(net)}")
    if report.model:
        console.print(f"model     {report.model}")
    _numeric_line(report, console)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("line", justify="right", overflow="fold")
    table.add_column("equation", overflow="fold", ratio=3)
    table.add_column("status", no_wrap=True)
    table.add_column("detail", overflow="fold", ratio=2)
    marks = {Status.PASSED: Text("✓ passed", style="green"), Status.FAILED: Text("✗ FAILED", style="bold red"),
             Status.NOT_CHECKED: Text("· not checked", style="yellow"), Status.SKIPPED: Text("– skipped", style="dim"),
             Status.DEFINITION: Text("≔ definition", style="cyan")}
    shown = [r for r in report.results if len(report.results) <= MAX_ROWS or r.status is not Status.PASSED]
    for r in shown[:MAX_ROWS]:
        row = Text(_shorten(plain(r.step.text), 200))  # Text: a row's [z > 0] is LaTeX, not rich markup
        table.add_row(short(report.spans, report.path, r.step.line), row, marks[r.status], Text(_step_detail(r)))
    if report.results:  # a file of prose has no row to draw
        console.print(table)
    if len(shown) < len(report.results) or len(shown) > MAX_ROWS:  # a long file: the summary says the rest
        passed = sum(r.status is Status.PASSED for r in report.results)
        detail(console, f"{len(report.results)} steps: the table lists {min(len(shown), MAX_ROWS)} of those not "
                        f"passed (first by line); {passed} passed are counted below, not drawn (--json has every step)")
    _file_failures(report, console)
    _scopes([(_line(report, r.step.line), r.scope) for r in report.results if r.passed], console)
    remarks = [(r.step.line, m) for r in report.results for m in r.remarks]
    if remarks:
        console.print(Text("remarks (notation, not failures)", style="bold"))
        for line, m in remarks:
            detail(console, f"{_line(report, line)}: {m}")
    console.print(Text(file_summary(report), style="bold green" if report.passed else "bold red"))


def _file_failures(report: FileReport, console: Console) -> None:
    for head, *lines in failures(report).values():
        console.print(Text(head, style="bold red"))
        for line in lines:
            detail(console, line)


def failures(report: FileReport) -> dict[int, list[str]]:
    """For each FAILED step, by its index in ``report.results``: a heading (where, and whether it is the first
    wrong step of its equation), then both sides, the difference, the witness and the numeric disagreement."""
    out, seen_chains = {}, set()
    for k, r in enumerate(report.results):
        if r.status is not Status.FAILED:
            continue
        lead = "first wrong step" if r.step.chain not in seen_chains else "also wrong"
        seen_chains.add(r.step.chain)
        lines = [f"✗ {one_line(str(report.where(r)))} ({lead}, in the equation at {_line(report, r.step.chain)})",
                 f"left:  {r.step.lhs}", f"right: {r.step.rhs}", *([r.reason] if r.reason else [])]
        if r.failure:
            f = r.failure
            lines.append(f"{r.symbolic} at {f.where}: left − right = {f.difference}")
            if f.witness:
                lines.append(f"witness {witness_text(f, STEP)}")
        if r.numeric and not r.numeric.passed and r.numeric.worst:
            lines.append(f"numeric: {worst_text(r.numeric, STEP)}")
        out[k] = lines
    return out


def _line(report: FileReport, line: int) -> str:
    """Where a line of the file is written, as a person reads it: 'line 12', 'cell 3:2', 'chapters/ch1.tex:12'."""
    at = short(report.spans, report.path, line)
    return f"line {at}" if at.isdigit() else at


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def file_summary(report: FileReport) -> str:
    """One line: PASS or FAIL, and the counts, e.g. '12 equations: 9 passed, 1 failed, 1 skipped, 1 not checked'."""
    row = FileSummary.of(report)
    counts = (f"{row.equations} equations: {row.passed} passed, {row.failed} failed, "
              + (f"{row.definitions} definitions, " if row.definitions else "")
              + f"{row.skipped} skipped, {row.not_checked} not checked")
    if not report.results and report.passed:
        return f"PASS  {one_line(report.path)}: no display equation, nothing to check"
    if not report.checked:
        return f"FAIL  {one_line(report.path)}: no equation could be checked ({counts})"
    why = ""
    if row.not_checked:
        why = (" (--allow-unchecked: not checked is accepted)" if report.settings.allow_unchecked else
               " (not checked is not passed; --allow-unchecked accepts it)")
    return f"{'PASS' if report.passed else 'FAIL'}  {one_line(report.path)}: {counts}{why}"


def render_summary(rows: list[FileSummary], console: Console) -> None:
    """One row per file (equations, passed, failed, skipped, not checked) and the total."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="summary")
    table.add_column("file", overflow="fold")
    for name in ("equations", "passed", "failed", "skipped", "not checked"):
        table.add_column(name, justify="right", overflow="fold")
    table.add_column("")
    totals = [0, 0, 0, 0, 0]
    ok = 0
    for row in rows:
        if row.error:
            table.add_row(row.path, "", "", "", "", "", Text("unreadable", style="bold red"))
            continue
        numbers = [row.equations, row.passed, row.failed, row.skipped, row.not_checked]
        totals = [t + n for t, n in zip(totals, numbers)]
        ok += row.ok
        table.add_row(row.path, *map(str, numbers), _mark(row.ok))
    table.add_row(Text("total", style="bold"), *map(str, totals), _mark(ok == len(rows)))
    console.print(table)
    console.print(Text(f"{'PASS' if ok == len(rows) else 'FAIL'}  total: {len(rows)} files, {ok} passed",
                       style="bold green" if ok == len(rows) else "bold red"))
