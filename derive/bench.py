"""``derive bench``: how long ``derive check`` takes, as a user would time it, and where the time goes.

Figures, not a test: a busy machine makes them slower, never wrong.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

__all__ = ["bench_check"]


def bench_check(args: list[str], repeat: int) -> dict:
    """Wall time of ``python -m derive check ARGS`` (interpreter start included), ``repeat`` times."""
    walls, phases = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "derive", "check", *args, "--json", "--timings"],
                             capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        if out.returncode not in (0, 1):
            raise RuntimeError(out.stderr.strip() or f"derive check exited {out.returncode}")
        phases = json.loads(out.stdout)["timings"]
    return {"args": args, "repeat": repeat, "min": min(walls), "median": statistics.median(walls),
            "max": max(walls), "phases": phases}
