"""The batch form of vectorised backprop (samples as columns), read where the file defines it: each feature
with a twin that must fail or stay unread."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from checks.derivation import check_text
from checks.results import Status
from derive.errors import NotUnderstood, ParseError
from derive.meaning.indices import ShapeError
from derive.meaning.lower import Shape, lower_equation, shape_of
from derive.model.network import Network
from derive.reader import Sym, Transpose, Var, parse_equation, parse_expression
from derive.reader.ast import Add, Columns, Num, Pow

NETS = (Network((2, 3, 2)), Network((2, 3, 3, 2)))
BATCH = (Path(__file__).parent / "derivations" / "vector-batch.md").read_text(encoding="utf-8")
DEFINITIONS = r"""
$$ X = \left[x^{(1)}, x^{(2)}, \dots, x^{(m)}\right] $$
$$ Y = \left[y^{(1)}, y^{(2)}, \dots, y^{(m)}\right] $$
$$ Z^{(l)} = \left[z^{(l)(1)}, z^{(l)(2)}, \dots, z^{(l)(m)}\right] $$
$$ A^{(l)} = \left[a^{(l)(1)}, a^{(l)(2)}, \dots, a^{(l)(m)}\right] $$
$$ \Delta^{(l)} = \left[\delta^{(l)(1)}, \delta^{(l)(2)}, \dots, \delta^{(l)(m)}\right] $$
"""


def _results(text: str):
    return [r for r in check_text(text, "t.md", NETS).results if r.status is not Status.DEFINITION]


def _one(row: str, definitions: str = DEFINITIONS):
    (result,) = _results(definitions + f"\n$$ {row} $$\n")
    return result


def _forward(row: str):
    """A forward-pass row, which the model reader may take as the file's definition of the forward pass."""
    (result,) = check_text(f"$$ {row} $$\n", "t.md", NETS).results
    return result


# reading the notation


@pytest.mark.parametrize("text", [r"\left[x^{(1)}, x^{(2)}, \dots, x^{(m)}\right]",
                                  r"\begin{bmatrix} x^{(1)} & x^{(2)} & \cdots & x^{(m)} \end{bmatrix}",
                                  r"[x^{(1)}, x^{(2)}, \ldots, x^{(m)}]", r"[x^{(1)} \; x^{(2)} \; \cdots \; x^{(m)}]"])
def test_a_matrix_written_as_its_columns_is_read_as_columns(text):
    node = parse_expression(text)
    assert node == Columns((Sym("x", sample=Num(Fraction(1))), Sym("x", sample=Num(Fraction(2))),
                            Sym("x", sample=Var("m"))), 2)
    assert parse_expression(str(node)) == node


def test_a_bracket_without_commas_keeps_its_reading_as_a_group():
    assert not isinstance(parse_expression("[a + b]"), Columns)
    assert not isinstance(parse_expression("[x^{(1)} x^{(2)}]"), Columns)  # no ellipsis: a product


def test_two_ellipses_among_the_columns_are_refused():
    with pytest.raises(ParseError, match="second ellipsis"):
        parse_expression(r"[x^{(1)}, \dots, x^{(2)}, \dots, x^{(m)}]")


def test_a_quantity_of_one_sample_is_read_with_layer_then_sample():
    node = parse_expression(r"\delta^{(l+1)(k)}_i")
    assert isinstance(node, Sym) and node.name == "delta" and node.sample == Var("k")
    assert node.sup == Add((Var("l"), Num(Fraction(1)))) and parse_expression(str(node)) == node


def test_anything_but_a_sample_after_the_layer_is_still_refused():
    with pytest.raises(ParseError):
        parse_expression(r"a^{(l)Q}")


def test_bold_one_alone_is_the_vector_of_ones():
    assert parse_expression(r"\mathbf{1}^T") == Transpose(Sym("ones"))
    assert parse_expression(str(Transpose(Sym("ones")))) == Transpose(Sym("ones"))


def test_bold_one_before_a_condition_is_still_the_unit_step():
    assert parse_expression(r"\mathbf{1}[z > 0]") != Sym("ones")


def test_a_capital_with_a_parenthesised_layer_names_a_batch_matrix():
    assert parse_expression(r"A^{(l+1)}") == Sym("A", (), Add((Var("l"), Num(Fraction(1)))))
    assert parse_expression(r"\left(A^{(l)}\right)^T") == parse_expression(r"A^{(l)T}")


def test_a_capital_with_a_plain_superscript_is_still_a_power():
    assert isinstance(parse_expression(r"A^2"), Pow)


def test_a_row_giving_the_columns_of_a_batch_name_defines_it():
    assert parse_equation(r"A^{(l)} = \left[a^{(l)(1)}, \dots, a^{(l)(m)}\right]").defines


def test_a_row_equating_a_capital_with_one_column_defines_nothing():
    assert not parse_equation(r"X = x^{(1)}").defines


# shapes


def test_a_matrix_of_columns_is_layer_width_by_m():
    shape = shape_of(parse_expression(r"\left[a^{(l)(1)}, \dots, a^{(l)(m)}\right]"))
    assert str(shape) == "is s_l × m" and shape.same(Shape(Var("l"), Var("m")))


def test_columns_times_columns_without_a_transpose_is_a_shape_failure_naming_m():
    with pytest.raises(ShapeError, match="s_l × m"):
        shape_of(parse_expression(r"\left[\delta^{(l+1)(1)}, \dots, \delta^{(l+1)(m)}\right] "
                                  r"\left[a^{(l)(1)}, \dots, a^{(l)(m)}\right]"))


def test_a_vector_broadcast_over_the_columns_is_a_shape_failure():
    cols = r"\left[z^{(l+1)(1)}, \dots, z^{(l+1)(m)}\right]"
    assert lower_equation(parse_expression(cols), parse_expression(r"b^{(l)} \mathbf{1}^T")) is not None
    with pytest.raises(ShapeError, match=r"added to every column as b \\mathbf\{1\}\^T"):
        shape_of(parse_expression(r"W^{(l)} \left[a^{(l)(1)}, \dots, a^{(l)(m)}\right] + b^{(l)}"))


@pytest.mark.parametrize("text", [r"\left[x^{(1)}, x^{(3)}, \dots, x^{(m)}\right]", r"\left[x^{(1)}, x^{(m)}\right]",
                                  r"\left[x^{(1)}, \dots, x^{(n)}\right]", r"\left[W^{(1)}, \dots, W^{(m)}\right]"])
def test_columns_that_do_not_run_over_the_samples_are_not_read(text):
    with pytest.raises(NotUnderstood, match="matrix of columns"):
        shape_of(parse_expression(text))


# values: a, z and δ of one sample


def test_the_weighted_input_of_sample_k_is_the_forward_pass_of_x_k():
    row = _forward(r"z^{(2)(k)}_i = \sum_{j=1}^{s_1} W^{1}_{ij} x^{(k)}_j + b^{1}_i")
    assert row.status in (Status.PASSED, Status.DEFINITION) and row.symbolic is Status.PROVED, row.reason


def test_the_weighted_input_of_sample_k_is_not_that_of_another_sample():
    row = _forward(r"z^{(2)(2)}_i = \sum_{j=1}^{s_1} W^{1}_{ij} x^{(1)}_j + b^{1}_i")
    assert row.status is Status.FAILED


def test_the_residual_of_sample_k_uses_the_targets_of_sample_k():
    row = _one(r"\delta^{(n_l)(k)}_i = -\left(y^{(k)}_i - a^{(n_l)(k)}_i\right) f'(z^{(n_l)(k)}_i)", "")
    assert row.status is Status.PASSED and row.scope is not None and row.scope.kind == "all", row.reason


def test_the_residual_of_sample_k_with_the_targets_of_sample_one_fails():
    row = _one(r"\delta^{(n_l)(k)}_i = -\left(y^{(1)}_i - a^{(n_l)(k)}_i\right) f'(z^{(n_l)(k)}_i)", "")
    assert row.status is Status.FAILED


def test_a_parameter_has_no_sample():
    row = _one(r"W^{(1)(k)}_{ij} = W^{1}_{ij}", "")
    assert row.status is Status.NOT_CHECKED and "no sample" in row.reason


def test_the_activation_of_sample_k_is_f_of_its_weighted_input():
    row = _forward(r"a^{(2)(k)}_i = f(z^{(2)(k)}_i)")
    assert row.status in (Status.PASSED, Status.DEFINITION) and row.symbolic is Status.PROVED, row.reason


def test_the_activation_of_sample_k_is_not_f_of_another_samples_input():
    row = _forward(r"a^{(2)(k)}_i = f(z^{(2)(1)}_i)")
    assert row.status is Status.FAILED


# the batch form, defined


def test_the_batch_derivation_checks_clean_for_all_widths():
    results = _results(BATCH)
    assert results and all(r.status is Status.PASSED for r in results), [(r.step.line, r.reason) for r in results]
    assert all(r.scope is not None and r.scope.kind == "all" for r in results)


def test_the_batch_weight_gradient_sums_over_the_columns():
    row = _one(r"\nabla_{W^{(l)}} J(W,b) = \frac{1}{m} \Delta^{(l+1)} \left(A^{(l)}\right)^T + \lambda W^{(l)}")
    assert row.status is Status.PASSED, row.reason


def test_the_batch_weight_gradient_without_its_mean_fails():
    row = _one(r"\nabla_{W^{(l)}} J(W,b) = \Delta^{(l+1)} \left(A^{(l)}\right)^T + \lambda W^{(l)}")
    assert row.status is Status.FAILED and "shapes" not in row.reason


def test_the_batch_bias_gradient_is_the_mean_column():
    assert _one(r"\nabla_{b^{(l)}} J(W,b) = \frac{1}{m} \Delta^{(l+1)} \mathbf{1}").status is Status.PASSED


def test_the_batch_bias_gradient_with_weight_decay_fails():
    row = _one(r"\nabla_{b^{(l)}} J(W,b) = \frac{1}{m} \Delta^{(l+1)} \mathbf{1} + \lambda b^{(l)}")
    assert row.status is Status.FAILED


def test_the_outer_product_with_the_next_layer_is_a_shape_failure():
    row = _one(r"\nabla_{W^{(l)}} J(W,b) = \frac{1}{m} \Delta^{(l+1)} \left(A^{(l+1)}\right)^T + \lambda W^{(l)}")
    assert row.status is Status.FAILED and row.reason.startswith("shapes do not match")


# the batch form, not defined


@pytest.mark.parametrize("row", [r"Z^{(l+1)} = W^{(l)} A^{(l)} + b^{(l)} \mathbf{1}^T",
                                 r"\nabla_{b^{(l)}} J(W,b) = \frac{1}{m} \Delta^{(l+1)} \mathbf{1}",
                                 r"A^{(1)} = X"])
def test_batch_matrices_no_row_defines_are_not_checked_and_say_why(row):
    result = _one(row, "")
    assert result.status is Status.NOT_CHECKED and "is not defined" in result.reason


def test_a_batch_matrix_defined_by_its_columns_is_checked():
    assert _one(r"A^{(1)} = X").status is Status.PASSED


def test_the_weight_gradient_as_a_mean_of_per_sample_outer_products_holds():
    row = _one(r"\nabla_{W^{(l)}} J(W,b) = \frac{1}{m} \sum_{k=1}^{m} \delta^{(l+1)(k)} \left(a^{(l)(k)}\right)^T"
               r" + \lambda W^{(l)}", "")
    assert row.status is Status.PASSED and row.scope is not None and row.scope.kind == "all", row.reason


def test_the_bias_gradient_as_a_sum_of_per_sample_residuals_without_the_mean_fails():
    assert _one(r"\nabla_{b^{(l)}} J(W,b) = \sum_{k=1}^{m} \delta^{(l+1)(k)}", "").status is Status.FAILED


def test_a_shape_failure_names_the_batch_matrices_as_the_file_named_them():
    row = _one(r"\nabla_{W^{(l)}} J(W,b) = \frac{1}{m} \Delta^{(l+1)} A^{(l)} + \lambda W^{(l)}")
    assert row.status is Status.FAILED, row.reason
    assert r"\Delta^{(l + 1)} A^{(l)}: the left factor is s_{l+1} × m, the right is s_l × m" in row.reason


@pytest.mark.parametrize("engine", ["symengine", "sympy"])
def test_the_residual_of_sample_k_holds_on_either_engine(engine):
    nets = (Network((2, 3, 2), engine=engine),)
    text = DEFINITIONS + "\n$$ \\Delta^{(n_l)} = -\\left(Y - A^{(n_l)}\\right) \\odot f'(Z^{(n_l)}) $$\n"
    (row,) = [r for r in check_text(text, "t.md", nets).results if r.status is not Status.DEFINITION]
    assert row.status is Status.PASSED, row.reason


def test_the_residual_of_sample_k_with_the_first_samples_targets_fails_on_sympy():
    nets = (Network((2, 3, 2), engine="sympy"),)
    text = "$$ \\delta^{(n_l)(2)}_i = -\\left(y^{(1)}_i - a^{(n_l)(2)}_i\\right) f'(z^{(n_l)(2)}_i) $$\n"
    (row,) = check_text(text, "t.md", nets).results
    assert row.status is Status.FAILED


# the all-widths proof: where one sample's quantities at the window's edges are written, it does not reach


def test_the_batch_rows_are_proved_for_all_widths_but_not_where_the_window_edges_would_show():
    right = _one(r"\Delta^{(l)} = \left(\left(W^{(l)}\right)^T \Delta^{(l+1)}\right) \odot f'(Z^{(l)})")
    assert right.status is Status.PASSED and right.scope.kind == "all", right
    # δ^{(l+1)(k)} beside f'(z^{(l+1)(k)}): the width-1 tail makes δ/f' rank 1 over the samples
    edge = _one(r"\Delta^{(l+1)} \odot f'(Z^{(l+1)}) = \Delta^{(l+1)} \odot f'(Z^{(l+1)})")
    assert edge.status is Status.PASSED and edge.scope.kind == "test networks", edge
    assert "the top of the window" in edge.scope.label
    # z^{(l)(k)} outside f at the bottom: the width-1 layer below makes it rank ≤ 2 over the samples
    bottom = _one(r"Z^{(l)} \odot Z^{(l)} = Z^{(l)} \odot Z^{(l)}")
    assert bottom.status is Status.PASSED and bottom.scope.kind == "test networks", bottom
    assert "z outside f at the bottom" in bottom.scope.label
