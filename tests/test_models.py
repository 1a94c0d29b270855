"""Losses and output layers (derive.model.losses) and the relu activation: every model passes with the output
residual people write for it, a wrong residual fails at its own claim, and relu is drawn away from its kink."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from checks.draws import KINK_MARGIN, draw
from checks.report import run
from checks.results import Status
from checks.symbolic import fprime_lemma
from derive.cli import main
from derive.errors import SpecError
from derive.model.backprop import SEED_CLAIMS, claims_for, replace_claim
from derive.model.losses import LOSSES, OUTPUTS, loss, markdown_table, output, output_names
from derive.model.network import Network
from derive.primitives import activation, concrete, kinked, ops

SIZES = (2, 3, 3, 2)
README = Path(__file__).resolve().parents[1] / "README.md"

# Every loss with every output layer whose values it admits (categorical and cross-entropy need outputs in
# (0, 1) or positive ones: a linear output is refused, see below).
MODELS = [(lo, out) for lo in LOSSES for out in ("same", "linear", "sigmoid", "softmax", "tanh")
          if not (lo in ("cross-entropy", "categorical") and out in ("linear", "tanh"))]


def _passes(report) -> None:
    for r in report.results:
        assert r.passed, (r.claim.id, r.symbolic.status, r.symbolic.failure, r.symbolic.note, r.numeric.reason,
                          r.numeric.max_rel_error)
    assert report.passed


@pytest.mark.parametrize(("lo", "out"), MODELS, ids=[f"{lo}-{out}" for lo, out in MODELS])
def test_seed_claims_hold_on_every_loss_and_output_with_generic_f(lo, out):
    _passes(run(Network(SIZES, loss=lo, output=out), draws=16))


@pytest.mark.parametrize(("act", "lo", "out"), [
    ("relu", "cross-entropy", "softmax"), ("relu", "categorical", "softmax"), ("relu", "squared", "linear"),
    ("relu", "cross-entropy", "sigmoid"), ("sigmoid", "cross-entropy", "same"), ("tanh", "mean-squared", "softmax"),
    ("softplus", "categorical", "same"), ("relu", "squared-sum", "same")])
def test_seed_claims_hold_with_a_concrete_activation(act, lo, out):
    _passes(run(Network(SIZES, act, loss=lo, output=out), draws=32))


@pytest.mark.parametrize("method", ["exact", "probabilistic"])
def test_cross_entropy_with_softmax_and_relu_passes_by_both_methods(method):
    _passes(run(Network(SIZES, "relu", loss="cross-entropy", output="softmax"), method=method, draws=16))


def test_sympy_engine_agrees_on_a_new_model():
    _passes(run(Network((2, 2, 2), loss="categorical", output="softmax", engine="sympy"), draws=8))


def test_the_output_residual_is_the_one_people_write_for_the_model():
    def tex(act="generic", **model):
        return claims_for(Network(SIZES, act, **model))[0].rhs_latex

    assert tex(loss="cross-entropy", output="sigmoid") == tex("sigmoid", loss="cross-entropy") == "a^{n_l}_i - y_i"
    assert tex(loss="categorical", output="softmax") == "a^{n_l}_i - y_i"
    assert tex(loss="squared", output="linear") == r"\left(a^{n_l}_i - y_i\right)"
    assert tex(loss="cross-entropy") == (r"\frac{a^{n_l}_i - y_i}{a^{n_l}_i\left(1 - a^{n_l}_i\right)} "
                                         r"f'\!\left(z^{n_l}_i\right)")
    assert r"\sum_{k=1}^{s_{n_l}}" in tex(loss="squared", output="softmax")  # the softmax Jacobian couples units
    assert claims_for(Network(SIZES)) is SEED_CLAIMS  # the seed's model: the seed's claims, as they were
    model = claims_for(Network(SIZES, loss="cross-entropy", output="softmax"))
    assert [c.id for c in model] == [c.id for c in SEED_CLAIMS] and model[1:] == SEED_CLAIMS[1:]


def _kept_sigma_prime(v, l, i, j):
    return (v.a[l][i] - v.y[i]) * v.fprime(v.z[l][i])


def _elementwise(v, l, i, j):  # the squared loss's residual, forgetting that softmax couples the output units
    return (v.a[l][i] - v.y[i]) * v.a[l][i] * (1 - v.a[l][i])


@pytest.mark.parametrize(("act", "lo", "out", "wrong"), [
    ("sigmoid", "cross-entropy", "same", _kept_sigma_prime),  # σ' kept in the cross-entropy residual
    ("generic", "cross-entropy", "sigmoid", _kept_sigma_prime),
    ("generic", "categorical", "softmax", lambda v, l, i, j: v.y[i] - v.a[l][i]),  # the sign
    ("relu", "squared", "softmax", _elementwise),
    ("generic", "squared", "linear", lambda v, l, i, j: (v.a[l][i] - v.y[i]) * v.fprime(v.z[l][i])),  # f' kept
    ("generic", "mean-squared", "same", lambda v, l, i, j: (v.a[l][i] - v.y[i]) * v.fprime(v.z[l][i]) * 2),
])
def test_a_wrong_output_residual_fails_at_delta_output_only(act, lo, out, wrong):
    net = Network(SIZES, act, loss=lo, output=out)
    report = run(net, replace_claim(claims_for(net), "delta_output", wrong), draws=16)
    failed = [r.claim.id for r in report.results if not r.passed]
    assert failed == ["delta_output"]
    first = report.results[0]
    assert first.symbolic.status is Status.REFUTED and first.numeric.status is Status.FAILED
    assert first.symbolic.failure.entry[0] == net.n_l


def test_categorical_targets_are_a_distribution():
    net = Network((2, 3, 3), loss="categorical", output="softmax")
    y = net.y()
    assert net.eng.xp.expand(y[3] - (1 - y[1] - y[2])) == 0 and net.data() == [*net.x().values(), y[1], y[2]]
    dr = draw(net, 64, seed=1)
    for y in dr.y.values():
        assert np.allclose(y.sum(axis=0), 1.0) and (y >= 0).all()
    # a_j Σ_k y_k − y_j, the residual without Σ y = 1, is the same residual here
    exact = replace_claim(SEED_CLAIMS, "delta_output",
                          lambda v, l, i, j: v.a[l][i] * sum(v.y[k] for k in v.units(l)) - v.y[i])
    _passes(run(net, exact, draws=16))


def test_targets_that_sum_to_one_and_linked_outputs_are_proved_for_all_widths():
    # (softmax outputs: tests/test_softmax_widths.py)
    targets = run(Network(SIZES, loss="categorical", output="sigmoid"), draws=8)
    assert targets.passed and {r.symbolic.scope.kind for r in targets.results} == {"all"}
    # the window networks carry the loss and the output: a − y is proved for every width only if they do
    linked = run(Network(SIZES, loss="cross-entropy", output="sigmoid"), draws=8)
    assert {r.symbolic.scope.kind for r in linked.results} == {"all"}


def test_outputs_a_loss_does_not_admit_are_refused():
    for act, lo, out in [("generic", "cross-entropy", "linear"), ("tanh", "cross-entropy", "same"),
                         ("relu", "categorical", "same"), ("generic", "categorical", "identity")]:
        with pytest.raises(SpecError, match=f"the {lo} loss needs"):
            Network(SIZES, act, loss=lo, output=out)
    with pytest.raises(SpecError, match="unknown loss 'hinge'"):
        Network(SIZES, loss="hinge")
    with pytest.raises(SpecError, match="unknown output 'relu'"):  # a kink in the output layer: not offered
        Network(SIZES, output="relu")
    # the generic f's numeric check runs with the activations whose outputs the loss admits
    assert [a.name for a in Network(SIZES, loss="cross-entropy").tested] == ["sigmoid"]
    assert [a.name for a in Network(SIZES, loss="categorical").tested] == ["sigmoid", "softplus"]
    assert Network(SIZES, loss="cross-entropy", output="softmax").tested == concrete()


def test_registries_give_names_and_entries():
    assert loss("squared") is LOSSES["squared"] and output(None) is OUTPUTS["same"] is output("same")
    assert output("sigmoid") is output("sigmoid") and output("sigmoid").activation is activation("sigmoid")
    assert set(output_names()) == {"same", "linear", "softmax", *(a.name for a in concrete())}


# ---------------------------------------------------------------- relu


def test_relu_is_an_activation_with_a_kink_left_out_of_the_generic_sample():
    relu = activation("relu")
    assert kinked(relu) and not any(kinked(a) for a in concrete())
    assert relu not in concrete()
    assert fprime_lemma(relu) is True  # its written f' = a/z is SymPy's derivative of (z + √(z²))/2
    z = np.array([-2.0, -1e-3, 1e-3, 3.0])
    np_ops = ops("numpy")
    a = relu.f(z, np_ops)
    assert a.tolist() == [0.0, 0.0, 1e-3, 3.0] and relu.fprime(a, z, np_ops).tolist() == [0.0, 0.0, 1.0, 1.0]


@pytest.mark.parametrize("out", ["same", "softmax"])
def test_relu_draws_keep_every_pre_activation_away_from_the_kink(out):
    net = Network((3, 4, 4, 2), "relu", m=3, loss="categorical" if out == "softmax" else "squared", output=out)
    dr = draw(net, 512, seed=5)
    relu, np_ops, closest = activation("relu"), ops("numpy"), np.inf
    for x in dr.x.values():
        a = x
        for l in range(1, net.n_l):
            z = np.einsum("ijd,jd->id", dr.W[l], a) + dr.b[l]
            closest = min(closest, float(np.abs(z).min()))
            a = relu.f(z, np_ops)
    assert closest >= KINK_MARGIN == 1e-3
    assert draw(net, 512, seed=5).W[1].tobytes() == dr.W[1].tobytes()  # deterministic


def test_relu_claims_hold_and_a_missing_fprime_is_refuted():
    net = Network(SIZES, "relu")
    _passes(run(net, draws=64))
    no_fprime = replace_claim(SEED_CLAIMS, "delta_hidden",
                              lambda v, l, i, j: sum(v.W[l][k, i] * v.delta[l + 1][k] for k in v.units(l + 1)))
    report = run(net, no_fprime, draws=64)
    assert [r.claim.id for r in report.results if not r.passed] == ["delta_hidden"]
    assert report.results[1].symbolic.status is Status.REFUTED


# ---------------------------------------------------------------- command line and README


def test_check_help_offers_losses_and_outputs_from_the_registries(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"--loss {'|'.join(LOSSES)}" in text and f"--output {'|'.join(output_names())}" in text
    assert "relu" in text


def test_check_with_a_loss_and_an_output_passes_and_says_which_model(capsys):
    assert main(["check", "--loss", "cross-entropy", "--output", "softmax", "--activation", "relu", "--quiet",
                 "--draws", "16"]) == 0
    out = capsys.readouterr().out
    assert "model     loss categorical" in out and "output softmax" in out and "PASS" in out
    assert main(["check", "--loss", "categorical", "--output", "softmax", "--json", "--quiet", "--draws", "8"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["passed"] and doc["network"]["loss"] == "categorical" and doc["network"]["output"] == "softmax"
    assert doc["claims"][0]["latex"] == r"\delta^{n_l}_i = a^{n_l}_i - y_i"


def test_bad_losses_and_outputs_are_one_line_errors(capsys, tmp_path):
    assert main(["check", "--loss", "hinge", "--quiet"]) == 2
    assert main(["check", "--loss", "cross-entropy", "--output", "linear", "--quiet"]) == 2
    post = tmp_path / "post.md"
    post.write_text("$$ \\delta^{n_l}_i = -(y_i - a^{n_l}_i) f'(z^{n_l}_i) $$\n", encoding="utf-8")
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "derive: error: unknown loss 'hinge' (known: " + ", ".join(LOSSES) + ")"
    assert err[1].startswith("derive: error: the cross-entropy loss needs outputs in (0, 1)")


def test_the_command_line_supplies_the_model_a_file_leaves_out(tmp_path, capsys):
    post = tmp_path / "post.md"
    post.write_text("$$ \\delta^{n_l}_i = -(y_i - a^{n_l}_i) f'(z^{n_l}_i) $$\n", encoding="utf-8")
    assert main(["check", str(post), "--quiet"]) == 0  # the squared loss's residual
    assert main(["check", str(post), "--loss", "cross-entropy", "--output", "sigmoid", "--quiet"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "cross-entropy loss, sigmoid output" in out and "FAIL" in out
    nielsen = tmp_path / "nielsen.md"  # w^l into layer l: the same row in Nielsen's notation
    nielsen.write_text("$$ \\delta^{L}_j = (a^{L}_j - y_j) \\sigma'(z^{L}_j) $$\n", encoding="utf-8")
    assert main(["check", str(nielsen), "--convention", "nielsen", "--activation", "sigmoid", "--quiet"]) == 0
    assert main(["check", str(nielsen), "--convention", "nielsen", "--activation", "sigmoid", "--loss",
                 "cross-entropy", "--quiet"]) == 1  # the cross-entropy residual has no σ'(z^L_j)
    assert main(["check", str(nielsen), "--convention", "dutch", "--quiet"]) == 2
    assert main(["check", "--convention", "nielsen", "--quiet"]) == 2  # without a FILE there is nothing to read


def test_readme_lists_the_losses_and_outputs():
    assert markdown_table() in README.read_text(encoding="utf-8"), "regenerate the README's tables: derive primitives"
