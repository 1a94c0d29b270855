"""Reading vector form (issue 10): transposes, entrywise products, gradients, bold type, diag, norms, the
Kronecker delta, and what a display adds around its equations.

Each form parses to the node derive.meaning.lower consumes, and str() of it parses back to the same node;
each has a near-miss twin that is a one-line ParseError. Through checks.derivation, the UFLDL recurrence
with its transpose passes and without it fails on shapes, and two equations in one display are two claims.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from checks.derivation import DEFAULT_SIZES, check_text
from checks.results import Status
from derive.errors import ParseError
from derive.model.network import Network
from derive.reader import display_equations, parse_equation, parse_expression
from derive.reader.ast import (
    Add,
    Call,
    Derivative,
    Frac,
    Hadamard,
    Kronecker,
    Mul,
    Neg,
    Norm,
    Num,
    Pow,
    Qualified,
    Sym,
    Transpose,
    Var,
)

l, i, j, k, N_L = Var("l"), Var("i"), Var("j"), Var("k"), Var("n_l")
ONE, TWO = Num(Fraction(1)), Num(Fraction(2))
W, A, B, DELTA, Z = (Sym(name, (), l) for name in ("W", "a", "b", "delta", "z"))
DELTA_NEXT = Sym("delta", (), Add((l, ONE)))
LOSS = Call("J", (Sym("W"), Sym("b"), Sym("x"), Sym("y")), semicolon=True)
NETS = tuple(Network(s) for s in DEFAULT_SIZES)
RECURRENCE = Hadamard((Mul((Transpose(W), DELTA_NEXT)), Call("f'", (Z,))))


def parses_to(text: str, expected) -> None:
    node = parse_expression(text)
    assert node == expected, f"{text!r} gave {node}"
    assert parse_expression(str(node)) == node, f"str() of {text!r}, {node}, does not parse back"


def refused(text: str, match: str) -> None:
    with pytest.raises(ParseError, match=match) as caught:
        parse_expression(text)
    assert "\n" not in str(caught.value) and "column" in str(caught.value)


# ------------------------------------------------------------------ transposes


@pytest.mark.parametrize("text", ["W^T", "W^{T}", r"W^\top", r"W^{\top}", r"W^\intercal", r"W^{\intercal}",
                                  r"W^{\mathsf T}", r"W^{\mathsf{T}}", r"W^{\mathrm{T}}"])
def test_every_spelling_of_a_transpose_reads_as_one(text):
    parses_to(text, Transpose(Sym("W")))


@pytest.mark.parametrize("text, expected", [
    ("(W^{(l)})^T", Transpose(W)), (r"\left(a^{(l)}\right)^{\top}", Transpose(A)),
    ("W^{(l)T}", Transpose(W)), (r"W^{(l)\top}", Transpose(W)), (r"a^{(l)\top}", Transpose(A)),
    (r"W^{l\,T}", Transpose(W)), (r"\delta^{(l+1)T}", Transpose(DELTA_NEXT)),
    (r"x^{(i)T}", Transpose(Sym("x", sample=i))),
])
def test_a_transpose_of_a_layer_quantity_alone_or_after_its_layer(text, expected):
    parses_to(text, expected)


@pytest.mark.parametrize("text, match", [
    ("W^{(l)Q}", "'Q' after the layer of W"), ("W_{ij}^T", "transpose of the entry W_{ij}"),
    ("W^{(l)}^T", "double superscript"), ("W^T^{(l)}", "double superscript"),
    (r"W^{\mathsf Q}", r"\\mathsf is read only as the transpose"),
])
def test_a_near_miss_of_a_transpose_is_one_line(text, match):
    refused(text, match)


@pytest.mark.parametrize("text, expected", [
    ("W'", Transpose(Sym("W"))), ("W'^{(l)}", Transpose(W)), (r"W^{(l)\prime}", Transpose(W)),
    ("(W^{(l)})'", Transpose(W)), (r"\left(W^{(l)}\right)^{\prime}", Transpose(W)), ("w'", Transpose(Sym("w"))),
    ("f'(z^{(l)})", Call("f'", (Z,))), (r"\sigma'(z^{(l)})", Call("sigma'", (Z,))), ("g'(z)", Call("g'", (Sym("z"),))),
])
def test_a_prime_transposes_a_weight_and_differentiates_a_function(text, expected):
    parses_to(text, expected)


@pytest.mark.parametrize("text, match", [
    ("(f(z))'", "a prime on"), (r"a^{(l)\prime}", r"after the layer of a"), ("(a^{(l)})'", "a prime on"),
    ("a'^T", "a transpose of a'"),
])
def test_a_prime_that_is_neither_a_weights_transpose_nor_a_derivative_is_refused(text, match):
    refused(text, match)


# ------------------------------------------------------------------ entrywise products


@pytest.mark.parametrize("op", [r"\odot", r"\circ", r"\bullet", ".*"])
def test_an_entrywise_product_joins_the_products_on_either_side(op):
    parses_to(f"a b {op} c d", Hadamard((Mul((Sym("a"), Sym("b"))), Mul((Sym("c"), Sym("d"))))))


def test_entrywise_products_chain_left_to_right_and_a_sign_takes_them_all():
    parses_to(r"a \odot b \circ c", Hadamard((Sym("a"), Sym("b"), Sym("c"))))
    parses_to(r"(a \odot b) \odot c", Hadamard((Sym("a"), Sym("b"), Sym("c"))))
    parses_to(r"-a \odot b + c", Add((Neg(Hadamard((Sym("a"), Sym("b")))), Sym("c"))))
    parses_to(r"c\,(a \odot b)", Mul((Sym("c"), Hadamard((Sym("a"), Sym("b"))))))


def test_the_recurrences_people_write_with_entrywise_products():
    parses_to(r"((W^{(l)})^T \delta^{(l+1)}) \bullet f'(z^{(l)})", RECURRENCE)
    parses_to(r"\left((W^{(l)})^{\top} \delta^{(l+1)}\right) \odot f'(z^{(l)})", RECURRENCE)
    output = Sym("z", (), Var("L"))
    parses_to(r"\nabla_a C \odot \sigma'(z^L)",
              Hadamard((Derivative(Sym("a", (), N_L), LOSS), Call("sigma'", (output,)))))


@pytest.mark.parametrize("text", [r"a \odot", r"\odot a", r"a \odot \odot b"])
def test_an_entrywise_product_without_both_sides_is_one_line(text):
    refused(text, "expected an expression")


# ------------------------------------------------------------------ gradients


@pytest.mark.parametrize("text, expected", [
    (r"\nabla_{W^{(l)}} J(W,b;x,y)", Derivative(W, LOSS)),
    (r"\nabla_{b^{(l)}} J", Derivative(B, LOSS)),
    (r"\nabla_a C", Derivative(Sym("a", (), N_L), LOSS)),
    (r"\nabla_{a^L} C", Derivative(Sym("a", (), Var("L")), LOSS)),
    (r"\nabla_{\mathbf{W}^{(l)}} \frac{1}{2} \|h - y\|^2",
     Derivative(W, Mul((Frac(ONE, TWO), Pow(Norm(Add((Sym("h"), Neg(Sym("y"))))), TWO))))),
    (r"\frac{\partial}{\partial W^{(l)}} J(W,b;x,y)", Derivative(W, LOSS)),
    (r"\frac{\partial J}{\partial W^{(l)}}", Derivative(W, LOSS)),
    (r"\frac{\partial C}{\partial b^l}", Derivative(B, LOSS)),
])
def test_a_gradient_is_the_derivative_of_the_rest_of_the_product(text, expected):
    parses_to(text, expected)


@pytest.mark.parametrize("text, match", [
    (r"\nabla J", r"write what \\nabla differentiates by"),
    (r"\nabla_{2} J", "a gradient by 2"),
    (r"\nabla_{a^l}", "without what it differentiates"),
    (r"\nabla_{a^l} J \cdot e_j", "a dot product with a gradient is not read"),
])
def test_a_gradient_near_miss_is_one_line(text, match):
    refused(text, match)


# ------------------------------------------------------------------ bold type and diag


@pytest.mark.parametrize("text, expected", [
    (r"\mathbf{W}^{(l)}", W), (r"\mathbf{a}^{(l)}", A), (r"\boldsymbol{\delta}^{(l)}", DELTA),
    (r"\bm{b}^{(l)}", B), (r"\mathbf{W^{(l)}}", W), (r"\bm W^{(l)}", W), (r"\mathbf{W}^{(l)T}", Transpose(W)),
])
def test_bold_type_changes_nothing(text, expected):
    parses_to(text, expected)


@pytest.mark.parametrize("text", [r"\operatorname{diag}(f'(z^{(l)}))", r"\mathrm{diag}(f'(z^{(l)}))",
                                  r"\text{diag}(f'(z^{(l)}))", r"\text{ diag }\left(f'(z^{(l)})\right)"])
def test_diag_is_a_function_however_it_is_spelled(text):
    parses_to(text, Call("diag", (Call("f'", (Z,)),)))


@pytest.mark.parametrize("text, match", [(r"\mathbf{0}", r"\\mathbf\{0\} is not read"),
                                         (r"\operatorname{diagonal}(v)", "unknown function"),
                                         (r"\mathrm{G}(v)", "unknown function")])
def test_bold_numbers_and_other_names_are_refused(text, match):
    refused(text, match)


def test_the_indicator_in_bold_is_still_the_indicator():
    assert parse_expression(r"\mathbf{1}_{z^l_i > 0}") == Call("H", (Sym("z", (i,), l),))


# ------------------------------------------------------------------ norms


@pytest.mark.parametrize("text, x", [
    (r"\|W^{(l)}\|_F^2", W), (r"\left\| W^{(l)} \right\|_F^2", W), (r"\lVert W^{(l)} \rVert_F^2", W),
    (r"\Vert W^{(l)} \Vert_{F}^{2}", W), (r"\|W^{(l)}\|^2_F", W), (r"\|W^{(l)}\|_{\mathrm{F}}^2", W),
    (r"\|v\|_2^2", Sym("v")), (r"\|v\|^2_2", Sym("v")),
])
def test_a_frobenius_or_euclidean_norm_drops_its_subscript(text, x):
    parses_to(text, Pow(Norm(x), TWO))


def test_a_sum_of_frobenius_norms_over_the_layers():
    parses_to(r"\sum_{l=1}^{n_l-1} \|W^{(l)}\|_F^2", parse_expression(r"\sum_{l=1}^{n_l-1} \|W^{(l)}\|^2"))


@pytest.mark.parametrize("text, match", [(r"\|W\|_G^2", "a norm with the subscript G"),
                                         (r"\|W\|_1", "a norm with the subscript 1"),
                                         (r"\|W\|_F_2", "double script")])
def test_any_other_subscript_of_a_norm_is_refused(text, match):
    refused(text, match)


# ------------------------------------------------------------------ the Kronecker delta


@pytest.mark.parametrize("text, expected", [
    (r"\delta_{ij}", Kronecker(i, j)), (r"\delta_{ik}", Kronecker(i, k)), (r"\delta_{i,j}", Kronecker(i, j)),
    (r"\delta_{ki}", Kronecker(k, i)), (r"\delta_{i, j+1}", Kronecker(i, Add((j, ONE)))),
])
def test_delta_with_two_indices_and_no_layer_is_the_kronecker_delta(text, expected):
    parses_to(text, expected)


@pytest.mark.parametrize("text, expected", [
    (r"\delta^{(l)}", DELTA), (r"\delta^l_i", Sym("delta", (i,), l)), (r"\delta_i", Sym("delta", (i,))),
])
def test_delta_with_a_layer_or_one_index_stays_the_residual(text, expected):
    parses_to(text, expected)


def test_delta_with_three_indices_and_no_layer_is_refused():
    refused(r"\delta_{ijk}", "a Kronecker delta has two indices")


# ------------------------------------------------------------------ around the equations of a display


@pytest.mark.parametrize("tail", [r"\tag{BP1}", r"\tag*{\text{BP1}}", r"\label{eq:bp1}", r"\nonumber", r"\notag",
                                  ".", ",", r"\,.", r"\;,", r"\quad.", r"\tag{BP1}."])
def test_tags_labels_and_a_final_stop_are_ignored(tail):
    row = r"\delta^{(l)} = ((W^{(l)})^T \delta^{(l+1)}) \bullet f'(z^{(l)})"
    assert parse_equation(f"{row} {tail}") == parse_equation(row)


def test_a_tag_without_braces_is_one_line():
    with pytest.raises(ParseError, match=r"\\tag without"):
        parse_equation(r"a = b \tag BP1")


def _rows(row: str) -> list[tuple[int, str]]:
    (block,) = display_equations(f"Text.\n\n$$\n{row}\n$$\n")
    return [(r.line, r.text) for r in block.rows]


@pytest.mark.parametrize("join", [r",\qquad", r", \quad", r"\qquad", r"\quad\text{and}\quad", r"\text{where}",
                                  r"\quad\text{with}\quad", r", \quad \text{where }"])
def test_two_equations_in_one_row_are_two_rows_at_the_same_line(join):
    assert _rows(f"z^{{(l+1)}} = W^{{(l)}} a^{{(l)}} + b^{{(l)}} {join} a^{{(l+1)}} = f(z^{{(l+1)}}).") == [
        (4, "z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}"), (4, "a^{(l+1)} = f(z^{(l+1)}).")]


@pytest.mark.parametrize("row", [r"a^l = b^l, c^l = d^l", r"a^l = b^l \quad c^l = d^l", r"x \qquad a^l = b^l",
                                 r"a^l = \left(b^l, \qquad c^l = d^l\right)"])
def test_a_comma_a_narrow_space_or_one_side_without_an_equation_does_not_split(row):
    assert _rows(row) == [(4, row)]


@pytest.mark.parametrize("tail", [r"\quad \text{for } l = 2, \dots, n_l - 1", r", \quad l = 2, \dots, n_l - 1",
                                  r"\qquad \text{for } 2 \le l \le n_l - 1",
                                  r"\quad \forall\, l \in \{2, \dots, n_l-1\}"])
def test_a_layer_qualifier_stays_with_its_row(tail):
    row = r"a^{(l)} = f(z^{(l)}), \qquad \delta^{(l)} = (W^{(l)})^T \delta^{(l+1)} \odot f'(z^{(l)})"
    rows = _rows(row + tail)
    assert [line for line, _ in rows] == [4, 4]
    first, second = (parse_equation(text) for _, text in rows)
    assert not isinstance(first.lhs, Qualified)
    assert second.lhs == Qualified(DELTA, l, TWO, Add((N_L, Neg(ONE))))


@pytest.mark.parametrize("tail, qualified", [(r"\quad \forall l", False), (r"\quad \forall\, l < n_l", True),
                                             (r"\quad \forall i, j", False), (r"\qquad \text{for all } l < n_l", True)])
def test_forall_reads_as_a_qualifier(tail, qualified):
    relation = parse_equation(r"\delta^{(l)} = (W^{(l)})^T \delta^{(l+1)} \odot f'(z^{(l)})" + tail)
    assert isinstance(relation.lhs, Qualified) is qualified
    if qualified:
        assert relation.lhs == Qualified(DELTA, l, None, Add((N_L, Neg(ONE))))


def test_forall_over_a_unit_index_with_a_bound_is_one_line():
    with pytest.raises(ParseError, match="a qualifier names the layer l"):
        parse_equation(r"\delta^{(l)} = W \quad \forall\, k < n_l")


# ------------------------------------------------------------------ through the check


def _check(rows: str):
    return check_text(f"Backprop.\n\n$$\n{rows}\n$$\n", "vector.md", NETS).results


def test_the_recurrence_with_its_transpose_passes_and_without_it_fails_on_shapes():
    (right,) = _check(r"\delta^{(l)} = ((W^{(l)})^T \delta^{(l+1)}) \odot f'(z^{(l)})")
    assert right.status is Status.PASSED, right.reason
    (wrong,) = _check(r"\delta^{(l)} = (W^{(l)} \delta^{(l+1)}) \odot f'(z^{(l)})")
    assert wrong.status is Status.FAILED and wrong.reason.startswith("shapes do not match"), wrong.reason


def test_the_weight_gradient_as_an_outer_product_passes_and_with_the_wrong_layer_fails():
    (right,) = _check(r"\nabla_{W^{(l)}} J(W,b;x,y) = \delta^{(l+1)} (a^{(l)})^\top")
    assert right.status is Status.PASSED, right.reason
    (wrong,) = _check(r"\nabla_{W^{(l)}} J(W,b;x,y) = \delta^{(l+1)} (a^{(l+1)})^\top")
    assert wrong.status is Status.FAILED, wrong.reason


def test_two_equations_in_one_display_are_two_claims_at_the_same_line():
    results = _check(r"\delta^{(l)} = ((W^{(l)})^T \delta^{(l+1)}) \odot f'(z^{(l)}), \qquad"
                     r" \nabla_{b^{(l)}} J = \delta^{(l+1)} \tag{BP3}")
    assert [(r.step.line, r.status) for r in results] == [(4, Status.PASSED), (4, Status.PASSED)]
    wrong = _check(r"\delta^{(l)} = ((W^{(l)})^T \delta^{(l+1)}) \odot f'(z^{(l)}) \quad\text{and}\quad"
                   r" \nabla_{b^{(l)}} J = \delta^{(l)}")
    assert [(r.step.line, r.status) for r in wrong] == [(4, Status.PASSED), (4, Status.FAILED)]


# ------------------------------------------------------------------ printing back


ATOMS = [r"W^{(l)}", r"(W^{(l)})^T", r"a^{(l)\top}", r"f'(z^{(l)})", r"\delta_{ij}", r"\|W^{(l)}\|_F^2",
         r"\nabla_{b^{(l)}} J(W,b;x,y)", r"\sum_k x_k", r"\operatorname{diag}(a^{(l)})", "2"]
JOINS = [" ", r" \odot ", " + ", " - ", r" \circ "]


def test_str_of_any_mix_of_vector_forms_parses_back_to_the_same_node():
    rng = random.Random(0)
    for _ in range(300):
        parts = [rng.choice(ATOMS) for _ in range(rng.randint(1, 5))]
        text = "".join(p + rng.choice(JOINS) for p in parts[:-1]) + parts[-1]
        if rng.random() < 0.3:
            text = f"-({text}) \\odot {rng.choice(ATOMS)}"
        node = parse_expression(text)
        assert parse_expression(str(node)) == node, f"{text!r} printed as {node}"
