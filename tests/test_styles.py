"""Derivations as other authors write them (tests/derivations/): each correct file checks clean against
the model it defines or declares — every row passed, a definition or skipped, none undecided — and each
copy with one planted mistake fails at the mistake's own line, with the model named in the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.derivation import DEFAULT_SIZES, check_text
from checks.results import Status
from derive.model.network import Network

HERE = Path(__file__).parent / "derivations"
NETS = tuple(Network(s) for s in DEFAULT_SIZES)  # generic f: the file's definitions choose the activation
STYLES = sorted(p.name for p in HERE.glob("*.md"))

# (file, line, old text, new text): one planted mistake each, reported at that line.
PLANTED = [
    ("nielsen.md", 10, "w^l_{jk}", "w^l_{kj}"),  # the forward pass with the weight transposed
    ("nielsen.md", 20, "a^L_j - y_j", "y_j - a^L_j"),  # BP1 with the error's sign flipped
    ("nielsen.md", 24, "w^{l+1}_{kj}", "w^{l+1}_{jk}"),  # BP2 without the transpose
    ("nielsen.md", 24, r" \sigma'(z^l_j)", ""),  # BP2 without σ'
    ("nielsen.md", 28, r"\delta^l_j", r"\delta^{l+1}_j"),  # BP3 one layer off
    ("nielsen.md", 32, "a^{l-1}_k", "a^{l}_k"),  # BP4 with the activation of the wrong layer
    ("sigmoid.md", 6, "e^{-z}", "e^{z}"),  # a definition of σ no model has
    ("sigmoid.md", 16, r"\left(1-\sigma(z)\right)", r"\left(1+\sigma(z)\right)"),  # σ' with the wrong sign
    ("sigmoid.md", 16, r"\frac{e^{-z}}{(1+e^{-z})^2}", r"\frac{e^{-z}}{1+e^{-z}}"),  # σ' without the square
    ("sigmoid.md", 22, r"a^{n_l}_i \left(1 - a^{n_l}_i\right)", r"\left(1 - a^{n_l}_i\right)"),  # σ' as 1 − a
    ("sigmoid.md", 26, "W^l_{ji}", "W^l_{ij}"),  # the recurrence without the transpose
    ("tanh.md", 8, r"1 - \tanh^2 z^{l}_i", r"1 - \tanh z^{l}_i"),  # tanh' as 1 − tanh
    ("tanh.md", 12, r"\left(1 - \left(a^{n_l}_i\right)^2\right)", r"\left(1 - a^{n_l}_i\right)"),  # 1 − a for 1 − a²
    ("tanh.md", 16, "s_{l+1}", "s_{l}"),  # the sum over the wrong layer
    ("cross-entropy.md", 4, r"(1 - y_i) \log", r"y_i \log"),  # a loss no model has
    ("cross-entropy.md", 12, r"-\frac{y_i}{a^{n_l}_i}", r"\frac{y_i}{a^{n_l}_i}"),  # ∂J/∂a with a sign lost
    ("cross-entropy.md", 16, "= a^{n_l}_i - y_i", r"= (a^{n_l}_i - y_i) a^{n_l}_i (1 - a^{n_l}_i)"),  # σ' kept
("softmax.md", 19, r"-\frac{y_k}{a^{n_l}_k}", r"\frac{y_k}{a^{n_l}_k}"),  # ∂J/∂a with the sign lost
    ("softmax.md", 23, r"\delta_{ki} - a^{n_l}_i", r"1 - a^{n_l}_i"),  # the Jacobian without its Kronecker δ
    ("softmax.md", 31, r"-y_i + a^{n_l}_i", r"y_i - a^{n_l}_i"),  # the chain's middle step with the signs flipped
    ("softmax.md", 32, "a^{n_l}_i - y_i", "y_i - a^{n_l}_i"),  # the residual's sign flipped
    ("softmax.md", 38, "W^l_{ji}", "W^l_{ij}"),  # the recurrence without the transpose
    ("softmax.md", 42, r"\delta^{l+1}_i", r"\delta^{l}_i"),  # the bias gradient one layer off
    ("relu.md", 8, r"\frac{a^{n_l}_i}{z^{n_l}_i}", "a^{n_l}_i"),  # ReLU's step written as a
    ("relu.md", 12, "W^l_{ji}", "W^l_{ij}"),  # the recurrence without the transpose
    ("relu-linear.md", 32, r"\mathbb{1}[z > 0]", r"\max(0, z)"),  # ReLU' written as ReLU itself
    ("relu-linear.md", 41, "= a^{n_l}_i - y_i", r"= \left(a^{n_l}_i - y_i\right) \mathbb{1}[z^{n_l}_i > 0]"),  # f' kept
    ("relu-linear.md", 41, "a^{n_l}_i - y_i", "y_i - a^{n_l}_i"),  # the output residual's sign flipped
    ("relu-linear.md", 51, r"\mathbb{1}[z^l_i > 0]", r"\mathbb{1}[a^{l+1}_j > 0]"),  # the step of a^{l+1}, not z^l
    ("relu-linear.md", 58, "W^l_{ji}", "W^l_{ij}"),  # the recurrence without the transpose
    ("relu-linear.md", 58, r"\left[z^l_i > 0\right]", r"\left[z^{l+1}_i > 0\right]"),  # the step at the wrong layer
    ("relu-linear.md", 66, r"a^l_j\, \delta^{l+1}_i", r"a^l_j\, \delta^{l}_i"),  # the weight gradient one layer off
    ("vector-ufldl.md", 26, r"\left(W^{(l)}\right)^T", r"W^{(l)}"),  # the recurrence without the transpose
    ("vector-ufldl.md", 32, r"\delta^{(l+1)} \left(a^{(l)}\right)^T",
     r"\left(\delta^{(l+1)}\right)^T a^{(l)}"),  # the transpose on the wrong factor
    ("vector-ufldl.md", 22, r"f'(z^{(n_l)})", r"f'(a^{(n_l)})"),  # f'(a) for f'(z)
    ("vector-ufldl.md", 32, r"\left(a^{(l)}\right)^T", r"\left(a^{(l+1)}\right)^T"),  # a^{(l+1)} in the outer product
    ("vector-ufldl.md", 46, r"y^{(i)})", r"y^{(i)}) + \lambda b^{(l)}"),  # a regularised bias
    ("vector-ufldl.md", 42, r"\frac{1}{m} ", ""),  # the 1/m missing
    ("vector-nielsen.md", 30, r"(w^{l+1})^T", r"w^{l+1}"),  # BP2 without the transpose
    ("vector-nielsen.md", 38, r"a^{l-1}", r"a^{l}"),  # BP4 with the wrong layer's activations
    ("vector-nielsen.md", 26, r"\sigma'(z^L)", r"\sigma'(a^L)"),  # BP1 with σ'(a) for σ'(z)
    ("vector-nielsen.md", 20, r"a^L - y", r"y - a^L"),  # ∇_a C with the sign flipped
    ("vector-cs231n.md", 27, r"W^{(l)\top}", r"W^{(l)}"),  # the upstream gradient without the transpose
    ("vector-cs231n.md", 31, r"a^{(l)\top}", r"a^{(l+1)\top}"),  # dW with the next layer's activations
    ("vector-cs231n.md", 23, r" \odot \mathbb{1}[z^{(n_l)} > 0]", ""),  # the output's ReLU gate dropped
    ("vector-cs231n.md", 35, r"dz^{(l+1)}", r"dz^{(l)}"),  # db one layer off
    ("vector-batch.md", 56, r"\frac{1}{m} ", ""),  # the 1/m missing
    ("vector-batch.md", 56, r"\left(A^{(l)}\right)^T", r"\left(A^{(l+1)}\right)^T"),  # A^{(l+1)} for A^{(l)}
    ("vector-batch.md", 50, r"\left(W^{(l)}\right)^T", r"W^{(l)}"),  # the recurrence without the transpose
    ("vector-batch.md", 56, r"\left(A^{(l)}\right)^T", r"\left(A^{(l)}\right)"),  # Δ A without the transpose
    ("vector-batch.md", 60, r"\mathbf{1}", r"\mathbf{1} + \lambda b^{(l)}"),  # a regularised bias
    ("vector-batch.md", 36, r" \mathbf{1}^T", ""),  # the bias broadcast, not added to each column
    ("vector-batch.md", 46, r"f'(Z^{(n_l)})", r"f'(A^{(n_l)})"),  # f'(A) for f'(Z)
    ("jekyll.md", 12, r"\left(a^{n_l}_i - y_i\right)^2", r"\left(a^{n_l}_i - y_i\right)"),  # a loss that is not one
    ("jekyll.md", 18, "a^l_j", "a^l_i"),  # the weight gradient with the wrong unit
    ("jekyll.md", 26, r"\left(a^{n_l}_i - y_i\right)", r"\left(y_i - a^{n_l}_i\right)"),  # δ with the sign flipped
]
# The planted mistakes above that make the shapes disagree: each must fail with a shape message.
SHAPE_MISTAKES = {
    ("vector-ufldl.md", 26, r"W^{(l)}"), ("vector-ufldl.md", 32, r"\left(\delta^{(l+1)}\right)^T a^{(l)}"),
    ("vector-ufldl.md", 32, r"\left(a^{(l+1)}\right)^T"), ("vector-nielsen.md", 30, r"w^{l+1}"),
    ("vector-nielsen.md", 38, r"a^{l}"), ("vector-cs231n.md", 27, r"W^{(l)}"),
    ("vector-cs231n.md", 31, r"a^{(l+1)\top}"), ("vector-cs231n.md", 35, r"dz^{(l)}"),
    ("vector-batch.md", 56, r"\left(A^{(l+1)}\right)^T"), ("vector-batch.md", 50, r"W^{(l)}"),
    ("vector-batch.md", 56, r"\left(A^{(l)}\right)"), ("vector-batch.md", 36, ""),
}


def _check(name: str, text: str):
    return check_text(text, name, NETS)


@pytest.mark.parametrize("name", STYLES)
def test_a_correct_derivation_checks_clean_against_its_own_model(name):
    report = _check(name, (HERE / name).read_text(encoding="utf-8"))
    clean = (Status.PASSED, Status.DEFINITION, Status.SKIPPED)
    assert report.passed and all(r.status in clean for r in report.results), [
        (r.step.line, r.status, r.reason) for r in report.results if r.status not in clean]
    assert not any(r.symbolic is Status.UNDECIDED for r in report.results)
    assert report.model and report.definitions + sum(r.status is Status.PASSED for r in report.results) > 0


def test_every_style_has_planted_mistakes():
    assert {name for name, *_ in PLANTED} == set(STYLES)


@pytest.mark.parametrize("name, line, old, new", PLANTED, ids=[f"{p[0]}:{p[1]}:{p[3] or 'dropped'}" for p in PLANTED])
def test_a_planted_mistake_fails_at_its_own_line(name, line, old, new):
    lines = (HERE / name).read_text(encoding="utf-8").split("\n")
    assert lines[line - 1].count(old) == 1, lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new)
    report = _check(name, "\n".join(lines))
    failed = sorted({r.step.line for r in report.results if r.status is Status.FAILED})
    # the first failure is the mistake's own line (a wrong definition may take later rows with it)
    assert failed[:1] == [line], [(r.step.line, r.status, r.reason) for r in report.results
                                  if r.status is not Status.PASSED]
    assert not report.passed and report.model
    first = next(r for r in report.results if r.status is Status.FAILED)
    if (name, line, new) in SHAPE_MISTAKES:  # a vector slip whose shapes disagree says so
        assert "shapes do not match" in first.reason, first.reason


def test_the_squared_loss_residual_under_a_cross_entropy_definition_fails_and_names_the_loss():
    lines = (HERE / "cross-entropy.md").read_text(encoding="utf-8").split("\n")
    lines[15] = r"\delta^{n_l}_i = (a^{n_l}_i - y_i)\, a^{n_l}_i \left(1 - a^{n_l}_i\right)"
    report = _check("cross-entropy.md", "\n".join(lines))
    assert [r.step.line for r in report.results if r.status is Status.FAILED] == [16]
    assert report.model.startswith("cross-entropy loss") and "the loss from line 4" in report.model
