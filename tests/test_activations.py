"""Activations: the f' people write is f's derivative, and a wrong written f' is caught."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import symengine
import sympy

from checks.symbolic import PROVED_FPRIMES, fprime_lemma, proves_fprime, written_fprime
from derive.errors import SpecError
from derive.model.backprop import SEED_CLAIMS, replace_claim
from derive.model.engines import engine
from derive.primitives import ACTIVATIONS, activation, concrete, ops

NAMES = ("sigmoid", "tanh", "softplus", "identity")
POINTS = (-3.5, -1.0, -0.25, 0.0, 0.3, 1.0, 2.75)
t = sympy.Symbol("t")
SYMPY, SYMENGINE, NUMPY = engine("sympy").ops, engine("symengine").ops, ops("numpy")


def test_concrete_activations_are_the_four_named_ones():
    assert tuple(a.name for a in concrete()) == NAMES
    assert set(ACTIVATIONS) == {"generic", *NAMES, "relu"}  # relu has a kink: tests/test_models.py
    assert activation("generic").generic and not any(a.generic for a in concrete())


@pytest.mark.parametrize("name", NAMES)
def test_written_fprime_equals_sympy_derivative_of_f(name):
    act = activation(name)
    ft = act.f(t, SYMPY)
    written = act.fprime(ft, t, SYMPY)
    true = sympy.diff(ft, t)
    # exactly, and at points to 40 digits (an independent route from fprime_lemma's rewrite)
    assert sympy.simplify(true - written) == 0
    for p in POINTS:
        gap = sympy.N((true - written).subs(t, sympy.Rational(p)), 40)
        assert abs(gap) < sympy.Float(10) ** -35, (name, p, gap)


@pytest.mark.parametrize("name", NAMES)
def test_written_fprime_in_symengine_equals_the_derivative_of_f(name):
    act = activation(name)
    x = symengine.Symbol("t")
    ft = symengine.sympify(act.f(x, SYMENGINE))
    written = act.fprime(ft, x, SYMENGINE)
    for p in POINTS:
        at = {x: symengine.Float(p)}
        true = float(ft.diff(x).subs(at))
        assert true == pytest.approx(float(symengine.sympify(written).subs(at)), rel=1e-13, abs=1e-15), (name, p)


@pytest.mark.parametrize("name", NAMES)
def test_numpy_f_and_written_fprime_match_the_symbolic_ones(name):
    act = activation(name)
    ts = np.array(POINTS)
    f = sympy.lambdify(t, act.f(t, SYMPY), "numpy")
    df = sympy.lambdify(t, sympy.diff(act.f(t, SYMPY), t), "numpy")
    np_f = lambda u: act.f(u, NUMPY)
    np_fprime = lambda u: NUMPY.lift(act.fprime(np_f(u), u, NUMPY), u)
    np.testing.assert_allclose(np_f(ts), np.broadcast_to(f(ts), ts.shape), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(np_fprime(ts), np.broadcast_to(df(ts), ts.shape), rtol=1e-13, atol=1e-15)
    # and against a central difference of the NumPy f itself
    h = 1e-6
    np.testing.assert_allclose(np_fprime(ts), (np_f(ts + h) - np_f(ts - h)) / (2 * h), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name", ("generic", *NAMES))
def test_fprime_lemma_holds(name):
    assert fprime_lemma(activation(name)) is True


def test_every_shipped_fprime_lemma_is_proved_by_sympy_and_is_a_registered_activation():
    written = {written_fprime(a): a for a in ACTIVATIONS.values() if not a.generic}
    assert PROVED_FPRIMES <= set(written)  # no stale entry
    for key in PROVED_FPRIMES:
        assert proves_fprime(written[key]) is True, key


def test_an_edited_formula_is_not_taken_from_the_shipped_table():
    wrong = dataclasses.replace(activation("tanh"), fprime=lambda a, t, o: 1 + a**2)
    assert written_fprime(wrong) not in PROVED_FPRIMES and fprime_lemma(wrong) is False


def _wrong_sigmoid():
    """Sigmoid with the slip f'(z) = a(1+a) written both symbolically and in NumPy."""
    return dataclasses.replace(activation("sigmoid"), fprime=lambda a, t, o: a * (1 + a))


@pytest.mark.parametrize("wrong", [
    lambda a, t, xp: a * (1 + a),   # sign slip
    lambda a, t, xp: 1 - a**2,      # tanh's f' for sigmoid
    lambda a, t, xp: a,             # dropped factor
], ids=["a(1+a)", "1-a^2", "a"])
def test_fprime_lemma_rejects_a_wrong_written_sigmoid_derivative(wrong):
    assert fprime_lemma(dataclasses.replace(activation("sigmoid"), fprime=wrong)) is False


def test_wrong_written_sigmoid_derivative_fails_the_residual_claims_numerically(check):
    _, results = check((2, 3, 2), act=_wrong_sigmoid())
    for claim_id in ("delta_output", "delta_hidden"):  # the claims that use f'
        num = results[claim_id].numeric
        assert num.status == "failed" and num.max_rel_error > 1e-2, (claim_id, num)
        assert num.worst.activation == "sigmoid" and num.worst.entry.startswith("δ^")
    for claim_id in ("grad_W_sample", "grad_b_sample", "grad_W", "grad_b"):  # f'-free given the true δ
        assert results[claim_id].numeric.status == "passed", claim_id


def test_wrong_written_sigmoid_derivative_is_never_proved_symbolically(check):
    # both sides are read with the same (wrong) f', so the expansions cancel; the f' lemma
    # then fails and every claim is left "undecided" with a note naming the activation
    _, results = check((2, 3, 2), act=_wrong_sigmoid())
    for claim in SEED_CLAIMS:
        sym = results[claim.id].symbolic
        assert sym.status != "proved", claim.id
        assert sym.status == "undecided" and "sigmoid" in sym.note, (claim.id, sym)


def _output_residual_as_written(fprime_in_a):
    return replace_claim(SEED_CLAIMS, "delta_output",
                         lambda v, l, i, j: -(v.y[i] - v.a[l][i]) * fprime_in_a(v.a[l][i]))


@pytest.mark.parametrize("name, fprime_in_a", [
    ("sigmoid", lambda a: a * (1 - a)),
    ("tanh", lambda a: 1 - a**2),
], ids=["sigmoid:a(1-a)", "tanh:1-a^2"])
def test_output_residual_written_in_terms_of_a_holds_for_its_activation(check, name, fprime_in_a):
    _, results = check((2, 2), _output_residual_as_written(fprime_in_a), act=name)
    assert results["delta_output"].symbolic.status == "proved"
    assert results["delta_output"].numeric.status == "passed"


@pytest.mark.parametrize("name, fprime_in_a", [
    ("tanh", lambda a: a * (1 - a)),
    ("sigmoid", lambda a: 1 - a**2),
    ("generic", lambda a: a * (1 - a)),
], ids=["tanh:a(1-a)", "sigmoid:1-a^2", "generic:a(1-a)"])
def test_output_residual_written_in_terms_of_a_is_refuted_for_another_activation(check, name, fprime_in_a):
    _, results = check((2, 2), _output_residual_as_written(fprime_in_a), act=name)
    assert results["delta_output"].symbolic.status == "refuted"
    assert results["delta_output"].numeric.status == "failed"


@pytest.mark.parametrize("name", ["gelu", "Sigmoid", ""])
def test_unknown_activation_raises_spec_error_naming_the_known_ones(name):
    with pytest.raises(SpecError, match=rf"unknown activation {name!r}.*generic.*sigmoid.*tanh.*softplus.*identity"):
        activation(name)
