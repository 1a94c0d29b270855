"""The report as one JSON-ready dict: the contract machines read (documented in the README)."""

from __future__ import annotations

import math
from typing import Any

from checks.results import Failure, FileReport, FileSummary, NumericResult, Report, Scope, Status
from derive.model.network import Network

__all__ = ["model_text", "as_dict", "file_as_dict", "lam_text", "witness_text", "worst_text", "STEP", "CLAIM"]


STEP, CLAIM = ("left", "right"), ("automatic", "hand")  # how each renderer names the two sides of a step, a claim


def witness_text(f: Failure, sides: tuple[str, str]) -> str:
    """The witness, for every renderer: 'at a random rational point (f(t) = …; left − right = …): left …, right …'."""
    about = (f.witness or "").replace("automatic − hand", " − ".join(sides))
    return f"at a random rational point ({about}): {sides[0]} {f.automatic}, {sides[1]} {f.hand}"


def worst_text(num: NumericResult, sides: tuple[str, str]) -> str:
    """Where the numeric check disagreed most, for every renderer: 'rel err 2 at δ^4_1, draw 7 (tanh): left …,
    right …'."""
    w = num.worst
    assert w is not None
    return (f"rel err {num.max_rel_error:.3g} at {w.entry}, draw {w.draw} ({w.activation}): {sides[0]} "
            f"{w.automatic:.12g}, {sides[1]} {w.hand:.12g}")


def lam_text(net: Network) -> str:
    """λ as a report states it: 'symbolic', or its value."""
    return "symbolic" if net.lam is None else str(net.lam)


def model_text(net: Network) -> str:
    """The loss and the output layer, as a report states them."""
    out = net.output
    shown = f"{out.name}, {out.doc}" if out.activation is None else f"{out.name} in the output layer"
    return f"loss {net.loss.name}, {net.loss.doc} · output {shown}"


def _number(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)


def _how(report: Report | FileReport, sides: tuple[str, str]) -> dict:
    """How the numeric check ran; ``sides`` names the two values compared (auto/hand, or left/right)."""
    s = report.settings
    return {"seed": s.seed, "draws": s.draws, "tolerance": s.rtol,
            "relative_error": f"|{sides[0]} - {sides[1]}| / max(|{sides[0]}|, |{sides[1]}|, 1)",
            "numeric_activations": list(report.activations)}


def _scope(scope: Scope | None) -> dict:
    """For what networks a proof holds: ``scope`` "all" or "test networks", the grid, windows and reasons."""
    if scope is None:
        return {}
    return {"scope": scope.kind, "grid": list(scope.grid), "windows": list(scope.windows),
            "not_covered": list(scope.not_covered)}


def as_dict(report: Report) -> dict:
    net = report.net
    claims = []
    for r in report.results:
        sym, num = r.symbolic, r.numeric
        symbolic: dict = {"status": sym.status, "entries": sym.entries, "method": sym.method, **_scope(sym.scope)}
        if sym.method == "probabilistic" and sym.status is Status.PROVED:
            symbolic["error_bound"] = sym.error
        if sym.failure:
            f = sym.failure
            l, i, j = f.entry or (None, None, None)
            symbolic["first_failing_entry"] = {
                "entry": f.where, "layer": l, "i": i, "j": j, "difference": f.difference,
                "automatic": f.automatic, "hand": f.hand, "witness": f.witness}
        if sym.note:
            symbolic["note"] = sym.note
        claims.append({"id": r.claim.id, "title": r.claim.title, "latex": r.claim.latex, "passed": r.passed,
                       "symbolic": symbolic, "numeric": _numeric(num, ("automatic", "hand"))})
    doc = {
        "passed": report.passed,
        "network": {"sizes": list(net.sizes), "activation": net.activation.name, "samples": net.m,
                    "lambda": lam_text(net), "engine": net.engine, "parameters": net.parameter_count,
                    "loss": net.loss.name, "output": net.output.name},
        **_how(report, ("auto", "hand")),
        "claims": claims,
    }
    if report.timings:
        doc["timings"] = {k: round(v, 4) for k, v in report.timings.items()}
    return doc


def _numeric(num: NumericResult | None, sides: tuple[str, str]) -> dict | None:
    """The numeric result; ``sides`` names the two values compared (automatic/hand, or left/right)."""
    if num is None:
        return None
    worst = num.worst and {"entry": num.worst.entry, "draw": num.worst.draw, "activation": num.worst.activation,
                           sides[0]: _number(num.worst.automatic), sides[1]: _number(num.worst.hand)}
    out = {"status": num.status, "max_abs_error": _number(num.max_abs_error),
           "max_rel_error": _number(num.max_rel_error), "worst": worst, "draws": num.draws}
    if num.reason:
        out["reason"] = num.reason
    if num.undefined:
        out["not_finite_on_both_sides"] = num.undefined
    return out


def _counts(row: FileSummary) -> dict:
    """How many equations (and steps) the file holds, and how many passed, failed, were skipped or not checked."""
    return {"equations": row.equations, "passed": row.passed, "failed": row.failed, "skipped": row.skipped,
            "not_checked": row.not_checked}


def file_as_dict(report: FileReport) -> dict:
    """The report on one file: every equation or step is one entry of ``claims``."""
    net = report.nets[0]
    claims, per_line = [], {}  # type: list[dict], dict[str, int]
    for r in report.results:
        where = report.where(r)  # its file (a LaTeX file's input, or a notebook's cell) and its line there
        source = str(where)
        n = per_line[source] = per_line.get(source, 0) + 1
        entry: dict[str, Any] = {"id": source if n == 1 else f"{source}#{n}", "source": source, "line": where.line,
                                 **({} if where.cell is None else {"cell": where.cell}), "latex": r.step.text,
                                 "status": r.status, "passed": r.passed}
        if r.reason:
            entry["reason"] = r.reason
        if r.passed is not None or r.status is Status.DEFINITION:  # a definition was checked against its model
            entry["left"], entry["right"] = str(r.step.lhs), str(r.step.rhs)
            symbolic: dict = {"status": r.symbolic, "entries": r.instances, **_scope(r.scope)}
            if r.failure:
                f = r.failure
                symbolic["first_failing_entry"] = {"entry": f.where, "difference": f.difference,
                                                   "left": f.automatic, "right": f.hand, "witness": f.witness}
            entry["symbolic"], entry["numeric"] = symbolic, _numeric(r.numeric, ("left", "right"))
        if r.remarks:
            entry["remarks"] = list(r.remarks)
        claims.append(entry)
    return {
        "file": report.path,
        "passed": report.passed,
        "allow_unchecked": report.settings.allow_unchecked,
        "allow_empty": report.settings.allow_empty,
        "summary": _counts(FileSummary.of(report)),
        "model": report.model,
        "network": {"sizes": [list(n.sizes) for n in report.nets], "activation": net.activation.name,
                    "samples": net.m, "lambda": lam_text(net), "engine": net.engine},
        **_how(report, ("left", "right")),
        "claims": claims,
    }
