"""The network spec, its symbols in the seed's notation, the forward pass and the loss J(W,b)."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from derive.errors import ClaimError, SpecError
from derive.model.loss import full_loss, sample_loss
from derive.model.network import Network, forward


@pytest.mark.parametrize("kwargs, message", [
    (dict(sizes=()), r"at least two layers, got 0"),
    (dict(sizes=(3,)), r"at least two layers, got 1"),
    (dict(sizes=(2, 0, 2)), r"layer 2 has width 0"),
    (dict(sizes=(2, -3)), r"layer 2 has width -3"),
    (dict(sizes=(2.0, 2)), r"layer 1 has width 2\.0"),
    (dict(sizes=(2, "3")), r"layer 2 has width 3"),
    (dict(sizes=(True, 2)), r"layer 1 has width True"),
    (dict(sizes=(2, 2), m=0), r"number of samples m .* got 0"),
    (dict(sizes=(2, 2), m=-1), r"number of samples m .* got -1"),
    (dict(sizes=(2, 2), m=1.5), r"number of samples m .* got 1\.5"),
    (dict(sizes=(2, 2), engine="numpy"), r"unknown engine 'numpy'.*symengine.*sympy"),
    (dict(sizes=(2, 2), engine="SymPy"), r"unknown engine 'SymPy'"),
    (dict(sizes=(2, 2), lam="0.1"), r"λ must be a finite number or None"),
    (dict(sizes=(2, 2), lam=float("nan")), r"λ must be a finite number or None"),
], ids=["no layers", "one layer", "width 0", "negative width", "float width", "str width", "bool width",
        "m=0", "m<0", "m not whole", "engine numpy", "engine case", "lambda str", "lambda nan"])
def test_bad_network_spec_raises_spec_error_naming_the_problem(kwargs, message):
    with pytest.raises(SpecError, match=message):
        Network(**kwargs)


def test_valid_spec_is_normalised_and_counted():
    net = Network([2, 3, 1], m=1, lam=0)
    assert net.sizes == (2, 3, 1) and net.n_l == 3
    assert [net.s(l) for l in (1, 2, 3)] == [2, 3, 1]
    assert list(net.units(2)) == [1, 2, 3] and list(net.samples) == [1]
    assert net.parameter_count == 3 * 2 + 3 + 1 * 3 + 1 == len(set(net.parameters))


@pytest.mark.parametrize("sizes", [(2, 3, 4), (4, 1, 2), (3, 3)])
@pytest.mark.parametrize("engine", ["symengine", "sympy"])
def test_weight_W_l_is_s_next_by_s_l_and_bias_b_l_has_s_next_entries(sizes, engine):
    net = Network(sizes, engine=engine)
    assert set(net.W) == set(net.b) == set(range(1, len(sizes)))
    for l in range(1, net.n_l):
        rows, cols = sizes[l], sizes[l - 1]  # s_{l+1} × s_l
        assert set(net.W[l]) == {(i, j) for i in range(1, rows + 1) for j in range(1, cols + 1)}
        assert set(net.b[l]) == set(range(1, rows + 1))
        assert str(net.W[l][rows, cols]) == f"W^{l}_{{{rows},{cols}}}"
        with pytest.raises(ClaimError, match=rf"W\^{l}_\{{{rows + 1},1\}} does not exist"):
            net.W[l][rows + 1, 1]
        with pytest.raises(ClaimError, match=rf"b\^{l}_\{{{rows + 1}\}} does not exist"):
            net.b[l][rows + 1]
    with pytest.raises(ClaimError, match=rf"W_\{{{len(sizes)}\}} does not exist"):
        net.W[len(sizes)]


def test_W_l_ij_connects_unit_j_of_layer_l_to_unit_i_of_layer_l_plus_1():
    net = Network((2, 3, 2), engine="sympy")
    fw = forward(net, net.x())
    x = net.x()
    # z^2_3 = W^1_{3,1} x_1 + W^1_{3,2} x_2 + b^1_3
    assert sympy.expand(fw.z[2][3] - (net.W[1][3, 1] * x[1] + net.W[1][3, 2] * x[2] + net.b[1][3])) == 0
    assert sympy.diff(fw.z[2][3], x[2]) == net.W[1][3, 2]
    # z^3_1 = Σ_j W^2_{1,j} f(z^2_j) + b^2_1
    f = net.eng.f
    assert sympy.expand(fw.z[3][1] - sum(net.W[2][1, j] * f(fw.z[2][j]) for j in (1, 2, 3)) - net.b[2][1]) == 0
    assert fw.a[1] == x and fw.a[3][2] == f(fw.z[3][2]) and fw.start == 1


@pytest.mark.parametrize("engine", ["symengine", "sympy"])
def test_cut_forward_pass_starts_from_fresh_z_symbols(engine):
    net = Network((2, 3, 3, 2), engine=engine)
    fw = forward(net, cut=3)
    assert fw.start == 3 and set(fw.z) == {3, 4} and set(fw.a) == {3, 4}
    zeta = fw.z[3]
    assert all(isinstance(s, net.eng.xp.Symbol) and str(s) == f"z^3_{{{i}}}" for i, s in zeta.items())
    assert set(zeta) == set(net.units(3))
    # fresh: not the uncut z^3 (a function of x and W^1, W^2), and none of the network's own symbols
    uncut = forward(net, net.x())
    assert all(zeta[i] != uncut.z[3][i] for i in zeta)
    assert not set(zeta.values()) & {*net.parameters, *net.x().values(), *net.y().values()}
    assert fw.a[3] == {i: net.eng.f(s) for i, s in zeta.items()}
    # z^4 depends on the cut symbols, W^3 and b^3 only: nothing below the cut leaks in
    below = {*net.W[1].values(), *net.b[1].values(), *net.W[2].values(), *net.b[2].values(), *net.x().values()}
    for i, zi in fw.z[4].items():
        free = zi.free_symbols
        assert set(zeta.values()) <= free and not free & below
        assert net.W[3][i, 1] in free and net.b[3][i] in free


def test_full_loss_contains_half_lambda_times_the_squared_weights_and_no_bias_squares():
    net = Network((2, 3, 2), engine="sympy")
    J = full_loss(net)
    lam = net.lam_symbol
    decay = sympy.diff(J, lam)  # λ enters only through (λ/2) Σ_l Σ_i Σ_j (W^l_ji)²
    weights = [w for l in net.W for w in net.W[l].values()]
    assert sympy.expand(decay - sympy.Rational(1, 2) * sum(w**2 for w in weights)) == 0
    assert not decay.free_symbols & {b for l in net.b for b in net.b[l].values()}
    assert sympy.diff(J, lam, 2) == 0
    # every bias appears in J, but only through the data term: ∂²J/∂λ∂b = 0
    for l in net.b:
        for b in net.b[l].values():
            assert b in J.free_symbols and sympy.diff(decay, b) == 0


@pytest.mark.parametrize("lam, coefficient", [(Fraction(1, 3), sympy.Rational(1, 6)), (0.5, 0.25), (0, 0)],
                         ids=["lam=1/3", "lam=0.5", "lam=0"])
def test_full_loss_with_a_fixed_lambda_has_that_decay_coefficient(lam, coefficient):
    net = Network((2, 2), lam=lam, engine="sympy")
    data = sum(sample_loss(net, forward(net, net.x(k)), net.y(k)) for k in net.samples) / net.m
    rest = sympy.expand(full_loss(net) - data)
    weights = [w for w in net.W[1].values()]
    assert sympy.expand(rest - coefficient * sum(w**2 for w in weights)) == 0
    assert "lambda" not in {str(s) for s in full_loss(net).free_symbols}


def test_full_loss_of_a_one_unit_network_is_the_seed_formula():
    # J(W,b) = (1/m) Σ_k ½ (f(W x^(k) + b) − y^(k))² + (λ/2) W², written out by hand for m = 3
    net = Network((1, 1), m=3, engine="sympy")
    W, b, f, lam = net.W[1][1, 1], net.b[1][1], net.eng.f, net.lam_symbol
    by_hand = sum(sympy.Rational(1, 2) * (f(W * net.x(k)[1] + b) - net.y(k)[1]) ** 2 for k in (1, 2, 3)) / 3
    by_hand += lam / 2 * W**2
    assert sympy.expand(full_loss(net) - by_hand) == 0


def test_sample_symbols_are_distinct_per_sample():
    net = Network((2, 1), m=3)
    names = {str(s) for k in (None, 1, 2, 3) for s in (*net.x(k).values(), *net.y(k).values())}
    assert len(names) == 4 * (2 + 1)
