"""How long and how much memory a check will take, estimated before it starts, so that a
network too large to finish is refused with figures instead of exhausting the machine.

The estimate reads only numbers — the widths s_1 … s_{n_l}, the samples m, the draws, the number of
activations the numeric check runs (4 for the generic f, 1 for a concrete one), the method and the engine —
and builds no symbol: it costs the same for ``--sizes 2,3000000,2`` as for ``--sizes 2,3,2``. With

    P = Σ_l s_{l+1}(s_l + 1)   parameters      L = n_l   layers      A = activations numerically tested
    T = s_1·s_2·…·s_{n_l}      input-to-output paths (the size of one entry expanded exactly)

wall time (seconds, with start-up) and peak memory (MB) are

    seconds = t0 + (a·(P/1000)^α·(m/2)^ν·(L/4)^β·A^κ + b·(T/10^4)^γ·(L/4)^η + x·(T/10^4)^ξ·(L/4)^ζ [exact])
                 · S · (P/10,570)^0.3 [beyond] + d·P·m·draws·A / 10^7
    MB      = r0 + c·(P/1000)^π·(m/2)^μ·(L/4)^λ + h·(T/10^4)^γ·(L/4)^η + g·(T/10^4)^ξ·(L/4)^ζ [exact]
                 + e·P·m·draws·A / 10^9

— the DAGs of J and of its derivatives over the m samples, built and evaluated once (for the claims about
linear in the parameters, the depth and the samples: 32 layers of width 2 take half a second); the tree an
entry of a written derivation becomes (a file check only: b = h = 0 for the claims; it grows like the paths,
exponentially in depth, so seed.md on 16 layers of width 2 takes a minute); the exact expansion where the
method is exact (``auto`` chooses it only on small networks, checks/symbolic.py method_for: a forced
``--exact`` on 16 layers of width 2 takes a minute too); and the numeric draws. S is 1 with symengine and
sy·(P/100)^σ with the SymPy engine (slower at every step, the more so the larger the network); beyond the
largest network measured (10,570 parameters) the first bracket grows by (P/10,570)^0.3 more. A file check
(``derive check FILE``) is estimated as if the file were examples/seed.md, on each test network in turn (2,3,2
and 2,3,3,2 by default), with its own constants (its exact expansion, SymPy factor and κ are the claims'): a
shorter derivation takes less. The constants are fitted in log space to the runs of checks/fit_budget.py
(``python -m checks.fit_budget fit`` repeats the fit from its table MEASURED and prints measured/estimated for
every run; the README says how close they are).
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
MEASURED_UP_TO = 10_570  # parameters of the largest network measured; beyond, time grows by (P/10,570)^0.3 more

#: Fitted constants (python -m checks.fit_budget fit): the seed's claims (``derive check``), and a file like
#: examples/seed.md on one test network (its x, ξ, ζ, g, sy, σ and κ are the claims').
CLAIMS = {"t0": 0.327, "a": 0.341, "alpha": 0.995, "nu": 1.01, "beta": 0.295, "kappa": 0.22, "b": 0, "gamma": 1,
          "eta": 1, "x": 0.43, "xi": 1.16, "zeta": 2.04, "d": 0.76, "sy": 695, "sigma": 1.04, "r0": 65.2, "c": 15.4,
          "pi": 1.11, "mu": 0.744, "lam": 0.191, "h": 0, "g": 1.7, "e": 22500}
FILE = {"t0": 0.333, "a": 50, "alpha": 2.05, "nu": 1.09, "beta": -0.959, "kappa": 0.22, "b": 0.408, "gamma": 1.02,
        "eta": 2.29, "x": 0.43, "xi": 1.16, "zeta": 2.04, "d": 0.0128, "sy": 695, "sigma": 1.04, "r0": 63.4, "c": 207,
        "pi": 2.02, "mu": 1.2, "lam": -2.81, "h": 1.24, "g": 1.7, "e": 22200}


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
    grow = k["a"] * _power(z.parameters / 1000, k["alpha"]) * _power(z.m / 2, k["nu"]) \
        * _power(z.layers / 4, k["beta"]) * z.activations ** k["kappa"]
    tree = k["b"] * _power(z.paths / 1e4, k["gamma"]) * _power(z.layers / 4, k["eta"]) if k["b"] else 0.0
    expand = k["x"] * _power(z.paths / 1e4, k["xi"]) * _power(z.layers / 4, k["zeta"]) if z.exact else 0.0
    slower = k["sy"] * _power(z.parameters / 100, k["sigma"]) if z.sympy else 1.0
    beyond = max(1.0, z.parameters / MEASURED_UP_TO) ** 0.3  # generous where nothing was measured
    return k["t0"] + (grow + tree + expand) * slower * beyond \
        + k["d"] * z.parameters * z.m * z.draws * z.activations / 1e7


def megabytes(z: Size, k: dict[str, float]) -> float:
    """Peak resident memory, by the formula above with constants ``k``."""
    grow = k["c"] * _power(z.parameters / 1000, k["pi"]) * _power(z.m / 2, k["mu"]) * _power(z.layers / 4, k["lam"])
    tree = k["h"] * _power(z.paths / 1e4, k["gamma"]) * _power(z.layers / 4, k["eta"]) if k["h"] else 0.0
    expand = k["g"] * _power(z.paths / 1e4, k["xi"]) * _power(z.layers / 4, k["zeta"]) if z.exact else 0.0
    return k["r0"] + grow + tree + expand + k["e"] * z.parameters * z.m * z.draws * z.activations / 1e9


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
