"""The terminal report at 80 columns, compared with stored snapshots.

Rendered the way rich tests itself: into ``Console(file=io.StringIO(),
width=80, color_system=None)``. Only what varies by platform is masked: relative
errors at rounding level (~1e-16, or 0) in the table; timings are fixed
in the Report before rendering. Statuses, entry counts, marks, the failing
entry, the witness, the numeric worst case and the summary line are compared
exactly.

Regenerate after an intended change, then read the diff::

    UPDATE_SNAPSHOTS=1 python -m pytest tests/test_report_snapshot.py

The failing report is rendered in a fresh interpreter with a fixed
PYTHONHASHSEED, and compared with another hash seed: the witness point must
depend only on derive's own seed.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from checks.report import PHASES, run
from derive.model.backprop import SEED_CLAIMS, replace_claim
from derive.model.network import Network
from derive.primitives import activation
from derive.render.terminal import render

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"

# A relative error at rounding level in the table's "rel err" column (followed by the pass/fail mark);
# replaced by a placeholder of the same width so the columns stay aligned.
_TINY_REL_ERR = re.compile(r"(?<= )(?:\d\.\de-(?:1\d|[2-9]\d)|0\.0e\+00)(?=\s+[✓✗] )")
_PLACEHOLDER = "x.xe-xx"

FIXED_TIMINGS = {phase: (k + 1) / 1000 for k, phase in enumerate(PHASES)}  # 0.001 s, 0.002 s, ...


def mask(text: str) -> str:
    """Platform-dependent rounding noise masked; trailing spaces (rich pads every line) dropped."""
    text = _TINY_REL_ERR.sub(_PLACEHOLDER, text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def rendered(report, timings: bool = False) -> str:
    console = Console(file=io.StringIO(), width=80, color_system=None)
    render(report, console, timings=timings)
    return console.file.getvalue()


def sign_flipped_claims():
    """The seed claims with the sign of δ^{n_l} flipped: δ^{n_l}_i = (y_i − a^{n_l}_i) f'(z^{n_l}_i)."""
    return replace_claim(SEED_CLAIMS, "delta_output", lambda v, l, i, j: (v.y[i] - v.a[l][i]) * v.fprime(v.z[l][i]),
                         r"\left(y_i - a^{n_l}_i\right) f'\!\left(z^{n_l}_i\right)")


def default_text() -> str:
    return rendered(run(Network((2, 3, 3, 2), activation("generic"))))


def failing_text() -> str:
    report = run(Network((2, 3, 2), activation("generic")), sign_flipped_claims())
    return rendered(dataclasses.replace(report, timings=FIXED_TIMINGS), timings=True)


def _in_fresh_interpreter(what: str, hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONIOENCODING": "utf-8"}
    out = subprocess.run([sys.executable, __file__, what], capture_output=True, text=True, encoding="utf-8",
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def compare(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    text = mask(text)
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"wrote {path}")
    if not path.exists():
        pytest.fail(f"no snapshot {path}; create it with UPDATE_SNAPSHOTS=1 python -m pytest {__file__}")
    assert text == path.read_text(encoding="utf-8")


def test_default_report_matches_snapshot():
    compare("report_default.txt", default_text())


def test_failing_report_matches_snapshot():
    compare("report_failing.txt", _in_fresh_interpreter("failing", "0"))


def test_failing_report_is_the_same_whatever_the_hash_seed():
    assert _in_fresh_interpreter("failing", "0") == _in_fresh_interpreter("failing", "3")


def test_mask_hides_rounding_noise_but_not_real_errors():
    row = " grad_W   proved   21   1.6e-15   ✓ pass \n grad_b   proved   8   0.0e+00   ✓ pass \n"
    bad = " delta_output   refuted   2   2.0e+00   ✗ FAIL \n"
    assert mask(row) == " grad_W   proved   21   x.xe-xx   ✓ pass\n grad_b   proved   8   x.xe-xx   ✓ pass\n"
    assert mask(bad) == bad.replace(" \n", "\n")
    assert mask("  numeric: max rel error 2 > 1e-09 at δ^3_1") == "  numeric: max rel error 2 > 1e-09 at δ^3_1\n"


def test_snapshots_state_what_they_are_about():
    """Guards the stored files themselves: a regenerated snapshot must still say PASS / FAIL where it should."""
    default = (SNAPSHOTS / "report_default.txt").read_text(encoding="utf-8")
    failing = (SNAPSHOTS / "report_failing.txt").read_text(encoding="utf-8")
    assert default.splitlines()[-1].startswith("PASS  6 of 6 claims passed")
    assert "✗" not in default
    assert failing.splitlines()[-1] == "FAIL  5 of 6 claims passed"
    assert "first failing entry δ^3_1 (layer 3, unit 1)" in failing
    assert "timings   build 0.001 s · differentiate 0.002 s" in failing


if __name__ == "__main__":  # used by _in_fresh_interpreter
    sys.stdout.write({"default": default_text, "failing": failing_text}[sys.argv[1]]())
