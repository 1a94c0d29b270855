"""The report as one JSON-ready dict: the contract machines read (documented in the README)."""

from __future__ import annotations

import math

from checks.report import Report

__all__ = ["as_dict", "lam_text"]


def lam_text(report: Report) -> str:
    """λ as the report states it: 'symbolic', or its value."""
    return "symbolic" if report.net.lam is None else str(report.net.lam)


def _number(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)


def as_dict(report: Report) -> dict:
    net = report.net
    claims = []
    for r in report.results:
        sym, num = r.symbolic, r.numeric
        symbolic = {"status": sym.status, "entries": sym.entries}
        if sym.failure:
            f = sym.failure
            symbolic["first_failing_entry"] = {
                "entry": f.entry, "layer": f.l, "i": f.i, "j": f.j, "difference": f.difference,
                "automatic": f.automatic, "hand": f.hand, "witness": f.witness}
        if sym.note:
            symbolic["note"] = sym.note
        worst = num.worst and {"entry": num.worst.entry, "draw": num.worst.draw, "activation": num.worst.activation,
                               "automatic": _number(num.worst.automatic), "hand": _number(num.worst.hand)}
        numeric = {"status": num.status, "max_abs_error": _number(num.max_abs_error),
                   "max_rel_error": _number(num.max_rel_error), "worst": worst, "draws": num.draws}
        if num.reason:
            numeric["reason"] = num.reason
        claims.append({"id": r.claim.id, "title": r.claim.title, "latex": r.claim.latex, "passed": r.passed,
                       "symbolic": symbolic, "numeric": numeric})
    doc = {
        "passed": report.passed,
        "network": {"sizes": list(net.sizes), "activation": net.activation.name, "samples": net.m,
                    "lambda": lam_text(report), "engine": net.engine, "parameters": net.parameter_count},
        "seed": report.seed,
        "draws": report.draws,
        "tolerance": report.rtol,
        "relative_error": "|auto - hand| / max(|auto|, |hand|, 1)",
        "numeric_activations": list(report.activations),
        "claims": claims,
    }
    if report.timings:
        doc["timings"] = {k: round(v, 4) for k, v in report.timings.items()}
    return doc
