"""Single-edit mutants of the seed post, labelled by an independent SymPy oracle (tests/mutation), checked by derive.

A mutant is examples/seed.md with one row replaced by the printing of an edited tree. The oracle decides
whether every step that involves the edited side still holds; derive must fail a false mutant at the
mutated row's line (no step passed over, none left not checked) and pass a true one. The oracle is tested
first: every step of the seed holds, hand-made wrong rows do not, and its derivative is SymPy's.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
import sympy as sp
from mutation import dsl
from mutation.model import Ctx, Net, derivative
from mutation.operators import OPERATORS, mutants
from mutation.oracle import label, step_holds, steps_of
from mutation.seed_rows import ROWS, locate, sym, with_row
from mutation.verdicts import PASSED, derive_verdict, outcomes, pool

from checks.derivation import DEFAULT_SIZES, check_text
from derive.model.network import Network

L, L1, NL, NL1 = dsl.Layer("l"), dsl.Layer("l", 1), dsl.Layer("n_l"), dsl.Layer("n_l", -1)
INDEX = {row.line: k for k, row in reversed(list(enumerate(ROWS)))}  # line -> its first row


def _row(line: int, **sides) -> dsl.Row:
    return dataclasses.replace(ROWS[INDEX[line]], **sides)


def _output_residual(sign: int, fprime_of: str) -> dsl.Node:
    body = dsl.Mul((dsl.Paren(dsl.Add((dsl.Term(1, dsl.Data("y", "i")), dsl.Term(-1, sym("a", NL, "i"))))),
                    dsl.Call("f'", sym(fprime_of, NL, "i"))))
    return dsl.Neg(body) if sign < 0 else body


def _recurrence(w: str) -> dsl.Node:
    inner = dsl.Paren(dsl.Mul((sym("delta", NL, "j"), dsl.Sym("W", NL1, tuple(w)))), "left(")
    return dsl.Sum("j", dsl.Size(NL, True), dsl.Mul((inner, dsl.Call("f'", sym("z", NL1, "i")))))


def _full_gradient(term: dsl.Node | None) -> dsl.Node:
    rhs = ROWS[INDEX[38]].rhs
    assert isinstance(rhs, dsl.Add)
    return rhs.terms[0].x if term is None else dsl.Add((rhs.terms[0], dsl.Term(1, term)))


# ---------------------------------------------------------------- the trees are the seed's rows


def test_every_row_prints_as_the_seed_up_to_whitespace(seed_text):
    spans = locate(seed_text)  # ValueError where a tree does not print as its row
    assert [seed_text.count("\n", 0, start) + 1 for start, _ in spans] == [row.line for row in ROWS]
    for k, row in enumerate(ROWS):
        assert with_row(seed_text, k, row).count("\n") == seed_text.count("\n")


def test_derive_reads_the_printed_seed_as_the_seed(seed_text):
    printed = seed_text
    for k in reversed(range(len(ROWS))):
        printed = with_row(printed, k, ROWS[k])
    nets = tuple(Network(sizes) for sizes in DEFAULT_SIZES)
    verdicts = [[(r.step.line, r.status) for r in check_text(text, "seed.md", nets).results]
                for text in (seed_text, printed)]
    assert verdicts[0] == verdicts[1]


# ---------------------------------------------------------------- the oracle

ORACLE = ("dsl", "seed_rows", "model", "shapes", "oracle", "operators")


@pytest.mark.parametrize("module", ORACLE)
def test_the_oracle_and_the_generator_never_import_derive(module):
    tree = ast.parse((Path(__file__).parent / "mutation" / f"{module}.py").read_text(encoding="utf-8"))
    imported = {alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
    assert not {name for name in imported if name.split(".")[0] in ("derive", "checks")}


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(ROWS)), ids=[f"line{row.line}" for row in ROWS])
def test_the_oracle_holds_every_step_of_the_seed(index):
    # J(W,b,x,y) (line 12) and J(w,b) are read as J(W,b;x,y) and J(W,b): notation, not mathematics
    for a, b in steps_of(ROWS, index):
        holds, why = step_holds(a, b)
        assert holds, why


WRONG_ROWS = {
    "sign flip in the output residual": _row(51, rhs=_output_residual(1, "z")),
    "f'(a) for f'(z) in the output residual": _row(51, rhs=_output_residual(-1, "a")),
    "W_ij for W_ji in the recurrence": _row(72, rhs=_recurrence("ij")),
    "missing lambda W": _row(38, rhs=_full_gradient(None)),
    "lambda/m for lambda": _row(38, rhs=_full_gradient(dsl.Mul((dsl.Frac(dsl.Lam(), dsl.M()),
                                                                  dsl.Sym("W", L, ("i", "j")))))),
    "regularised bias": _row(39, rhs=dsl.Add((dsl.Term(1, ROWS[INDEX[39]].rhs),
                                              dsl.Term(1, dsl.Mul((dsl.Lam(), sym("b", L, "i"))))))),
    "missing 1/m": _row(39, rhs=ROWS[INDEX[39]].rhs.factors[1]),
    "delta^l for delta^(l+1)": _row(82, rhs=dsl.Mul((sym("a", L, "j"), sym("delta", L, "i")))),
    "J without its 1/2": _row(12, rhs=ROWS[0].rhs.factors[1]),
}


@pytest.mark.parametrize("name", WRONG_ROWS)
def test_the_oracle_refutes_a_hand_made_wrong_row(name):
    row = WRONG_ROWS[name]
    holds, why = label(ROWS, INDEX[row.line], row)
    assert not holds, why


def test_the_oracle_accepts_a_hand_made_right_row():
    row = _row(51, rhs=dsl.Mul((dsl.Paren(dsl.Add((dsl.Term(1, sym("a", NL, "i")), dsl.Term(-1, dsl.Data("y", "i"))))),
                                dsl.Call("f'", sym("z", NL, "i")))))
    assert label(ROWS, INDEX[51], row) == (True, "every step holds")


@pytest.mark.parametrize("key", [("W", 1, 2, 1), ("b", 2, 1), ("z", 2, 2), ("z", 3, 1)])
def test_the_oracle_differentiates_as_sympy_does(key):
    t = sp.Dummy("t")
    ctx = Ctx(Net((2, 2, 2), 2, 0)).replaced(key, t)
    loss = ctx.full_loss() if key[0] != "z" else ctx.loss(None, None)
    assert sp.expand(derivative(loss, t) - sp.diff(loss, t)) == 0


# ---------------------------------------------------------------- derive on the mutants


def test_every_operator_makes_mutants_that_print_differently():
    for operator in OPERATORS:
        found = mutants(operator)
        assert found, operator
        assert all(dsl.latex(m.row) != dsl.latex(ROWS[m.index]) for m in found)
        assert len({(m.index, dsl.latex(m.row)) for m in found}) == len(found)


def test_derive_passes_the_unmutated_seed(seed_text):
    assert derive_verdict(seed_text, 51) == (PASSED, "")


@pytest.fixture(scope="module")
def executor():
    with pool() as workers:
        yield workers


@pytest.mark.slow
@pytest.mark.parametrize("operator", OPERATORS)
def test_derive_fails_every_false_mutant_at_its_line_and_passes_every_true_one(operator, executor):
    found = outcomes(operator, executor)
    misses = [o for o in found if not o.as_expected]
    assert not misses, f"{len(misses)} of {len(found)} mutants:\n" + "\n".join(o.describe() for o in misses)
