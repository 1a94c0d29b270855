"""Vector and matrix form (derive/meaning/lower.py): shapes first, then equal entry by entry, for every width.

The three styles with their planted mistakes are in tests/derivations/vector-*.md and
tests/test_styles.py; here: the shape messages, square test networks, the seed's vector
rows, the entry a failure names, and ``derive export --form``.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from checks.derivation import DEFAULT_SIZES, check_text
from checks.report import run
from checks.results import Status
from checks.vector_forms import vector_forms
from derive.cli import main
from derive.model.backprop import SEED_CLAIMS
from derive.model.network import Network
from derive.render.export import latex, markdown

NETS = tuple(Network(s) for s in DEFAULT_SIZES)
HIDDEN = r"\delta^{l} = \left(\left(W^{l}\right)^T \delta^{l+1}\right) \odot f'(z^{l})"


def one(equation: str, nets=NETS):
    (result,) = check_text(f"$$\n{equation}\n$$\n", "t.md", nets).results
    return result


def test_a_missing_transpose_fails_with_both_shapes_named():
    assert one(HIDDEN).status is Status.PASSED
    r = one(r"\delta^{l} = \left(W^{l} \delta^{l+1}\right) \odot f'(z^{l})")
    assert r.status is Status.FAILED and r.symbolic is Status.REFUTED
    assert "W^{l} \\delta^{l + 1}: the left factor is s_{l+1} × s_l, the right has s_{l+1} entries" in r.reason


def test_on_square_test_networks_a_missing_transpose_still_fails_by_its_shape():
    square = (Network((2, 2, 2)), Network((2, 2, 2, 2)))  # W^l is 2 × 2: the product would evaluate
    assert one(HIDDEN, square).status is Status.PASSED
    r = one(r"\delta^{l} = \left(W^{l} \delta^{l+1}\right) \odot f'(z^{l})", square)
    assert r.status is Status.FAILED and "shapes do not match" in r.reason


def test_the_seeds_vector_rows_are_proved_for_all_widths():
    for row in (r"z^{l+1} = W^l a^l + b^l", r"a^{l+1} = f(z^{l+1})"):
        r = one(row)
        assert r.status is Status.DEFINITION and r.symbolic is Status.PROVED and r.scope.kind == "all", r
    wrong = one(r"z^{l+1} = (W^l)^T a^l + b^l")
    assert wrong.status is Status.FAILED and "shapes do not match" in wrong.reason


def test_a_failure_names_the_entry_in_both_notations():
    r = one(r"\nabla_{W^{l}} J(W,b;x,y) = \delta^{l+1} \left(a^{l}\right)^T + W^{l}")
    assert r.status is Status.FAILED
    assert "entry (i, j) of" in r.failure.where and r"read as \frac{\partial}{\partial W_{ij}^{l}}" in r.failure.where


def test_a_number_added_to_a_vector_and_a_gradient_of_a_vector_are_refused():
    added = one(r"\delta^{l} = \delta^{l} + 1")
    assert added.status is Status.FAILED and "adds a number" in added.reason
    jacobian = one(r"\frac{\partial z^{l+1}}{\partial a^{l}} = W^{l}")
    assert jacobian.status is Status.NOT_CHECKED


@pytest.fixture(scope="module")
def seed_report():
    return run(Network((2, 3, 3, 2)), draws=8)


def test_export_writes_the_claims_in_vector_form_once_checked(seed_report):
    vectors = vector_forms(seed_report)
    assert {k for k, r in vectors.items() if r.status is Status.PASSED} == {c.id for c in SEED_CLAIMS}
    assert all(r.scope.kind == "all" for r in vectors.values())
    doc = latex(seed_report, "vector", vectors)
    assert r"\left(\left(W^{l}\right)^{T} \delta^{l+1}\right) \odot" in doc and "W^{l}_{ji}" not in doc
    both = markdown(seed_report, "both", vectors)
    assert r"\nabla_{W^{l}} J(W,b;x,y) = \delta^{l+1} \left(a^{l}\right)^{T}" in both and "a^{l}_j" in both


def test_a_vector_form_that_does_not_check_is_not_exported(seed_report):
    wrong = tuple(dataclasses.replace(c, vector=r"\nabla_{W^{l}} J(W,b;x,y) = \left(\delta^{l+1}\right)^{T} a^{l}")
                  if c.id == "grad_W_sample" else c for c in SEED_CLAIMS)
    results = tuple(dataclasses.replace(r, claim=c) for r, c in zip(seed_report.results, wrong))
    report = dataclasses.replace(seed_report, results=results)
    doc = markdown(report, "vector", vector_forms(report))
    assert r"\left(\delta^{l+1}\right)^{T} a^{l}" not in doc and "a^{l}_j" in doc
    assert "vector form not shown: it did not check (failed: shapes do not match" in doc


def test_export_form_on_the_command_line(tmp_path, capsys):
    out = tmp_path / "claims.md"
    assert main(["export", "--markdown", str(out), "--form", "vector", "--draws", "8", "--quiet"]) == 0
    assert r"\odot f'\!\left(z^{l}\right)" in out.read_text(encoding="utf-8")
    assert main(["export", "--markdown", str(out), "--form", "matrix", "--quiet"]) == 2


def test_export_of_a_file_keeps_each_row_in_the_form_it_was_written(tmp_path):
    source = Path(__file__).parent / "derivations" / "vector-nielsen.md"
    out, tex = tmp_path / "bp.md", tmp_path / "bp.tex"
    assert main(["export", str(source), "--markdown", str(out), "--latex", str(tex), "--quiet"]) == 0
    verified, _, rest = out.read_text(encoding="utf-8").partition("## Definitions")
    assert r"\delta^l = \left( (w^{l+1})^T \delta^{l+1} \right) \odot \sigma'(z^l)" in verified
    assert "proved for all widths and depths" in verified and "z^l = w^l a^{l-1} + b^l" in rest
    if shutil.which("pdflatex"):
        done = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", tex.name], cwd=tmp_path,
                              capture_output=True, text=True, errors="replace", timeout=120)
        assert done.returncode == 0, done.stdout[-2000:]
    wrong = tmp_path / "wrong.md"
    wrong.write_text(source.read_text(encoding="utf-8").replace("(w^{l+1})^T", "w^{l+1}"), encoding="utf-8")
    assert main(["export", str(wrong), "--markdown", str(out), "--quiet"]) == 1
    verified, _, failed = out.read_text(encoding="utf-8").partition("## Rows that did not pass (not verified)")
    assert r"\left( w^{l+1} \delta^{l+1} \right)" in failed and "shapes do not match" in failed
    assert r"w^{l+1} \delta^{l+1}" not in verified
    assert main(["export", str(source), "--markdown", str(out), "--form", "vector", "--quiet"]) == 2


def test_an_equation_of_numbers_made_of_vectors_is_read_entry_by_entry():
    assert one(r"y^T y = \|y\|^2").status is Status.PASSED
    assert one(r"(a^{l})^T \delta^{l} = \sum_{i=1}^{s_l} a^l_i \delta^l_i").status is Status.PASSED
    assert one(r"(a^{l})^T \delta^{l} = \sum_{i=1}^{s_l} a^l_i \delta^l_i + 1").status is Status.FAILED
    wrong = one(r"(a^{l})^T \delta^{l+1} = 0")
    assert wrong.status is Status.FAILED and "shapes do not match" in wrong.reason
