"""``derive bench``: how long ``derive check`` takes, as a user would time it, and where the time goes.

Figures, not a test: a busy machine makes them slower, never wrong.

``bench_ladder`` times a ladder of networks of growing
size, each in a fresh interpreter (wall time with start-up, the child's own peak RSS, the phases), and
optionally the hand-written SymPy check of ``derive.baseline`` on the same network, with a time limit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from derive.errors import DeriveError
from derive.floor import floor_seconds

__all__ = ["LADDER", "PHASES", "Run", "BenchRow", "Baseline", "measure", "baseline", "bench_ladder", "render",
           "markdown_table", "plot"]

#: The default ladder: (sizes, m), from the README's default network up to a 4-layer one.
LADDER: list[tuple[tuple[int, ...], int]] = [
    ((2, 3, 3, 2), 2),
    ((3, 4, 4, 2), 2),
    ((4, 5, 5, 3), 1),
    ((6, 10, 10, 3), 2),
    ((8, 16, 16, 4), 2),
    ((10, 20, 20, 20, 5), 1),
    ((20, 40, 40, 10), 2),
    ((26, 52, 52, 13), 2),
    ((40, 80, 80, 10), 2),
]

#: Phases of ``derive check --timings``: (key in its JSON, column title).
PHASES: list[tuple[str, str]] = [("build", "build"), ("differentiate", "differentiate"),
                                 ("symbolic check", "symbolic"), ("evaluate", "evaluate"),
                                 ("numeric check", "numeric")]


def _sizes_arg(sizes: Sequence[int]) -> str:
    return ",".join(str(int(s)) for s in sizes)


def _parameters(sizes: Sequence[int]) -> int:
    """Weights and biases of a fully connected network: sum of s_{l+1} (s_l + 1)."""
    return sum(sizes[l + 1] * (sizes[l] + 1) for l in range(len(sizes) - 1))


@dataclass(frozen=True)
class Run:
    """One child process: wall time (s), its own peak RSS (MB), exit code, whether it was cut off, output."""

    wall: float
    peak_mb: float
    returncode: int
    timed_out: bool
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Baseline:
    """The hand-written SymPy check on one network: seconds (None when cut off at ``limit``)."""

    seconds: float | None
    timed_out: bool
    passed: bool | None
    peak_mb: float
    limit: float | None


@dataclass(frozen=True)
class BenchRow:
    """One rung of the ladder: derive's wall time with start-up, peak memory and phases, and the baseline if run.

    ``ratio`` is baseline seconds / derive's wall (None unless both finished)."""

    sizes: tuple[int, ...]
    m: int
    parameters: int
    wall: float
    peak_mb: float
    passed: bool
    timed_out: bool
    phases: dict = field(default_factory=dict)
    baseline: Baseline | None = None
    floor: float | None = None  # seconds of the NumPy floor (derive.floor) on the same draws

    @property
    def ratio(self) -> float | None:
        b = self.baseline
        return None if b is None or b.seconds is None or self.timed_out else b.seconds / self.wall


def _run(cmd: list[str], timeout: float | None) -> Run:
    """Run ``cmd``; wall time, the child's own peak RSS (``wait4``), exit code, output; killed at ``timeout``.

    Output goes to temporary files (no pipe can fill up while we block in ``wait4``).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        killed, lock = threading.Event(), threading.Lock()
        reaped: list[bool] = []

        def kill() -> None:  # os.kill, not proc.kill: Popen's poll() could reap the child before wait4
            with lock:
                if not reaped:
                    killed.set()
                    os.kill(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout is not None else None
        if timer is not None:
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            with lock:
                reaped.append(True)
            if timer is not None:
                timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        timed_out = killed.is_set() and os.WIFSIGNALED(status)
        return Run(wall, usage.ru_maxrss / 1024, proc.returncode, timed_out,  # Linux: ru_maxrss in KB
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def measure(sizes: Sequence[int], m: int, extra_args: Iterable[str] = (), timeout: float | None = None) -> BenchRow:
    """One ``python -m derive check --sizes SIZES --samples M --json --timings`` in a fresh interpreter.

    Its wall time includes interpreter start; passed means exit code 0. Exit code 2 (bad input)
    raises ``DeriveError`` with the child's message.
    """
    cmd = [sys.executable, "-m", "derive", "check", "--sizes", _sizes_arg(sizes), "--samples", str(m),
           "--json", "--timings", "--force", *extra_args]
    r = _run(cmd, timeout)
    row = BenchRow(tuple(sizes), m, _parameters(sizes), r.wall, r.peak_mb, False, r.timed_out,
                   floor=floor_seconds(sizes, m))
    if r.timed_out:
        return row
    if r.returncode not in (0, 1):
        raise DeriveError(r.stderr.strip().splitlines()[-1].removeprefix("derive: error: ") if r.stderr.strip()
                          else f"derive check exited {r.returncode}")
    doc, _ = json.JSONDecoder().raw_decode(r.stdout.lstrip())  # the first (only) document
    return replace(row, parameters=doc["network"]["parameters"], phases=doc.get("timings", {}),
                   passed=r.returncode == 0)


def baseline(sizes: Sequence[int], m: int, timeout: float | None) -> Baseline:
    """The hand-written SymPy check (``python -m derive.baseline``) in a fresh interpreter, cut at ``timeout``."""
    r = _run([sys.executable, "-m", "derive.baseline", _sizes_arg(sizes), str(m)], timeout)
    if r.timed_out:
        return Baseline(None, True, None, r.peak_mb, timeout)
    if r.returncode not in (0, 1):
        raise DeriveError(f"baseline exited {r.returncode}: {r.stderr.strip()[-300:]}")
    return Baseline(r.wall, False, json.loads(r.stdout)["passed"], r.peak_mb, timeout)


def bench_ladder(ladder: Iterable[tuple[Sequence[int], int]], with_baseline: bool, timeout: float,
                 extra_args: Iterable[str] = (), on_row: Callable[[BenchRow], object] | None = None,
                 derive_timeout: float | None = None) -> list[BenchRow]:
    """One row per rung (sizes, m); with ``with_baseline``, the SymPy baseline cut at ``timeout`` seconds.

    ``derive_timeout`` limits derive itself (default: none). ``on_row(row)`` is called as each row is finished.
    """
    rows = []
    extra_args = list(extra_args)
    for sizes, m in ladder:
        row = measure(sizes, m, extra_args, timeout=derive_timeout)
        if with_baseline:
            row = replace(row, baseline=baseline(sizes, m, timeout))
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def _cells(row: BenchRow, with_baseline: bool) -> list[str]:
    wall = f">{row.wall:.0f}" if row.timed_out else f"{row.wall:.2f}"
    if not row.timed_out and not row.passed:
        wall += " (failed)"
    cells = [_sizes_arg(row.sizes), str(row.m), str(row.parameters), wall, f"{row.peak_mb:.0f}"]
    cells += [f"{row.phases[key]:.2f}" if key in row.phases else "–" for key, _ in PHASES]
    cells += [f"{row.floor * 1000:.1f}", f"{row.wall / row.floor:,.0f}"] if row.floor else ["–", "–"]
    b = row.baseline
    if with_baseline:
        if b is not None and b.timed_out:
            cells.append(f">{b.limit:g}")
            cells.append(f">{b.limit / row.wall:.0f}" if b.limit and not row.timed_out else "–")
        elif b is not None and b.seconds is not None:
            cells.append(f"{b.seconds:.2f}")
            cells.append(f"{row.ratio:.1f}" if row.ratio is not None else "–")
        else:
            cells += ["–", "–"]
    return cells


def _headers(with_baseline: bool) -> list[str]:
    heads = ["sizes", "m", "parameters", "wall s", "peak MB"] + [title for _, title in PHASES]
    heads += ["NumPy floor ms", "wall ÷ floor"]
    return heads + (["SymPy baseline s", "speed-up ×"] if with_baseline else [])


def _with_baseline(rows: list[BenchRow]) -> bool:
    return any(r.baseline is not None for r in rows)


def render(rows: list[BenchRow], console) -> None:
    """Print the ladder as a rich table on ``console`` (phases in seconds; ">T" = cut off at T s)."""
    from rich import box
    from rich.table import Table

    with_baseline = _with_baseline(rows)
    table = Table(title="derive check (fresh interpreter, start-up included)"
                  + (" vs the hand-written SymPy check" if with_baseline else ""), box=box.SIMPLE_HEAD,
                  pad_edge=False, padding=(0, 1), collapse_padding=True,
                  caption="seconds; MB = peak memory; P = parameters")
    short = ["sizes", "m", "P", "wall", "MB", "build", "diff", "sym", "eval", "num", "floor ms", "÷ floor", "SymPy",
             "×"]
    for i, head in enumerate(short[:len(_headers(with_baseline))]):
        table.add_column(head, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*_cells(row, with_baseline))
    console.print(table)


def markdown_table(rows: list[BenchRow]) -> str:
    """The ladder as a Markdown table (for the README)."""
    with_baseline = _with_baseline(rows)
    heads = _headers(with_baseline)
    lines = ["| " + " | ".join(heads) + " |", "| " + " | ".join(["---"] + ["---:"] * (len(heads) - 1)) + " |"]
    lines += ["| " + " | ".join(_cells(row, with_baseline)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def plot(rows: list[BenchRow], path) -> Path:
    """Log-log PNG at ``path``: wall time against number of parameters, derive and (where measured) the
    SymPy baseline; a baseline cut off by its time limit is drawn as a lower bound (△ at the limit)."""
    try:
        import matplotlib
    except ImportError:
        raise DeriveError("--plot needs matplotlib: pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7.5, 5))
    done = [r for r in rows if not r.timed_out]
    ax.plot([r.parameters for r in done], [r.wall for r in done], "o-", color="tab:blue", label="derive check")
    for r in done:
        ax.annotate(_sizes_arg(r.sizes) + f"\nm={r.m}", (r.parameters, r.wall), va="top",
                    textcoords="offset points", xytext=(3, -5), fontsize=7, color="tab:blue")
    measured = [(r.parameters, r.baseline.seconds) for r in rows if r.baseline and r.baseline.seconds is not None]
    if measured:
        ax.plot(*zip(*measured), "s-", color="tab:red", label="hand-written SymPy check")
    cut = [(r.parameters, r.baseline.limit) for r in rows if r.baseline and r.baseline.timed_out]
    if cut:
        ax.plot(*zip(*cut), "^", color="tab:red", markersize=9, linestyle="none", markerfacecolor="none",
                label=f"SymPy check cut off at {cut[0][1]:g} s (lower bound)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ys = [r.wall for r in done] + [y for _, y in measured + cut if y is not None]
    if ys:
        ax.set_ylim(min(ys) / 2, max(ys) * 2.5)
    xs = [r.parameters for r in rows]
    if xs:
        ax.set_xlim(min(xs) / 1.3, max(xs) * 2)  # room for the last label
    ax.set_xlabel("parameters (weights and biases)")
    ax.set_ylabel("wall time, s (interpreter start included)")
    ax.set_title("Verifying backprop: derive check vs a hand-written SymPy check")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower left", bbox_to_anchor=(0.01, 0.16), fontsize=8)  # between the two curves, on no marker
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
