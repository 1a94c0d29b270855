"""How long and how much memory a check will take, estimated before it starts, so that a
network too large to finish is refused with figures instead of exhausting the machine.

The estimate reads only numbers — the widths s_1 … s_{n_l}, the samples m, the draws, the number of
activations the numeric check runs (4 for the generic f, 1 for a concrete one), the method and the engine —
and builds no symbol: it costs the same for ``--sizes 2,3000000,2`` as for ``--sizes 2,3,2``. With

    P = Σ_l s_{l+1}(s_l + 1)   parameters      w = P·m / 1000     the size of J over the m samples
    L = n_l                    layers          A = activations numerically tested
    T = s_1·s_2·…·s_{n_l}      input-to-output paths (the size of one entry written out as a tree)

wall time (seconds, with start-up) and peak memory (MB) are

    seconds = t0 + (a·(P/1000)^α·(m/2)^ν·(1 + m/mq)·(L/4)^β·A^κ + b·(T/10^6)^γ·A + x·(T/10^4)^ξ [exact]) · S
                 + d·w·draws·A / 10^4           (the first bracket · (P/4140)^0.3 beyond the measured P)
    MB      = r0 + c·P^π·m^μ·(L/4)^λ + g·T/10^4 [· gp if probabilistic] + e·P·m·draws·A / 10^6

— a growing part (the DAGs of J and its derivatives over the m samples; a deeper network costs more per
parameter), the tree a deep network's entries become where they are compiled or expanded (it grows like the
number of paths, exponentially in depth: 16 layers of width 3 take minutes although P is 180), and the numeric
draws. S is 1 with symengine, sx (exact) or sp (probabilistic) with the slower SymPy engine. A file check
(``derive check FILE``) is estimated as if the file were examples/seed.md, on each test network in turn (2,3,2
and 2,3,3,2 by default), with its own constants: a shorter derivation takes less. The constants are fitted in
log space to the runs of checks/fit_budget.py (``python -m checks.fit_budget fit`` repeats the fit from its
table MEASURED and prints measured/estimated for every run; the README says how close they are).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from checks.symbolic import method_for
from derive.model.network import Network
from derive.settings import Settings

__all__ = ["Estimate", "Size", "size_of", "estimate", "estimate_file", "seconds", "megabytes", "CLAIMS", "FILE",
           "LIMIT_SECONDS", "LIMIT_MB"]

LIMIT_SECONDS = 1800.0  # refuse above half an hour …
LIMIT_MB = 12_000.0  # … or half this machine's memory, unless forced
MEASURED_UP_TO = 4140  # parameters of the largest network measured; beyond, time grows by (P/4140)^0.3 more

#: Fitted constants (python -m checks.fit_budget fit): the seed's claims (``derive check``), and a file like
#: examples/seed.md on one test network (the tree and expansion exponents are the claims'). Set, not fitted: sp
#: (no SymPy run was probabilistic: the previous estimate's factor) and gp (checks/fit_budget.py says why).
CLAIMS = {"t0": 0.586, "a": 2.86, "alpha": 1.61, "nu": 0.964, "mq": 8.61, "beta": 1.67, "kappa": 0.476, "b": 1.45,
          "gamma": 1.34, "x": 3.1, "xi": 1.84, "d": 2.44, "sx": 425.0, "sp": 40.0,
          "r0": 70.0, "c": 0.000133, "pi": 1.99, "mu": 1.22, "lam": 1.8, "g": 30.8, "gp": 0.0, "e": 31.2}
FILE = {"t0": 0.528, "a": 132.0, "alpha": 2.12, "nu": 0.875, "mq": 39.7, "beta": 0.889, "kappa": 0.329, "b": 130.0,
        "gamma": 1.34, "x": 2.81, "xi": 1.84, "d": 1.65, "sx": 425.0, "sp": 40.0,
        "r0": 63.3, "c": 0.000762, "pi": 1.76, "mu": 1.05, "lam": -2.46, "g": 30.1, "gp": 0.37, "e": 29.2}


@dataclass(frozen=True)
class Size:
    """What the estimate reads of a run: numbers only."""

    parameters: int
    layers: int
    m: int
    draws: int
    activations: int
    paths: float
    exact: bool
    sympy: bool


def size_of(net: Network, settings: Settings) -> Size:
    """The numbers of ``net`` and ``settings`` the estimate reads (arithmetic: no symbol is built)."""
    p = net.parameter_count
    paths = math.exp(min(sum(math.log(s) for s in net.sizes), 690.0))  # a float, capped: 3^1000 is no problem
    return Size(p, len(net.sizes), net.m, settings.draws, len(net.tested), paths,
                method_for(settings.method, net) == "exact", net.engine == "sympy")


def _power(x: float, e: float) -> float:
    """x^e, without overflow (capped near the largest float: such a network is refused all the same)."""
    return math.exp(min(e * math.log(x), 690.0))


def seconds(z: Size, k: dict[str, float]) -> float:
    """Wall time with start-up, by the formula above with constants ``k``."""
    w = z.parameters * z.m / 1000
    grow = k["a"] * _power(z.parameters / 1000, k["alpha"]) * _power(z.m / 2, k["nu"]) * (1 + z.m / k["mq"]) \
        * (z.layers / 4) ** k["beta"] * z.activations ** k["kappa"]
    tree = k["b"] * _power(z.paths / 1e6, k["gamma"]) * z.activations
    expand = k["x"] * _power(z.paths / 1e4, k["xi"]) if z.exact else 0.0
    draws = k["d"] * w * z.draws * z.activations / 1e4
    slower = (k["sx"] if z.exact else k["sp"]) if z.sympy else 1.0
    beyond = max(1.0, z.parameters / MEASURED_UP_TO) ** 0.3  # generous where nothing was measured
    return k["t0"] + (grow + tree + expand) * slower * beyond + draws


def megabytes(z: Size, k: dict[str, float]) -> float:
    """Peak resident memory, by the formula above with constants ``k``."""
    grow = k["c"] * _power(z.parameters, k["pi"]) * z.m ** k["mu"] * (z.layers / 4) ** k["lam"]
    expand = k["g"] * z.paths / 1e4 * (1.0 if z.exact else k["gp"])
    return k["r0"] + grow + expand + k["e"] * z.parameters * z.m * z.draws * z.activations / 1e6


@dataclass(frozen=True)
class Estimate:
    seconds: float
    megabytes: float

    @property
    def too_large(self) -> bool:
        return self.seconds > LIMIT_SECONDS or self.megabytes > LIMIT_MB

    def __add__(self, other: Estimate) -> Estimate:  # networks checked one after the other
        return Estimate(self.seconds + other.seconds, max(self.megabytes, other.megabytes))

    def __str__(self) -> str:
        t = self.seconds
        when = f"{t:.0f} s" if t < 120 else (f"{t / 60:.0f} min" if t < 7200 else f"{t / 3600:.1f} h")
        when = when if t < 172_800 else (f"{t / 86_400:,.0f} days" if t < 8.64e10 else f"{t / 86_400:.1e} days")
        gb = self.megabytes / 1000
        return f"about {when} and " + (f"{gb:.1f} GB" if gb < 1000 else
                                      f"{gb / 1000:,.0f} TB" if gb < 1e9 else f"{gb / 1000:.1e} TB")


def estimate(net: Network, settings: Settings) -> Estimate:
    """Wall time and peak memory of checking the seed's claims on ``net`` (``derive check``)."""
    z = size_of(net, settings)
    return Estimate(seconds(z, CLAIMS), megabytes(z, CLAIMS))


def estimate_file(nets: Iterable[Network], settings: Settings, files: int = 1, jobs: int = 1) -> Estimate:
    """Wall time and peak memory of checking ``files`` files like examples/seed.md, ``jobs`` at a time, on each
    of the test networks ``nets`` (``derive check FILE…``)."""
    one = Estimate(0.0, 0.0)
    for net in nets:
        z = size_of(net, settings)
        one = one + Estimate(seconds(z, FILE), megabytes(z, FILE))
    jobs = max(1, min(jobs, files))
    return Estimate(one.seconds * math.ceil(files / jobs), one.megabytes * jobs)
