"""LaTeX and Markdown export: ``derive export`` and derive.render.export on a finished Report."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess

import pytest

from checks.report import run
from derive.model.backprop import SEED_CLAIMS, replace_claim
from derive.model.network import Network
from derive.primitives import activation
from derive.render.export import latex, markdown

VERIFIED = "Verified claims"
NOT_VERIFIED = "Claims that did not pass (not verified)"


def compile_latex(tex_path) -> subprocess.CompletedProcess:
    """pdflatex in the file's folder; skips the test only when pdflatex is not installed."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    return subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", tex_path.name],
                          cwd=tex_path.parent, capture_output=True, text=True, errors="replace", timeout=120)


def assert_compiles(tex_path) -> None:
    out = compile_latex(tex_path)
    assert out.returncode == 0, out.stdout[-2000:]
    pdf = tex_path.with_suffix(".pdf")
    assert pdf.exists()
    assert pdf.read_bytes()[:5] == b"%PDF-"


def sections(document: str, headings: tuple[str, str]) -> tuple[str, str]:
    """The text under the 'verified' heading and under the 'not verified' heading ('' when absent)."""
    verified_at = document.find(headings[0])
    failed_at = document.find(headings[1])
    end = len(document)
    verified = document[verified_at:failed_at if failed_at > verified_at else end] if verified_at >= 0 else ""
    failed = document[failed_at:] if failed_at >= 0 else ""
    return verified, failed


# ---------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def exported(run_cli, tmp_path_factory):
    """``derive export --latex out.tex --markdown out.md`` in a fresh folder: (CompletedProcess, folder)."""
    folder = tmp_path_factory.mktemp("export")
    return run_cli("export", "--latex", "out.tex", "--markdown", "out.md", cwd=folder), folder


def test_export_writes_both_files_and_exits_0(exported):
    out, folder = exported
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert out.stdout.splitlines() == ["wrote out.tex (6 of 6 claims verified)",
                                       "wrote out.md (6 of 6 claims verified)"]
    assert (folder / "out.tex").stat().st_size > 0
    assert (folder / "out.md").stat().st_size > 0


def test_exported_latex_compiles_to_a_pdf(exported):
    _, folder = exported
    assert_compiles(folder / "out.tex")


def test_exported_latex_shows_every_claim_as_a_verified_equation(exported):
    tex = (exported[1] / "out.tex").read_text(encoding="utf-8")
    assert tex.startswith(r"\documentclass")
    assert tex.rstrip().endswith(r"\end{document}")
    verified, failed = sections(tex, (VERIFIED, NOT_VERIFIED))
    assert failed == ""
    for claim in SEED_CLAIMS:
        assert f"\\begin{{equation*}}\n{claim.latex}\n\\end{{equation*}}" in verified
        assert "\\texttt{" + claim.id.replace("_", r"\_") + "}" in verified
    assert "seed 0, 64 random draws" in tex


def test_exported_markdown_has_a_display_block_with_each_claims_latex(exported):
    md = (exported[1] / "out.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^\$\$\n(.*?)\n\$\$$", md, re.M | re.S)
    assert blocks == [claim.latex for claim in SEED_CLAIMS]
    verified, failed = sections(md, ("## " + VERIFIED, "## " + NOT_VERIFIED))
    assert failed == ""
    for claim in SEED_CLAIMS:
        assert f"### {claim.title} (`{claim.id}`)" in verified


# ---------------------------------------------------------------- a failing claim


def _sign_flipped_output_residual(v, l, i, j):
    return (v.y[i] - v.a[l][i]) * v.fprime(v.z[l][i])


@pytest.fixture(scope="module")
def failing_report():
    claims = replace_claim(SEED_CLAIMS, "delta_output", _sign_flipped_output_residual,
                           r"\left(y_i - a^{n_l}_i\right) f'\!\left(z^{n_l}_i\right)")
    report = run(Network((2, 3, 2), activation("generic")), claims, draws=8, seed=5)
    assert not report.passed
    return report


def test_failing_claim_is_under_not_verified_in_latex_and_never_under_verified(failing_report):
    tex = latex(failing_report)
    verified, failed = sections(tex, (VERIFIED, NOT_VERIFIED))
    assert r"\subsection*{" + NOT_VERIFIED + "}" in tex
    assert r"\texttt{delta\_output}" in failed
    assert r"\texttt{delta\_output}" not in verified
    assert r"\left(y_i - a^{n_l}_i\right) f'" in failed
    assert "symbolic: refuted" in failed
    assert r"first failing entry: $\delta^{3}_{1}$" in failed
    assert "numeric: failed" in failed
    for claim_id in ("delta_hidden", "grad_W_sample", "grad_b_sample", "grad_W", "grad_b"):
        assert r"\texttt{" + claim_id.replace("_", r"\_") + "}" in verified
        assert r"\texttt{" + claim_id.replace("_", r"\_") + "}" not in failed


def test_failing_claim_is_under_not_verified_in_markdown_and_never_under_verified(failing_report):
    md = markdown(failing_report)
    verified, failed = sections(md, ("## " + VERIFIED, "## " + NOT_VERIFIED))
    assert "### Output residual (`delta_output`)" in failed
    assert "`delta_output`" not in verified
    assert "$$\n" + failing_report.results[0].claim.latex + "\n$$" in failed
    assert "- symbolic: refuted, 2 entries checked exactly" in failed
    assert r"- first failing entry: $\delta^{3}_{1}$" in failed
    assert "- numeric: failed" in failed
    assert "`grad_b`" in verified and "`grad_b`" not in failed


def test_latex_with_a_failing_claim_compiles(failing_report, tmp_path):
    tex = tmp_path / "failing.tex"
    tex.write_text(latex(failing_report), encoding="utf-8")
    assert_compiles(tex)


def test_every_claim_passing_gives_no_not_verified_heading():
    report = run(Network((2, 2), activation("sigmoid")), draws=4)
    assert report.passed
    assert NOT_VERIFIED not in latex(report)
    assert NOT_VERIFIED not in markdown(report)


# ---------------------------------------------------------------- LaTeX special characters


def _renamed(report, claim_id: str, new_id: str, title: str):
    results = tuple(dataclasses.replace(r, claim=dataclasses.replace(r.claim, id=new_id, title=title))
                    if r.claim.id == claim_id else r for r in report.results)
    return dataclasses.replace(report, results=results)


def test_underscore_percent_ampersand_hash_in_claim_id_and_title_are_escaped_and_compile(failing_report, tmp_path):
    report = _renamed(failing_report, "delta_output", "my_claim#1", "Sign_flip: 50% & #1")
    text = latex(report)
    assert r"\paragraph{Sign\_flip: 50\% \& \#1 (\texttt{my\_claim\#1})}" in text
    tex = tmp_path / "special.tex"
    tex.write_text(text, encoding="utf-8")
    assert_compiles(tex)


@pytest.mark.parametrize("title", ["costs $5", "x^2 rule"])
def test_dollar_and_caret_in_a_claim_title_compile(failing_report, tmp_path, title):
    tex = tmp_path / "special.tex"
    tex.write_text(latex(_renamed(failing_report, "grad_b", "grad_b", title)), encoding="utf-8")
    assert_compiles(tex)
