"""Measure `derive check` over a design that varies one factor at a time, and fit checks/budget.py to it.

    python -m checks.fit_budget measure [OUT.jsonl]   # under 30 min on 2 cores; appends one JSON line per run
    python -m checks.fit_budget fit [IN.jsonl]        # the fit, and measured/estimated for every run

Without a file, ``fit`` uses MEASURED below (the runs the constants of checks/budget.py were fitted to), so
the fit can be repeated without measuring again. Each run is a fresh ``python -m derive check --quiet …``
timed by /usr/bin/time (wall seconds with start-up, the child's peak RSS); a run under 5 s is timed twice and
the faster kept; a run is stopped at 200 s, and the measurement before a run that could end past 30 min
(measuring again into the same file goes on where it stopped). Figures, not a test: a busy machine makes them
slower. The fit needs SciPy (least squares in log space), which derive itself does not.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache

from derive.primitives import concrete

__all__ = ["Run", "DESIGN", "MEASURED", "measure", "fit"]


@dataclass(frozen=True)
class Run:
    """One measured command: claims (no file) or a file check, on one network (a file: the default two if
    ``sizes`` is empty)."""

    sizes: tuple[int, ...] = (2, 3, 3, 2)
    m: int = 2
    draws: int = 64
    activation: str = "generic"
    method: str = "auto"
    engine: str = "symengine"
    file: str = ""

    def argv(self) -> list[str]:
        out = ["check", "--quiet", "--samples", str(self.m), "--draws", str(self.draws), "--force"]
        out += ["--sizes", ",".join(map(str, self.sizes))] if self.sizes else []
        out += ["--activation", self.activation] if self.activation != "generic" else []
        out += [f"--{self.method}"] if self.method != "auto" else []
        out += ["--engine", self.engine] if self.engine != "symengine" else []
        return out + ([self.file] if self.file else [])

    def label(self) -> str:
        what = self.file.rsplit("/", 1)[-1] if self.file else "claims"
        sizes = ",".join(map(str, self.sizes)) if len(set(self.sizes)) > 1 or len(self.sizes) < 5 \
            else f"{self.sizes[0]}×{len(self.sizes)}"
        extra = [f"m={self.m}"] + [f"draws={self.draws}"] * (self.draws != 64) \
            + [self.activation] * (self.activation != "generic") + [self.method] * (self.method != "auto") \
            + [self.engine] * (self.engine != "symengine")
        return f"{what} {sizes or 'default'} {' '.join(extra)}"


ONE = concrete()[1].name  # one concrete activation (the registry's second): one numeric pass instead of four
SEED, SIG = "examples/seed.md", f"tests/derivations/{concrete()[0].name}.md"  # a shorter file, not fitted
W2, W3 = [(2,) * n for n in (4, 8, 12, 16, 32)], [(3,) * n for n in (4, 8, 12, 16, 24)]
WIDE = [(2, 3, 2), (2, 3, 3, 2), (4, 6, 6, 3), (6, 10, 10, 3), (2, 50, 2), (8, 16, 16, 4), (2, 200, 2), (2, 400, 2),
        (12, 24, 24, 6), (4, 8, 8, 8, 8, 8, 4), (10, 20, 20, 20, 5), (16, 32, 32, 8), (20, 40, 40, 10),
        (24, 48, 48, 12), (26, 52, 52, 13), (40, 80, 80, 10)]
DESIGN: list[Run] = [
    # claims: widths (P 17 … 10,570), depth (3 … 32 layers), samples, draws, activation, method, engine
    *(Run(s) for s in WIDE + W2 + W3),
    *(Run((2, 3, 3, 2), m=m) for m in (1, 10, 50, 200, 500, 1000)), *(Run((8, 16, 16, 4), m=m) for m in (1, 10, 50)),
    *(Run(s, draws=d) for s in [(2, 3, 3, 2), (8, 16, 16, 4)] for d in (1000, 10000)),
    Run((20, 40, 40, 10), draws=10000), Run(m=100, draws=1000),
    *(Run(s, activation=ONE) for s in [(2, 3, 3, 2), (8, 16, 16, 4), (10, 20, 20, 20, 5)]),
    *(Run(s, method="probabilistic") for s in [(2, 3, 3, 2), (4, 6, 6, 3), (2,) * 8]),
    *(Run(s, method="exact") for s in [(6, 10, 10, 3), (8, 16, 16, 4), (3,) * 8, (2,) * 12, (2,) * 16]),
    *(Run(s, engine="sympy") for s in [(2, 3, 2), (2, 3, 3, 2), (4, 6, 6, 3), (6, 10, 10, 3)]),
    Run(method="probabilistic", engine="sympy"),
    # file checks: examples/seed.md on one network each (and the default two), one more file
    *(Run(s, file=SEED) for s in [(), (2, 3, 2), (2, 3, 3, 2), (4, 6, 6, 3), (6, 10, 10, 3), (2, 50, 2),
                                  (8, 16, 16, 4), (2, 100, 2), (2, 200, 2)]),
    *(Run(s, file=SEED) for s in W2[1:4] + W3[1:3]),
    *(Run((), m=m, file=SEED) for m in (1, 10, 100)), *(Run((4, 6, 6, 3), m=m, file=SEED) for m in (10, 50)),
    *(Run((), draws=d, file=SEED) for d in (1000, 10000)), Run((), activation=ONE, file=SEED),
    Run((8, 16, 16, 4), activation=ONE, file=SEED), Run((), method="exact", file=SEED),
    Run((3,) * 8, method="exact", file=SEED),
    *(Run(s, file=SIG) for s in [(), (4, 6, 6, 3), (8, 16, 16, 4)]), Run((), m=100, file=SIG),
    # file checks that take minutes: last, so that the 30 minutes can cut them (they cut 2×32, 3×16, 20,40,40,10)
    Run((), m=1000, file=SEED),
    *(Run(s, file=SEED) for s in [(12, 24, 24, 6), (10, 20, 20, 20, 5), (4, 8, 8, 8, 8, 8, 4), (16, 32, 32, 8)]),
]

#: (wall seconds, peak MB) of each run of DESIGN, in its order, on the 2-core reference machine after the
#: linear-time checks (27 Nov 2026, 24 min; others' jobs may run: ±30 %); −t: stopped at t s, longer (MB unknown: 0).
FIGURES: list[tuple[float, float]] = [
    (0.33, 63), (0.34, 63), (0.4, 63), (0.43, 67), (0.45, 70), (0.56, 75), (0.82, 93), (1.38, 126), (0.85, 94),
    (0.53, 73), (0.93, 98), (1.26, 119), (1.78, 152), (2.46, 191), (2.82, 212), (6.07, 391), (0.34, 63), (0.4, 63),
    (0.37, 65), (0.39, 67), (0.53, 74), (0.35, 63), (0.37, 65), (0.42, 67), (0.47, 70), (0.57, 76), (0.33, 63),
    (0.4, 64), (0.66, 72), (1.8, 109), (4.58, 181), (10.89, 304), (0.49, 71), (1.03, 104), (3.72, 250), (0.35, 66),
    (0.42, 123), (0.69, 164), (3.51, 988), (26.78, 5466), (1.45, 248), (0.34, 62), (0.5, 72), (0.76, 88), (0.34, 63),
    (0.37, 65), (0.35, 64), (0.55, 65), (1.08, 72), (1.25, 67), (2.04, 73), (64.1, 326), (1.45, 82), (2.91, 85),
    (28.97, 90), (177, 99), (2.79, 85), (0.63, 64), (0.51, 62), (0.56, 63), (1.17, 67), (3.47, 77), (6.08, 100),
    (15, 113), (21.54, 197), (89.84, 559), (0.67, 64), (2.52, 73), (67.11, 327), (1.94, 70), (-200, 0), (0.64, 63),
    (0.94, 67), (4.84, 108), (2.86, 79), (12.25, 143), (0.65, 66), (0.75, 113), (0.62, 64), (15.67, 112), (0.62, 64),
    (1.92, 70), (0.7, 97), (0.85, 97), (2.62, 101), (0.86, 106), (89.72, 540), (71.39, 248), (108.3, 474),
    (89.98, 207), (-200, 0),
]
MEASURED: list[tuple[Run, float, float]] = [(run, s, mb) for run, (s, mb) in zip(DESIGN, FIGURES, strict=True)]


def _time(run: Run, limit: float) -> tuple[float, float]:
    cmd = ["/usr/bin/time", "-f", "%e %M", sys.executable, "-m", "derive", *run.argv()]
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)  # its own group: a timeout ends the check too, not only time
    try:
        _, err = child.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return -limit, 0.0
    wall, kb = err.strip().splitlines()[-1].split()
    return float(wall), float(kb) / 1000


def measure(path: str, limit: float = 200.0, total: float = 1800.0) -> None:
    """Time the runs of DESIGN not yet in ``path`` (in its order, each stopped at ``limit`` s), appending one
    JSON line each; stop before a run that could end past ``total`` s (run again to go on)."""
    done, begin = set(), time.time()
    try:
        with open(path) as f:
            done = {json.loads(line)["label"] for line in f}
    except FileNotFoundError:
        pass
    for run in DESIGN:
        if run.label() in done:
            continue
        if time.time() - begin + limit > total:
            print(f"stopped before {run.label()}: it could end past {total:.0f} s", flush=True)
            return
        start = time.time()
        s, mb = _time(run, limit)
        if 0 < s < 5:
            s2, mb2 = _time(run, limit)
            s, mb = (s2, mb2) if 0 < s2 < s else (s, mb)
        with open(path, "a") as f:
            f.write(json.dumps({"label": run.label(), "run": run.__dict__, "seconds": s, "mb": mb}) + "\n")
        print(f"{run.label():55s} {s if s > 0 else f'>{-s}'} s {mb:.0f} MB ({time.time() - start:.0f} s)",
              flush=True)


def _load(path: str | None) -> list[tuple[Run, float, float]]:
    if path is None:
        return MEASURED
    with open(path) as f:
        rows = [json.loads(line) for line in f]
    generic = {"f": "generic"}  # the first runs' name of the generic f
    return [(Run(**{**r["run"], "sizes": tuple(r["run"]["sizes"]),
                    "activation": generic.get(r["run"]["activation"], r["run"]["activation"])}), r["seconds"], r["mb"])
            for r in rows]


@cache
def _sizes(run: Run) -> list:
    from checks.budget import size_of
    from checks.derivation import DEFAULT_SIZES
    from derive.model.network import Network
    from derive.primitives import activation
    from derive.settings import Settings

    settings = Settings(draws=run.draws, method=run.method)
    nets = [Network(s, activation(run.activation), run.m, engine=run.engine)
            for s in ((run.sizes,) if run.sizes or not run.file else DEFAULT_SIZES)]
    return [size_of(net, settings) for net in nets]


def predict(run: Run, k: dict[str, float] | None = None) -> tuple[float, float]:
    """Estimated seconds and MB of ``run`` with constants ``k`` (by default checks/budget.py's; a file: seconds
    summed over its test networks, the larger MB)."""
    from checks.budget import CLAIMS, FILE, megabytes, seconds

    k = k or (FILE if run.file else CLAIMS)
    zs = _sizes(run)
    return sum(seconds(z, k) for z in zs), max(megabytes(z, k) for z in zs)


#: Where the fit starts (the same every time, so that it is repeatable). The claims have no tree term (b = h = 0:
#: 32 layers take half a second). A file check starts from the claims' constants, fits its tree term (b, γ, η,
#: h) and takes the claims' exact expansion, SymPy factor and κ (x, ξ, ζ, g, sy, σ, κ: its exact runs are on
#: small networks but one, none uses SymPy, and a concrete activation saves it nothing measurable, 15.7 s for
#: 15.0 s, so that a free κ would go below 0 and the estimate stop growing with the activations tested).
START = {"t0": 0.4, "a": 1.0, "alpha": 1.0, "nu": 1.0, "beta": 0.5, "kappa": 0.3, "b": 0.0, "gamma": 1.0,
         "eta": 1.0, "x": 1.0, "xi": 1.3, "zeta": 1.0, "d": 1.0, "sy": 10.0, "sigma": 1.0, "r0": 60.0, "c": 30.0,
         "pi": 1.0, "mu": 1.0, "lam": 0.5, "h": 0.0, "g": 20.0, "e": 25.0}
_SCALES = {"t0", "a", "b", "x", "d", "sy", "r0", "c", "h", "g", "e"}  # fitted as logarithms (positive)
_TIME = ["t0", "a", "alpha", "nu", "beta", "kappa", "b", "gamma", "eta", "x", "xi", "zeta", "d", "sy", "sigma"]
_MEMORY = ["r0", "c", "pi", "mu", "lam", "h", "g", "e"]
_OWN = {"claims": {"b", "gamma", "eta", "h"}, "file": {"kappa", "x", "xi", "zeta", "g", "sy", "sigma"}}  # not fitted


def _fit(rows, start: dict[str, float], names: list[str], memory: bool) -> dict[str, float]:
    import importlib

    import numpy as np

    least_squares = importlib.import_module("scipy.optimize").least_squares  # scipy: only to fit, not a dependency

    def unpack(v) -> dict[str, float]:
        return {**start, **{n: float(np.exp(x) if n in _SCALES else x) for n, x in zip(names, v)}}

    def residuals(v):
        k, out = unpack(v), []
        for run, s, mb in rows:
            guess = predict(run, k)[memory]
            if memory:
                out.append(math.log(guess / mb) if mb else 0.0)
            else:  # a run stopped at −s seconds only says the estimate should be above that
                out.append(math.log(guess / s) if s > 0 else 3 * min(0.0, math.log(guess / -s)))
        return out

    v0 = [math.log(start[n]) if n in _SCALES else start[n] for n in names]
    return unpack(least_squares(residuals, v0, loss="soft_l1", f_scale=0.3).x)


def fit(path: str | None = None) -> None:
    """Fit CLAIMS and FILE of checks/budget.py to the runs, print them and measured/estimated for every run."""
    rows = _load(path)
    fitted: dict[str, dict[str, float]] = {}
    for kind in ("claims", "file"):
        mine = [r for r in rows if (r[0].file == SEED if kind == "file" else not r[0].file)]  # fitted to seed.md
        start = {**fitted["claims"], "b": 1.0, "h": 10.0} if kind == "file" else START
        k = _fit(mine, start, [n for n in _TIME if n not in _OWN[kind]], False)
        k = fitted[kind] = _fit(mine, k, [n for n in _MEMORY if n not in _OWN[kind]], True)
        print(f"{kind.upper()} = {{{', '.join(f'{n!r}: {k[n]:.3g}' for n in START)}}}")
        print("| run | measured s | estimated s | ratio | measured MB | estimated MB | ratio |")
        print("|---|---|---|---|---|---|---|")
        for run, s, mb in [r for r in rows if bool(r[0].file) == (kind == "file")]:
            es, emb = predict(run, k)
            shown = f"{s:.2f} | {es:.2f} | {s / es:.2f}" if s > 0 else f"> {-s:.0f} | {es:.0f} | > {-s / es:.2f}"
            print(f"| {run.label()} | {shown} | {mb:.0f} | {emb:.0f} | {mb / emb if mb else 0:.2f} |")


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        measure(sys.argv[2] if len(sys.argv) > 2 else "/tmp/budget_runs.jsonl")
    else:
        fit(sys.argv[2] if len(sys.argv) > 2 else None)
