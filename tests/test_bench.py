"""The benchmark's plumbing: the SymPy baseline script, measuring a child, the tables, the plot.

``measure``, ``baseline`` and ``bench_ladder`` start ``python -m derive check`` or ``python -m
derive.baseline`` themselves, not through ``run_cli``: the tests that call them are marked ``cli`` by hand.
Nothing here asserts how long anything took (a limit small enough to cut every baseline off is not a speed
target: the baseline cannot start Python and SymPy in that time on any machine).
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from rich.console import Console

from derive.bench import (
    LADDER,
    PHASES,
    Baseline,
    BenchRow,
    baseline,
    bench_ladder,
    markdown_table,
    measure,
    plot,
    render,
)
from derive.errors import DeriveError
from derive.floor import _backprop, floor_seconds


def test_baseline_script_passes_on_a_correct_derivation(run_cli):
    out = run_cli("2,3,2", "2", module="derive.baseline")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["passed"] is True
    assert result["sizes"] == [2, 3, 2] and result["m"] == 2
    assert result["checked"] == 3 * 2 + 3 + 2 * 3 + 2      # every weight and bias
    assert result["seconds"] > 0


def test_baseline_script_rejects_bad_usage(run_cli):
    out = run_cli("2,3,2", module="derive.baseline")
    assert out.returncode == 2 and "usage" in out.stderr
    assert out.stdout == ""


@pytest.mark.cli
def test_measure_a_tiny_network():
    row = measure((2, 3, 2), 2)
    assert row.parameters == 17                            # 3*2 + 3 + 2*3 + 2
    assert row.wall > 0 and row.peak_mb > 0
    assert row.passed is True and row.timed_out is False
    assert set(row.phases) == {key for key, _ in PHASES}


@pytest.mark.cli
def test_a_slow_baseline_is_cut_off():
    b = baseline((4, 5, 5, 3), 1, timeout=0.5)
    assert b.timed_out is True and b.seconds is None
    assert b.passed is None and b.limit == 0.5


@pytest.fixture(scope="module")
def rows():
    return bench_ladder([((2, 2), 1), ((2, 3, 2), 2)], with_baseline=True, timeout=0.3)


@pytest.mark.cli
def test_ladder_rows(rows):
    assert [r.sizes for r in rows] == [(2, 2), (2, 3, 2)]
    assert [r.parameters for r in rows] == [6, 17]
    assert all(r.passed and not r.timed_out for r in rows)
    for r in rows:
        assert r.baseline is not None and r.baseline.limit == 0.3
        if r.baseline.timed_out:
            assert r.baseline.seconds is None and r.ratio is None
        else:
            assert r.ratio == pytest.approx(r.baseline.seconds / r.wall)
    md = markdown_table(rows)
    assert len(md.strip().splitlines()) == 2 + len(rows)
    for r, line in zip(rows, md.strip().splitlines()[2:]):
        assert line.startswith(f"| {','.join(map(str, r.sizes))} | {r.m} | {r.parameters} | ")
        assert (" | >0.3 | " in line) == r.baseline.timed_out, line


# Rows made by hand: one whose baseline finished, one whose baseline was cut off at its limit (always the
# case the real ladder above meets, but not one a test may count on).
FINISHED = BenchRow((2, 2), 1, 6, wall=0.5, peak_mb=60.0, passed=True, timed_out=False,
                    phases={"build": 0.01, "numeric check": 0.02}, floor=0.002,
                    baseline=Baseline(seconds=5.0, timed_out=False, passed=True, peak_mb=90.0, limit=0.3))
CUT_OFF = BenchRow((2, 3, 2), 2, 17, wall=0.1, peak_mb=61.0, passed=True, timed_out=False,
                   baseline=Baseline(seconds=None, timed_out=True, passed=None, peak_mb=40.0, limit=0.3))


def test_ratio_is_the_baseline_time_over_derives_and_none_when_cut_off():
    assert FINISHED.ratio == pytest.approx(10.0)
    assert CUT_OFF.ratio is None


def test_render_and_markdown_include_every_row():
    rows = [FINISHED, CUT_OFF]
    buf = io.StringIO()
    render(rows, Console(file=buf, width=200))
    md = markdown_table(rows)
    for text, column in ((buf.getvalue(), "SymPy"), (md, "SymPy baseline s")):
        assert "2,2" in text and "2,3,2" in text and column in text
    assert len(md.strip().splitlines()) == 2 + len(rows)
    finished, cut_off = md.strip().splitlines()[2:]
    assert finished == "| 2,2 | 1 | 6 | 0.50 | 60 | 0.01 | – | – | – | 0.02 | 2.0 | 250 | 5.00 | 10.0 |"  # 0.5 / 0.002
    assert cut_off == "| 2,3,2 | 2 | 17 | 0.10 | 61 | – | – | – | – | – | – | – | >0.3 | >3 |"  # 0.3 / 0.1: a bound
    table = buf.getvalue()
    assert ">0.3" in table and ">3" in table and "5.00" in table and "10.0" in table


def test_markdown_without_baseline_has_no_baseline_columns():
    row = BenchRow((2, 2), 1, 6, wall=1.0, peak_mb=80.0, passed=True, timed_out=False, phases={"build": 0.0})
    md = markdown_table([row])
    assert "baseline" not in md and "| 2,2 | 1 | 6 | 1.00 | 80 |" in md


def test_default_ladder():
    assert LADDER[0] == ((2, 3, 3, 2), 2) and LADDER[2] == ((4, 5, 5, 3), 1) and LADDER[-1] == ((40, 80, 80, 10), 2)


@pytest.mark.cli
def test_plot_writes_a_png(rows, tmp_path):
    pytest.importorskip("matplotlib")
    path = plot(rows, tmp_path / "sub" / "bench.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.cli
def test_measure_reports_bad_input_as_a_derive_error():
    with pytest.raises(DeriveError, match="width"):
        measure((2, 0), 1)


def test_the_numpy_floor_computes_the_true_gradients():
    """The floor is a real backward pass (else the ratio to it means nothing): its ∂J/∂W^1_{11} and ∂J/∂b^2_1
    agree with central differences of J = mean over samples of ½‖a^{n_l} − y‖², draw by draw."""
    rng = np.random.default_rng(1)
    W = [rng.standard_normal((3, 2, 4)), rng.standard_normal((2, 3, 4))]
    b = [rng.standard_normal((3, 1, 4)), rng.standard_normal((2, 1, 4))]
    x, y = rng.standard_normal((2, 5, 4)), rng.uniform(size=(2, 5, 4))

    def J(W, b):
        a = x
        for w, c in zip(W, b):
            a = np.tanh(np.einsum("ijd,jkd->ikd", w, a) + c)
        return (0.5 * ((a - y) ** 2).sum(axis=0)).mean(axis=0)

    (_, db2), (dW1, _) = _backprop(W, b, x, y)
    h, bumped = 1e-6, [w.copy() for w in W]
    bumped[0][0, 0] += h
    lowered = [w.copy() for w in W]
    lowered[0][0, 0] -= h
    np.testing.assert_allclose(dW1[0, 0], (J(bumped, b) - J(lowered, b)) / (2 * h), rtol=1e-6, atol=1e-9)
    up, down = [c.copy() for c in b], [c.copy() for c in b]
    up[1][0] += h
    down[1][0] -= h
    np.testing.assert_allclose(db2[0], (J(W, up) - J(W, down)) / (2 * h), rtol=1e-6, atol=1e-9)
    assert floor_seconds((2, 3, 2), 2, repeat=1) > 0
