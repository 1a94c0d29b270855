"""The registry of losses and output layers: each one entry, read by the network, the claims, the checks and the CLI.

A ``Loss`` is J(W,b;x,y) as a formula over a^{n_l} and y (through ``Ops``, so the same entry
runs in symengine, SymPy, NumPy and mpmath), the ∂J/∂a^{n_l}_i people write for it, and the
outputs it needs. An ``Output`` is the output layer's activation: the hidden f (``same``, the
seed's), a registry activation unit by unit, ``linear``, or ``softmax``, which couples the units.
The output residual δ^{n_l} of the claim ``delta_output`` is made from both
(``residual``): ∂J/∂a_i · g'(z_i) for a unit-by-unit output g, a_i(∂J/∂a_i − Σ_k a_k ∂J/∂a_k) for
softmax, and the a_i − y_i people write where the loss meets its own output (cross-entropy with
the logistic output, categorical cross-entropy with softmax).

>>> loss("cross-entropy").doc
'J(W,b;x,y) = −Σ_i [y_i log a_i + (1−y_i) log(1−a_i)], binary cross-entropy'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from derive.errors import SpecError
from derive.primitives import ACTIVATIONS, Activation, Ops, concrete, ops

__all__ = ["Loss", "Output", "LOSSES", "OUTPUTS", "SAME", "register_loss", "loss", "output", "output_names",
           "written_da", "residual", "admits", "tested", "markdown_table"]

_GRID = np.linspace(-30.0, 30.0, 241)  # where an output's values are compared with a loss's domain


@dataclass(frozen=True)
class Loss:
    """One loss of one sample. ``value(a, y, ops)``: J(W,b;x,y) from the lists a^{n_l} and y.
    ``da(a, y, s)``: ∂J/∂a_u as people write it, from a_u, y_u and s_{n_l}; ``da_tex`` its LaTeX,
    a single factor, with ⟨a⟩ and ⟨y⟩ for a^{n_l}_u and y_u. ``linked(output)``: whether the residual is the
    a_i − y_i people write with that output. ``domain``: the outputs J is defined at (None: every
    real number), ``domain_doc`` says it. ``distribution``: y is a probability vector (Σ_i y_i = 1;
    the last y is 1 minus the others). ``doc``: J as the report and the README write it."""

    name: str
    value: Callable[[list, list, Ops], Any]
    da: Callable[[Any, Any, int], Any]
    da_tex: str
    doc: str
    linked: Callable[[Output], bool] = lambda out: False
    domain: Callable[[np.ndarray], np.ndarray] | None = None
    domain_doc: str = ""
    distribution: bool = False


@dataclass(frozen=True)
class Output:
    """The output layer's activation g: a^{n_l} = g(z^{n_l}). ``layer(z, ops)``: the list a^{n_l} from the
    list z^{n_l} (None: the hidden f, ``same``). ``activation``: the registry's activation it applies
    unit by unit, if it is one; ``fprime(a, t, ops)``: g' as people write it (None: not unit by unit).
    ``coupled``: a_j depends on every z_k (softmax)."""

    name: str
    doc: str
    layer: Callable[[list, Ops], list] | None = None
    fprime: Callable[[Any, Any, Ops], Any] | None = None
    activation: Activation | None = None
    coupled: bool = False


LOSSES: dict[str, Loss] = {}
OUTPUTS: dict[str, Output] = {}


def register_loss(entry: Loss | Output) -> Loss | Output:
    """Add one loss or output layer; its name must be new."""
    table: dict = LOSSES if isinstance(entry, Loss) else OUTPUTS
    if entry.name in table or (isinstance(entry, Output) and entry.name in ACTIVATIONS):
        raise SpecError(f"{entry.name!r} is already registered")
    table[entry.name] = entry
    return entry


def loss(name: str | Loss) -> Loss:
    """The loss called ``name``; raises SpecError naming the known ones."""
    if isinstance(name, Loss):
        return name
    if name not in LOSSES:
        raise SpecError(f"unknown loss {name!r} (known: {', '.join(LOSSES)})")
    return LOSSES[name]


def output_names() -> tuple[str, ...]:
    """Every output layer: ``same``, the registered ones, and each concrete activation of the registry without
    a kink (relu's output would leave δ^{n_l} undefined at z^{n_l} = 0)."""
    return (*OUTPUTS, *(a.name for a in concrete()))


def output(name: str | Output | None) -> Output:
    """The output layer called ``name`` (None: ``same``); raises SpecError naming the known ones."""
    if isinstance(name, Output):
        return name
    if name is None or name in OUTPUTS:
        return OUTPUTS[name or "same"]
    act = ACTIVATIONS.get(name)
    if act is None or act not in concrete():
        raise SpecError(f"unknown output {name!r} (known: {', '.join(output_names())})")
    return _unit_by_unit(act)


@cache
def _unit_by_unit(act: Activation) -> Output:
    return Output(act.name, act.doc, lambda z, o: [act.f(t, o) for t in z], act.fprime, act)


def admits(lo: Loss, out: Output, act: Activation) -> bool:
    """Whether the outputs of ``out`` (with hidden activation ``act`` for ``same``) lie in the domain of ``lo``."""
    if lo.domain is None or out.coupled:
        return True
    g = act if out.layer is None else out.activation
    if g is None:  # linear: every real number
        return False
    if g.generic:  # the generic f: the numeric check runs with the activations that fit (``tested``)
        return True
    with np.errstate(all="ignore"):
        values = np.asarray(g.f(_GRID, ops("numpy")), dtype=float) + 0 * _GRID
    return bool(np.all(lo.domain(values)))


def tested(lo: Loss, out: Output, act: Activation) -> tuple[Activation, ...]:
    """The activations a numeric check of the generic f runs with: the concrete ones whose outputs ``lo`` admits."""
    if not act.generic:
        return (act,)
    return tuple(a for a in concrete() if admits(lo, out, a))


# ---------------------------------------------------------------- the output residual people write


def residual(lo: Loss, out: Output, act: Activation) -> tuple[Callable, str]:
    """δ^{n_l}_i as a claim's formula ``(v, l, i, j)`` and its LaTeX, for loss ``lo``, output ``out`` and
    hidden activation ``act`` (the output's f when ``out`` is ``same``)."""
    if lo.linked(out if out.layer is not None else _unit_by_unit(act)):
        return (lambda v, l, i, j: v.a[l][i] - v.y[i]), _unit("⟨a⟩ - ⟨y⟩", "i")
    da = lambda v, l, u: lo.da(v.a[l][u], v.y[u], v.s(l))
    if out.coupled:
        inner = _unit(lo.da_tex, "k")
        inner = inner if inner.startswith(r"\left(") else rf"\left({inner}\right)"
        tex = _unit(rf"⟨a⟩\left({lo.da_tex} - \sum_{{k=1}}^{{s_{{n_l}}}} a^{{n_l}}_k {inner}\right)", "i")
        return (lambda v, l, i, j: v.a[l][i] * (da(v, l, i) - sum(v.a[l][k] * da(v, l, k) for k in v.units(l)))), tex
    if out.layer is None:
        return (lambda v, l, i, j: da(v, l, i) * v.fprime(v.z[l][i])), \
            _unit(lo.da_tex, "i") + r" f'\!\left(z^{n_l}_i\right)"
    g, gtex = out.fprime, _fprime_tex(out)
    assert g is not None
    return (lambda v, l, i, j: da(v, l, i) * v.ops.lift(g(v.a[l][i], v.z[l][i], v.ops), v.z[l][i])), \
        (_unit(lo.da_tex, "i") + (" " + gtex if gtex else ""))


def written_da(lo: Loss, u: str) -> str:
    """∂J/∂a^{n_l}_u as the loss ``lo`` writes it, in LaTeX."""
    return _unit(lo.da_tex, u)


def _unit(tex: str, u: str) -> str:
    """A LaTeX template with ⟨a⟩ and ⟨y⟩ read at the output unit ``u``."""
    return tex.replace("⟨a⟩", f"a^{{n_l}}_{u}").replace("⟨y⟩", f"y_{u}")


@cache
def _fprime_tex(out: Output) -> str:
    """The output's written g' as LaTeX in the seed's notation ("" for 1), one factor."""
    import sympy

    from derive.model.engines import engine
    assert out.fprime is not None
    a, t = sympy.Symbol("a^{n_l}_i"), sympy.Symbol("z^{n_l}_i")
    g = sympy.sympify(out.fprime(a, t, engine("sympy").ops))
    if g == 1:
        return ""
    tex = sympy.latex(g)
    return rf"\left({tex}\right)" if g.is_Add else tex


def _written(out: Output, formula: Callable) -> bool:
    """Whether the output's written g' is ``formula(a)`` identically."""
    if out.fprime is None:
        return False
    import sympy

    from derive.model.engines import engine
    a, t = sympy.Symbol("a"), sympy.Symbol("t")
    return sympy.simplify(sympy.sympify(out.fprime(a, t, engine("sympy").ops)) - formula(a)) == 0


def markdown_table() -> str:
    """The README's lists of losses and output layers, made from the registry."""
    lines = ["| `--loss` | J(W,b;x,y) | outputs it needs |", "| --- | --- | --- |"]
    lines += [f"| `{lo.name}` | {lo.doc} | {lo.domain_doc or 'any'} |" for lo in LOSSES.values()]
    lines += ["", "| `--output` | the output layer a^{n_l} |", "| --- | --- |"]
    lines += [f"| `{out.name}` | {out.doc} |" for out in OUTPUTS.values()]
    names = ", ".join(f"`{a.name}`" for a in concrete())
    lines += [f"| {names} | that activation, unit by unit, with the f' people write for it |"]
    return "\n".join(lines) + "\n"


def _log_loss(a: list, y: list, o: Ops):
    return -sum(yi * o.log(ai) + (1 - yi) * o.log(1 - ai) for ai, yi in zip(a, y))


def _softmax(z: list, o: Ops) -> list:
    e = [o.exp(t) for t in z]
    total = sum(e[1:], e[0])
    return [ei / total for ei in e]


SAME = Output("same", "a^{n_l} = f(z^{n_l}), f as in the hidden layers (the seed's)")
for _entry in (
    Loss("squared", lambda a, y, o: sum((ai - yi) ** 2 for ai, yi in zip(a, y)) / 2, lambda a, y, s: a - y,
         r"\left(⟨a⟩ - ⟨y⟩\right)", "J(W,b;x,y) = ½ Σ_i (a_i − y_i)², the seed's"),
    Loss("squared-sum", lambda a, y, o: sum((ai - yi) ** 2 for ai, yi in zip(a, y)), lambda a, y, s: 2 * (a - y),
         r"2\left(⟨a⟩ - ⟨y⟩\right)", "J(W,b;x,y) = Σ_i (a_i − y_i)², without ½"),
    Loss("mean-squared", lambda a, y, o: sum((ai - yi) ** 2 for ai, yi in zip(a, y)) / len(a),
         lambda a, y, s: 2 * (a - y) / s, r"\frac{2}{s_{n_l}}\left(⟨a⟩ - ⟨y⟩\right)",
         "J(W,b;x,y) = (1/s_{n_l}) Σ_i (a_i − y_i)², the mean over the outputs"),
    Loss("cross-entropy", _log_loss, lambda a, y, s: (a - y) / (a * (1 - a)),
         r"\frac{⟨a⟩ - ⟨y⟩}{⟨a⟩\left(1 - ⟨a⟩\right)}",
         "J(W,b;x,y) = −Σ_i [y_i log a_i + (1−y_i) log(1−a_i)], binary cross-entropy",
         linked=lambda out: _written(out, lambda a: a * (1 - a)), domain=lambda a: (a > 0) & (a < 1),
         domain_doc="outputs in (0, 1)"),
    Loss("categorical", lambda a, y, o: -sum(yi * o.log(ai) for ai, yi in zip(a, y)), lambda a, y, s: -y / a,
         r"\left(-\frac{⟨y⟩}{⟨a⟩}\right)",
         "J(W,b;x,y) = −Σ_i y_i log a_i, categorical cross-entropy; y a distribution (Σ_i y_i = 1)",
         linked=lambda out: out.coupled, domain=lambda a: a > 0, domain_doc="positive outputs", distribution=True),
    SAME,
    Output("linear", "a^{n_l} = z^{n_l}", lambda z, o: list(z), lambda a, t, o: 1),
    Output("softmax", "a_j = e^{z_j}/Σ_k e^{z_k}, each a_j depends on every z_k", _softmax, coupled=True),
):
    register_loss(_entry)
