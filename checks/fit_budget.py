"""Measure `derive check` over a design that varies one factor at a time, and fit checks/budget.py to it.

    python -m checks.fit_budget measure [OUT.jsonl]   # about 40 min on 2 cores; appends one JSON line per run
    python -m checks.fit_budget fit [IN.jsonl]        # the fit, and measured/estimated for every run

Without a file, ``fit`` uses MEASURED below (the runs the constants of checks/budget.py were fitted to), so
the fit can be repeated without measuring again. Each run is a fresh ``python -m derive check --quiet …``
timed by /usr/bin/time (wall seconds with start-up, the child's peak RSS); a run under 5 s is timed twice and
the faster kept; a run is stopped at 200 s. Figures, not a test: a busy machine makes them slower. The fit
needs SciPy (least squares in log space), which derive itself does not.
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
W2 = [(2,) * n for n in (4, 8, 12, 16)]
W3 = [(3,) * n for n in (4, 8, 12, 16)]
DESIGN: list[Run] = [
    # claims: widths (P 17 … 2,890), depth, samples, draws, activation, method, engine
    *(Run(s) for s in [(2, 3, 2), (2, 3, 3, 2), (4, 6, 6, 3), (6, 10, 10, 3), (2, 50, 2), (8, 16, 16, 4),
                       (2, 200, 2), (12, 24, 24, 6), (10, 20, 20, 20, 5), (16, 32, 32, 8), (20, 40, 40, 10)]),
    *(Run(s) for s in W2 + W3), *(Run((3,) * n) for n in (13, 14)), *(Run(s, method="probabilistic") for s in W2),
    *(Run((2, 3, 3, 2), m=m) for m in (1, 10, 50, 200)), *(Run((8, 16, 16, 4), m=m) for m in (1, 10, 50)),
    *(Run(s, draws=d) for s in [(2, 3, 3, 2), (8, 16, 16, 4)] for d in (1000, 10000)),
    *(Run(s, activation=ONE) for s in [(2, 3, 3, 2), (8, 16, 16, 4), (10, 20, 20, 20, 5)]),
    *(Run(s, method="exact") for s in [(6, 10, 10, 3), (8, 16, 16, 4)]),
    *(Run(s, method="probabilistic") for s in [(2, 3, 3, 2), (4, 6, 6, 3)]),
    *(Run(s, engine="sympy") for s in [(2, 3, 2), (2, 3, 3, 2), (4, 6, 6, 3)]),
    # file checks: examples/seed.md on one network each (and the default two), one more file
    *(Run(s, file=SEED) for s in [(), (2, 3, 2), (2, 3, 3, 2), (4, 6, 6, 3), (2, 50, 2), (6, 10, 10, 3),
                                  (8, 16, 16, 4), (2, 200, 2), (10, 20, 20, 20, 5)]),
    *(Run(s, file=SEED) for s in W2[1:] + W3[1:3]),
    *(Run((), m=m, file=SEED) for m in (1, 10, 100, 1000)), *(Run((4, 6, 6, 3), m=m, file=SEED) for m in (10, 50)),
    *(Run((), draws=d, file=SEED) for d in (1000, 10000)), Run((), activation=ONE, file=SEED),
    Run((8, 16, 16, 4), activation=ONE, file=SEED), Run((), method="exact", file=SEED),
    *(Run(s, file=SIG) for s in [(), (4, 6, 6, 3), (8, 16, 16, 4)]), Run((), m=100, file=SIG),
    # measured later, to test the fit beyond its first range (then fitted with the rest)
    Run((24, 48, 48, 12)), Run((2, 400, 2)), Run((4, 8, 8, 8, 8, 8, 4)), Run(m=100, draws=1000),
    Run((4, 8, 8, 8, 8, 8, 4), file=SEED), Run((2, 100, 2), file=SEED),
]

#: (run, wall seconds, peak MB) measured on the 2-core reference machine (others' jobs running: ±30 %), in the
#: order of DESIGN (3×13 and 3×14 timed once by hand); a time −t: stopped at t s, longer (its MB unknown, 0).
MEASURED: list[tuple[Run, float, float]] = [
    (Run((2, 3, 2)), 0.43, 63),
    (Run(), 0.45, 65),
    (Run((4, 6, 6, 3)), 0.58, 74),
    (Run((6, 10, 10, 3)), 0.84, 97),
    (Run((2, 50, 2)), 0.92, 82),
    (Run((8, 16, 16, 4)), 1.98, 177),
    (Run((2, 200, 2)), 4.6, 191),
    (Run((12, 24, 24, 6)), 5.81, 498),
    (Run((10, 20, 20, 20, 5)), 16.1, 1136),
    (Run((16, 32, 32, 8)), 17.04, 1257),
    (Run((20, 40, 40, 10)), 40.27, 2722),
    (Run((2, 2, 2, 2)), 0.45, 64),
    (Run((2,) * 8), 0.92, 68),
    (Run((2,) * 12), 3.05, 76),
    (Run((2,) * 16), 104.77, 326),
    (Run((3, 3, 3, 3)), 0.46, 65),
    (Run((3,) * 8), 1.77, 80),
    (Run((3,) * 12), 3.73, 107),
    (Run((3,) * 13), 19.5, 116),
    (Run((3,) * 14), 46.06, 125),
    (Run((3,) * 16), -200, 0),
    (Run((2, 2, 2, 2), method="probabilistic"), 0.6, 64),
    (Run((2,) * 8, method="probabilistic"), 0.73, 68),
    (Run((2,) * 12, method="probabilistic"), 0.91, 76),
    (Run((2,) * 16, method="probabilistic"), 2.55, 86),
    (Run(m=1), 0.85, 64),
    (Run(m=10), 1.2, 71),
    (Run(m=50), 4.74, 104),
    (Run(m=200), 41.02, 229),
    (Run((8, 16, 16, 4), m=1), 1.8, 139),
    (Run((8, 16, 16, 4), m=10), 11.31, 474),
    (Run((8, 16, 16, 4), m=50), -200, 0),
    (Run(draws=1000), 0.74, 71),
    (Run(draws=10000), 0.91, 171),
    (Run((8, 16, 16, 4), draws=1000), 4.82, 284),
    (Run((8, 16, 16, 4), draws=10000), 13.37, 1314),
    (Run(activation=ONE), 1.1, 97),
    (Run((8, 16, 16, 4), activation=ONE), 2.08, 127),
    (Run((10, 20, 20, 20, 5), activation=ONE), 6.57, 363),
    (Run((6, 10, 10, 3), method="exact"), 1.67, 95),
    (Run((8, 16, 16, 4), method="exact"), 4.69, 177),
    (Run(method="probabilistic"), 0.65, 65),
    (Run((4, 6, 6, 3), method="probabilistic"), 0.95, 74),
    (Run((2, 3, 2), engine="sympy"), 3.61, 95),
    (Run(engine="sympy"), 7.5, 99),
    (Run((4, 6, 6, 3), engine="sympy"), 74.89, 111),
    (Run((), file=SEED), 1.14, 65),
    (Run((2, 3, 2), file=SEED), 0.96, 63),
    (Run(file=SEED), 1.04, 64),
    (Run((4, 6, 6, 3), file=SEED), 2.32, 73),
    (Run((2, 50, 2), file=SEED), 13.29, 117),
    (Run((6, 10, 10, 3), file=SEED), 8.1, 92),
    (Run((8, 16, 16, 4), file=SEED), 36.09, 169),
    (Run((2, 200, 2), file=SEED), 186.99, 727),
    (Run((10, 20, 20, 20, 5), file=SEED), -200, 0),
    (Run((2,) * 8, file=SEED), 1.27, 67),
    (Run((2,) * 12, file=SEED), 4.86, 73),
    (Run((2,) * 16, file=SEED), 110.98, 327),
    (Run((3,) * 8, file=SEED), 3.27, 77),
    (Run((3,) * 12, file=SEED), 309.6, 795),
    (Run((), m=1, file=SEED), 0.65, 64),
    (Run((), m=10, file=SEED), 1.24, 70),
    (Run((), m=100, file=SEED), 14.64, 135),
    (Run((), m=1000, file=SEED), -900, 0),
    (Run((4, 6, 6, 3), m=10, file=SEED), 6.29, 98),
    (Run((4, 6, 6, 3), m=50, file=SEED), 38.36, 222),
    (Run((), draws=1000, file=SEED), 1.28, 67),
    (Run((), draws=10000, file=SEED), 1.83, 131),
    (Run((), activation=ONE, file=SEED), 1.05, 65),
    (Run((8, 16, 16, 4), activation=ONE, file=SEED), 30.86, 159),
    (Run((), method="exact", file=SEED), 1.12, 65),
    (Run((), file=SIG), 1.14, 97),
    (Run((4, 6, 6, 3), file=SIG), 1.38, 97),
    (Run((8, 16, 16, 4), file=SIG), 4.21, 103),
    (Run((), m=100, file=SIG), 1.41, 106),
    (Run((24, 48, 48, 12)), 115.43, 5259),
    (Run((2, 400, 2)), 23.34, 444),
    (Run((4, 8, 8, 8, 8, 8, 4)), 6.24, 282),
    (Run(m=100, draws=1000), 11.16, 368),
    (Run((4, 8, 8, 8, 8, 8, 4), file=SEED), 180.2, 255),
    (Run((2, 100, 2), file=SEED), 45.93, 246),
]


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


def measure(path: str, limit: float = 200.0) -> None:
    done = set()
    try:
        with open(path) as f:
            done = {json.loads(line)["label"] for line in f}
    except FileNotFoundError:
        pass
    for run in DESIGN:
        if run.label() in done:
            continue
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


#: Where the fit starts (the same every time, so that it is repeatable). Not fitted: sp (no SymPy run is
#: probabilistic), gp (one deep probabilistic file run, seed.md on 3×12, 795 MB; the claims' own stay small).
START = {"t0": 0.4, "a": 1.0, "alpha": 1.7, "nu": 1.7, "mq": 100.0, "beta": 2.0, "kappa": 0.3, "b": 1.0,
         "gamma": 0.85, "x": 1.0, "xi": 1.3, "d": 1.0, "sx": 30.0, "sp": 40.0,
         "r0": 60.0, "c": 0.0005, "pi": 1.8, "mu": 1.0, "lam": 1.0, "g": 40.0, "gp": 0.0, "e": 30.0}
GP_FILE = 0.37
_SCALES = {"t0", "a", "mq", "b", "x", "d", "sx", "sp", "r0", "c", "g", "e"}  # fitted as logarithms (positive)
_TIME = ["t0", "a", "alpha", "nu", "mq", "beta", "kappa", "b", "gamma", "x", "xi", "d", "sx"]
_MEMORY = ["r0", "c", "pi", "mu", "lam", "g", "e"]


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
    for kind, start in (("claims", START), ("file", {**START, "gp": GP_FILE})):
        mine = [r for r in rows if (r[0].file == SEED if kind == "file" else not r[0].file)]  # fitted to seed.md
        if not mine:
            continue
        # a file takes the claims' exponents of the tree and expansion terms (too few deep runs to fit them again)
        names = [n for n in _TIME if kind == "claims" or n not in ("sx", "gamma", "xi")]
        shared = {n: fitted["claims"][n] for n in ("gamma", "xi", "sx")} if "claims" in fitted else {}
        k = _fit(mine, {**start, **shared} if kind == "file" else start, names, False)
        k = _fit(mine, k, _MEMORY, True)
        fitted[kind] = k
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
