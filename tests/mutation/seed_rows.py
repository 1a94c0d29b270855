"""The checkable rows of examples/seed.md as trees (see ``dsl``), and where each one sits in the text.

``ROWS`` lists, in reading order, the one-sample loss (line 12), the regularised loss (the chain at 27,
29), the two full gradients (38, 39), the δ^{n_l} chain (46-51), the δ^{n_l-1} chain (61-72; line 62
holds two rows) and the two per-sample gradients (82, 83). The forward pass (18, 19) defines the
network and is left alone. ``locate`` finds each row's span in the seed by matching its printed form
up to whitespace, so a tree that does not print as the seed's row is an error, not a silent mismatch.
"""

from __future__ import annotations

from pathlib import Path

from .dsl import (
    Add,
    Call,
    Data,
    Deriv,
    Frac,
    H,
    Lam,
    Layer,
    Loss,
    M,
    Mul,
    Neg,
    Norm,
    Num,
    Paren,
    Pow,
    Row,
    Size,
    Sum,
    Sym,
    Term,
    latex,
)

__all__ = ["SEED", "ROWS", "CHAINS", "locate", "spans", "with_row"]

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed.md"

L, L1, NL, NL1 = Layer("l"), Layer("l", 1), Layer("n_l"), Layer("n_l", -1)
HALF, ONE_OVER_M, LAM_HALF = Frac(Num(1), Num(2)), Frac(Num(1), M()), Frac(Lam(), Num(2))
J_FULL_W, J_FULL_w = Loss(True, style="J(W,b)"), Loss(True, style="J(w,b)")
J_X = Loss(False)  # J(W,b;x,y)
J_X_LOWER = Loss(False, style="J(w,b;{x},{y})")
J_I = Loss(False, "i", "i")  # J(W,b;x^i,y^i)


def W(layer: Layer, sub: str) -> Sym:
    return Sym("W", layer, tuple(sub))


def sym(name: str, layer: Layer, i: str, brace: bool = False) -> Sym:
    return Sym(name, layer, (i,), brace)


def diff(a: Sym | Data, b: Sym | Data | Call | H) -> Add:
    return Add((Term(1, a), Term(-1, b)))


def sq(x) -> Pow:
    return Pow(Paren(x), 2)


def regulariser() -> Mul:
    """λ/2 Σ_{l=1}^{n_l-1} Σ_{i=1}^{s_l} Σ_{j=1}^{s_{l+1}} (W_{ji}^l)^2"""
    return Mul((LAM_HALF, Sum("l", NL1, Sum("i", Size(L), Sum("j", Size(L1), sq(W(L, "ji")))))))


def half_sum_sq(y_minus) -> Mul:
    """1/2 Σ_{j=1}^{S_{n_l}} (y_j - …)^2"""
    return Mul((HALF, Sum("j", Size(NL, True), sq(diff(Data("y", "j"), y_minus)))))


def d(wrt: Sym, body) -> Deriv:
    return Deriv(wrt, body)


Z_NL, Z_NL1 = sym("z", NL, "i"), sym("z", NL1, "i")  # the ∂/∂z_i^{n_l} and ∂/∂z_i^{n_l-1} of the residual chains
A_J, F_ZJ = sym("a", NL, "j"), Call("f", sym("z", NL, "j"))
HALF_NORM = Mul((HALF, Pow(Norm(diff(Data("y"), H())), 2)))  # 1/2 ‖y - h_{W,b}(x)‖^2
DZ = Deriv(Z_NL1, sym("z", NL, "j"), frac=True)  # ∂z_j^{n_l}/∂z_i^{n_l-1}
DELTA_J = sym("delta", NL, "j")

ROWS: tuple[Row, ...] = (
    Row(12, Loss(False, style="J(W,b,{x},{y})"), Mul((HALF, Pow(Norm(diff(H(), Data("y")), True), 2)))),
    Row(27, J_FULL_w, Add((Term(1, Paren(Mul((ONE_OVER_M, Sum("i", M(), J_I))), "left[")),
                           Term(1, regulariser(), 1))), align=True),
    Row(29, None, Add((Term(1, Paren(Mul((ONE_OVER_M, Sum("i", M(), Mul((HALF, Pow(
        Norm(diff(H("i"), Data("y", sample="i")), True), 2)))))), "left[")), Term(1, regulariser(), 2)))),
    Row(38, d(W(L, "ij"), J_FULL_W), Add((
        Term(1, Paren(Mul((ONE_OVER_M, Sum("i", M(), d(W(L, "ij"), Loss(False, "i", "i"))))), "left[")),
        Term(1, Mul((Lam(), W(L, "ij"))))))),
    Row(39, d(sym("b", L, "i", True), J_FULL_W), Mul((ONE_OVER_M, Sum("i", M(), d(sym("b", L, "i"), J_I))))),
    # the δ^{n_l} chain
    Row(46, sym("delta", NL, "i"), d(Z_NL, J_X), align=True),
    Row(47, None, d(Z_NL, HALF_NORM)),
    Row(48, None, d(Z_NL, half_sum_sq(A_J))),
    Row(49, None, d(Z_NL, half_sum_sq(F_ZJ))),
    Row(50, None, Neg(Mul((Paren(diff(Data("y", "i"), Call("f", sym("z", NL, "i")))), Call("f'", sym("z", NL, "i")))))),
    Row(51, None, Neg(Mul((Paren(diff(Data("y", "i"), sym("a", NL, "i"))), Call("f'", sym("z", NL, "i")))))),
    # the δ^{n_l-1} chain
    Row(61, sym("delta", NL1, "i"), d(Z_NL1, J_X), align=True),
    Row(62, None, d(Z_NL1, HALF_NORM)),
    Row(62, None, d(Z_NL1, half_sum_sq(A_J))),
    Row(63, None, Mul((HALF, Sum("j", Size(NL, True), d(Z_NL1, sq(diff(Data("y", "j"), A_J))), brk=True)))),
    Row(65, None, Mul((HALF, Sum("j", Size(NL, True), d(Z_NL1, sq(diff(Data("y", "j"), F_ZJ))), brk=True)))),
    Row(67, None, Sum("j", Size(NL, True), Neg(Mul((Paren(diff(Data("y", "j"), F_ZJ)),
                                                      Deriv(Z_NL1, F_ZJ, frac=True)))))),
    Row(68, None, Sum("j", Size(NL, True), Neg(Mul((Paren(diff(Data("y", "j"), F_ZJ)),
                                                      Call("f'", sym("z", NL, "j")), DZ))))),
    Row(69, None, Sum("j", Size(NL, True), Mul((DELTA_J, DZ)))),
    Row(70, None, Sum("j", Size(NL, True), Paren(Mul((DELTA_J, d(Z_NL1, Sum("k", Size(NL1, True), Mul((
        Call("f", sym("z", NL1, "k")), W(NL1, "jk"))))))), "left("))),
    Row(71, None, Sum("j", Size(NL, True), Paren(Mul((DELTA_J, W(NL1, "ji"), Call("f'", Z_NL1))), "left("))),
    Row(72, None, Sum("j", Size(NL, True), Mul((Paren(Mul((DELTA_J, W(NL1, "ji"))), "left("), Call("f'", Z_NL1))))),
    # the per-sample gradients
    Row(82, d(W(L, "ij"), J_X_LOWER), Mul((sym("a", L, "j"), sym("delta", L1, "i")))),
    Row(83, d(sym("b", L, "i", True), J_X_LOWER), sym("delta", L1, "i")),
)

# the rows of one chain, by index in ROWS: a row with an lhs starts a chain, a row without one continues it
CHAINS: tuple[tuple[int, ...], ...] = tuple(
    tuple(range(k, next((n for n in range(k + 1, len(ROWS)) if ROWS[n].lhs is not None), len(ROWS))))
    for k, row in enumerate(ROWS) if row.lhs is not None)


def _squeeze(text: str) -> str:
    return "".join(text.split())


def locate(text: str, rows: tuple[Row, ...] = ROWS) -> list[tuple[int, int]]:
    """The span (start, end) of each row in ``text``: its printed form, matched up to whitespace.

    A row starts on its line (or after the previous row's ``\\\\`` on the same line); ValueError when the
    text there is not the row as printed.
    """
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    out: list[tuple[int, int]] = []
    for k, row in enumerate(rows):
        pos = out[-1][1] if k and rows[k - 1].line == row.line else starts[row.line - 1]
        while text[pos].isspace() or text.startswith("\\\\", pos):
            pos += 2 if text[pos] == "\\" else 1
        want, start, n = _squeeze(latex(row)), pos, 0
        while n < len(want):
            if not text[pos].isspace():
                if text[pos] != want[n]:
                    raise ValueError(f"line {row.line}: the seed has {text[start:pos + 1]!r}, the tree prints "
                                     f"{latex(row)!r}")
                n += 1
            pos += 1
        out.append((start, pos))
    return out


_SPANS: dict[str, list[tuple[int, int]]] = {}


def spans(text: str) -> list[tuple[int, int]]:
    """``locate``, memoised per text."""
    if text not in _SPANS:
        _SPANS[text] = locate(text)
    return _SPANS[text]


def with_row(text: str, index: int, row: Row) -> str:
    """``text`` (the seed) with row ``index`` of ROWS replaced by ``row`` printed; the row keeps its
    number of lines, so every other row keeps its line."""
    start, end = spans(text)[index]
    new = latex(row)
    new += "\n" * max(0, text.count("\n", start, end) - new.count("\n"))
    return text[:start] + new + text[end:]
