"""Names an author gives (checks/aliases.py): X := E with X new names E in every later row."""

from __future__ import annotations

import pytest

from checks.derivation import DEFAULT_SIZES, check_text
from checks.results import Status
from derive.model.network import Network

NETS = tuple(Network(s) for s in DEFAULT_SIZES)


def results(*rows: str):
    return check_text("\n\n".join(f"$$\n{r}\n$$" for r in rows), "t.md", NETS).results


def test_a_name_is_a_definition_and_later_rows_read_what_it_names():
    named, right, wrong = results(r"e_i := a^{n_l}_i - y_i", r"\delta^{n_l}_i = e_i f'(z^{n_l}_i)",
                                  r"\delta^{n_l}_i = e_i")
    assert named.status is Status.DEFINITION and named.passed is None and "names e_{i}" in named.reason
    assert right.status is Status.PASSED and right.scope.kind == "all"
    assert wrong.status is Status.FAILED  # f' dropped: the name does not hide the mistake


def test_a_name_takes_the_layer_and_units_the_row_writes():
    _, right, shifted, transposed = results(
        r"dW^{l} := \frac{\partial J}{\partial W^{l}_{ij}}", r"dW^{l} = a^l_j \delta^{l+1}_i",
        r"dW^{l-1} = a^{l-1}_j \delta^{l}_i", r"dW^{l} = a^l_i \delta^{l+1}_j")
    assert right.status is Status.PASSED and shifted.status is Status.PASSED
    assert transposed.status is Status.FAILED and "shapes do not match" in transposed.reason


def test_a_bound_index_of_a_name_is_kept_apart_from_the_rows():
    _, right, wrong = results(r"g_i := \sum_{k=1}^{s_{l+1}} W^l_{ki} \delta^{l+1}_k",
                              r"\delta^l_k = g_k f'(z^l_k)", r"\delta^l_k = g_i f'(z^l_k)")
    assert right.status is Status.PASSED, right  # g_k: the sum's k renamed, not captured
    assert wrong.status is not Status.PASSED


def test_a_model_quantity_written_with_a_defining_sign_is_no_name():
    (row,) = results(r"\delta^{n_l}_i := (a^{n_l}_i - y_i) f'(z^{n_l}_i)")
    assert "names" not in row.reason and row.status is Status.DEFINITION


@pytest.mark.parametrize("row", [r"C := \frac{1}{2} \sum_j \left(y_j - a^L_j\right)^2",
                                 r"\mathcal{L} \equiv \frac{1}{2} \sum_j \left(y_j - a^L_j\right)^2",
                                 r"E \triangleq \frac{1}{2} \sum_j \left(y_j - a^L_j\right)^2"])
def test_a_loss_written_with_a_defining_sign_defines_the_loss_and_names_nothing(row):
    (result,) = results(row)
    assert result.status is Status.DEFINITION and result.reason == "defines the loss", result.reason


def test_a_name_defined_in_terms_of_itself_names_nothing():
    named, used = results(r"e_i := e_i + 1", r"e_i = 2")
    assert named.status is Status.NOT_CHECKED and "defined in terms of itself" in named.reason
    assert used.status is Status.NOT_CHECKED
