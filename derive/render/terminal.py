"""The terminal report: the network, one row per claim, the failures in detail, one summary line."""

from __future__ import annotations

import re

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from checks.report import PHASES, Report
from derive.render.document import lam_text

__all__ = ["render", "plain"]

_MACROS = {r"\delta": "δ", r"\lambda": "λ", r"\partial": "∂", r"\sum": "Σ", r"\cdot": "·", r"\Vert": "‖",
           r"\left": "", r"\right": "", r"\!": "", r"\,": " ", r"\ ": " "}


def plain(latex: str) -> str:
    """A one-line Unicode reading of a claim's LaTeX, for terminals."""
    text = latex
    for macro, sign in _MACROS.items():
        text = text.replace(macro, sign)
    text = re.sub(r"∂\s+", "∂", text)
    frac = re.compile(r"\\frac\{((?:[^{}]|\{[^{}]*\})*)\}\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}")
    text = frac.sub(lambda m: f"{_atom(m[1].strip())}/{_atom(m[2].strip())}", text)
    text = re.sub(r"([_^])\{(.)\}", r"\1\2", text)
    text = re.sub(r"\\([a-zA-Z]+)", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _atom(part: str) -> str:
    return part if re.fullmatch(r"[^\s+\-]*", part) else f"({part})"


def _mark(ok: bool) -> Text:
    return Text("✓ pass", style="green") if ok else Text("✗ FAIL", style="bold red")


def render(report: Report, console: Console, timings: bool = False) -> None:
    net = report.net
    console.print(Text("derive · backpropagation derivation check", style="bold"))
    console.print(f"network   {','.join(map(str, net.sizes))} (n_l = {net.n_l}, {net.parameter_count} parameters)"
                  f" · f {net.activation.name} · m = {net.m} · λ {lam_text(report)}")
    console.print(f"symbolic  exact, engine {net.engine}")
    console.print(f"numeric   {report.draws} draws · seed {report.seed} · rtol {report.rtol:g} · "
                  f"f ∈ {', '.join(report.activations)}")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("claim (seed notation)", overflow="fold", ratio=1)
    table.add_column("symbolic")
    table.add_column("entries", justify="right")
    table.add_column("rel err", justify="right")
    table.add_column("", no_wrap=True)
    for r in report.results:
        claim = Text(r.claim.id, style="bold")
        claim.append("\n" + plain(r.claim.latex), style="")
        table.add_row(claim, r.symbolic.status, str(r.symbolic.entries), f"{r.numeric.max_rel_error:.1e}",
                      _mark(r.passed))
    console.print(table)
    console.print("rel err: max over draws and entries of |auto − hand| / max(|auto|, |hand|, 1)", style="dim")
    for r in report.results:
        if not r.passed:
            _failure(r, report, console)
    if timings:
        console.print("timings   " + " · ".join(f"{p} {report.timings.get(p, 0.0):.3f} s" for p in PHASES))
    passed = sum(r.passed for r in report.results)
    line = f"{passed} of {len(report.results)} claims passed"
    console.print(Text(f"PASS  {line}: proved exactly and within rtol {report.rtol:g} numerically", style="bold green")
                  if report.passed else Text(f"FAIL  {line}", style="bold red"))


def _failure(r, report: Report, console: Console) -> None:
    sym, num = r.symbolic, r.numeric
    console.print(Text(f"✗ {r.claim.id}: symbolic {sym.status}, numeric {num.status}", style="bold red"))
    if sym.failure:
        f = sym.failure
        console.print(f"  first failing entry {f.entry} (layer {f.l}, unit {f.i}{'' if f.j is None else f', from unit {f.j}'})")
        console.print(f"  automatic − hand = {f.difference}")
        if f.witness:
            console.print(f"  witness: automatic {f.automatic}, hand {f.hand} at a random rational point, {f.witness}")
    if sym.note:
        console.print(f"  {sym.note}")
    if num.reason:
        console.print(f"  numeric: {num.reason}")
    elif not num.passed and num.worst:
        w = num.worst
        console.print(f"  numeric: max rel error {num.max_rel_error:.3g} > {report.rtol:g} at {w.entry}, draw {w.draw}"
                      f" ({w.activation}): automatic {w.automatic:.12g}, hand {w.hand:.12g}")
