"""The verified equations as a LaTeX document or a Markdown post, each with its evidence.

A claim that did not pass is never shown as verified: it goes under its own
heading, with what refuted it.
"""

from __future__ import annotations

from checks.results import ClaimResult, FileReport, Report, Status, StepResult
from derive.errors import one_line

__all__ = ["latex", "markdown", "file_latex", "file_markdown"]

_TITLE = "Backpropagation derivation, verified by derive"


def _evidence(r: ClaimResult, report: Report) -> list[str]:
    """Evidence lines (LaTeX-safe text with inline $math$) for one claim."""
    sym, num = r.symbolic, r.numeric
    lines = [f"symbolic: {sym.status}, {sym.entries} entries checked exactly"]
    if sym.scope:
        lines.append(_tex_text(sym.scope.label) + (" (docs/all-widths.md)" if sym.scope.kind == "all" else ""))
    if sym.failure:
        f = sym.failure
        if f.entry:
            lines.append(f"first failing entry: ${r.claim.quantity.tex_of(*f.entry)}$")
        if f.witness:
            lines.append(f"witness: automatic {f.automatic}, hand {f.hand} at a random rational point")
    if num.reason:
        lines.append("numeric: failed, " + _tex_text(num.reason))
    else:
        lines.append(f"numeric: {num.status}, max relative error {num.max_rel_error:.2e} over {num.draws} draws "
                     f"(tolerance {report.settings.rtol:g})")
    return lines


def _network(report: Report) -> str:
    net = report.net
    lam = r"$\lambda$ symbolic" if net.lam is None else rf"$\lambda = {net.lam}$"
    return (f"Network: sizes {','.join(map(str, net.sizes))} ($n_l = {net.n_l}$), activation {net.activation.name}"
            f" (numeric check with {', '.join(report.activations)}), $m = {net.m}$ samples, {lam}; "
            f"seed {report.settings.seed}, {report.settings.draws} random draws.")


def _groups(report: Report):
    passed = [r for r in report.results if r.passed]
    failed = [r for r in report.results if not r.passed]
    yield "Verified claims", passed
    yield "Claims that did not pass (not verified)", failed


_TEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
        "_": r"\_", "^": r"\^{}", "~": r"\~{}", "δ": r"$\delta$", "λ": r"$\lambda$", "∂": r"$\partial$",
        "Σ": r"$\Sigma$", "−": "-", "…": r"\dots{}", "<": r"$<$", ">": r"$>$"}


def _tex_text(text: str) -> str:
    """Plain text made safe for LaTeX text mode (anything else non-ASCII becomes '?')."""
    return "".join(_TEX.get(ch) or (ch if ord(ch) < 128 else "?") for ch in text)


def _forms(r: ClaimResult, form: str, vectors: dict[str, StepResult]) -> tuple[list[str], list[str]]:
    """The equations to show for one claim in ``form`` (index, vector or both), and what to say of its vector form.
    A vector form is shown only where the claim passed and its vector form was checked and passed."""
    if form == "index" or not r.passed:
        return [r.claim.latex], []
    checked = vectors.get(r.claim.id)
    if checked is None or checked.status is not Status.PASSED:
        why = "this model has none" if checked is None else f"it did not check ({checked.status}: {checked.reason})"
        return [r.claim.latex], [f"vector form not shown: {why}"]
    scope = ", proved for all widths" if checked.scope and checked.scope.kind == "all" else ""
    shown = [r.claim.vector] if form == "vector" else [r.claim.latex, r.claim.vector]
    return shown, [f"vector form checked entry by entry ({checked.instances} entries{scope})"]


def latex(report: Report, form: str = "index", vectors: dict[str, StepResult] | None = None) -> str:
    """A complete LaTeX document (compiles with pdflatex)."""
    out = [r"\documentclass{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage{amsmath,amssymb}",
           r"\begin{document}", rf"\section*{{{_TITLE}}}", _network(report), ""]
    for heading, group in _groups(report):
        if not group:
            continue
        out.append(rf"\subsection*{{{heading}}}")
        for r in group:
            shown, said = _forms(r, form, vectors or {})
            out.append(rf"\paragraph{{{_tex_text(r.claim.title or r.claim.id)} (\texttt{{{_tex_text(r.claim.id)}}})}}")
            for equation in shown:
                out += [r"\begin{equation*}", equation, r"\end{equation*}"]
            out.append(r"\begin{itemize}")
            out += [rf"\item[--] {_tex_text_keep_math(line)}" for line in _evidence(r, report) + said]  # no TS1 bullet
            out.append(r"\end{itemize}")
    out += [r"\end{document}", ""]
    return "\n".join(out)


def _tex_text_keep_math(line: str) -> str:
    parts = line.split("$")
    return "$".join(p if k % 2 else _tex_text(p) for k, p in enumerate(parts))


def markdown(report: Report, form: str = "index", vectors: dict[str, StepResult] | None = None) -> str:
    """A Markdown post with $$ display blocks, as Jekyll and other blog engines expect."""
    out = [f"# {_TITLE}", "", _network(report), ""]
    for heading, group in _groups(report):
        if not group:
            continue
        out += [f"## {heading}", ""]
        for r in group:
            shown, said = _forms(r, form, vectors or {})
            out += [f"### {r.claim.title or r.claim.id} (`{r.claim.id}`)", ""]
            for equation in shown:
                out += ["$$", equation, "$$", ""]
            out += [f"- {line}" for line in _evidence(r, report) + said] + [""]
    return "\n".join(out)


# ---------------------------------------------------------------- a file's rows, as the author wrote them


def _rows(report: FileReport) -> dict[str, list[tuple[str, list[str]]]]:
    """The file's rows (each in the form it was written: index or vector) by heading: verified (every step of
    the row passed), definitions, and not verified (with why), each with its evidence lines."""
    rows: dict[tuple[int, str], list[StepResult]] = {}
    for r in report.results:
        rows.setdefault((r.step.line, r.step.text), []).append(r)
    out: dict[str, list[tuple[str, list[str]]]] = {"Verified rows": [], "Definitions (the model, not claims)": [],
                                                   "Rows that did not pass (not verified)": []}
    for (line, text), results in rows.items():
        statuses = {r.status for r in results}
        where = one_line(str(report.at(line)))  # a notebook's cell, or the LaTeX file it is written in
        if statuses == {Status.PASSED}:
            scopes = {r.scope.label if r.scope else "proved on the test networks" for r in results}
            worst = max(r.numeric.max_rel_error for r in results if r.numeric)
            out["Verified rows"].append((text, [where, *sorted(scopes), f"numeric: max relative error {worst:.2e}"]))
        elif statuses <= {Status.DEFINITION, Status.PASSED}:
            out["Definitions (the model, not claims)"].append((text, [where, results[0].reason]))
        else:
            bad = next(r for r in results if r.status not in (Status.PASSED, Status.DEFINITION))
            why = bad.reason or (f"{bad.symbolic} at {bad.failure.where}" if bad.failure else str(bad.status))
            out["Rows that did not pass (not verified)"].append((text, [where, f"{bad.status}: {why}"]))
    return out


def file_latex(report: FileReport) -> str:
    """A file's rows as a complete LaTeX document, each as written, under what derive found of it."""
    out = [r"\documentclass{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage{amsmath,amssymb}",
           r"\begin{document}", rf"\section*{{{_tex_text(one_line(report.path))}, checked by derive}}",
           _tex_text(f"Model: {report.model}."), ""]
    for heading, rows in _rows(report).items():
        if rows:
            out.append(rf"\subsection*{{{_tex_text(heading)}}}")
            for text, lines in rows:
                out += [r"\begin{equation*}", text, r"\end{equation*}", r"\begin{itemize}"]
                out += [rf"\item[--] {_tex_text(line)}" for line in lines] + [r"\end{itemize}"]
    return "\n".join([*out, r"\end{document}", ""])


def file_markdown(report: FileReport) -> str:
    """A file's rows as Markdown with $$ display blocks, each as written, under what derive found of it."""
    out = [f"# {one_line(report.path)}, checked by derive", "", f"Model: {report.model}.", ""]
    for heading, rows in _rows(report).items():
        if rows:
            out += [f"## {heading}", ""]
            for text, lines in rows:
                out += ["$$", text, "$$", "", *(f"- {line}" for line in lines), ""]
    return "\n".join(out)
