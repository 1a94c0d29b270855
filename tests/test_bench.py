"""The benchmark's plumbing (fast): the SymPy baseline script, measuring a child, the tables, the plot."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from rich.console import Console

from derive.bench import LADDER, PHASES, BenchRow, baseline, bench_ladder, markdown_table, measure, plot, render


def test_baseline_script_passes_on_a_correct_derivation():
    out = subprocess.run([sys.executable, "-m", "derive.baseline", "2,3,2", "2"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["passed"] is True
    assert result["sizes"] == [2, 3, 2] and result["m"] == 2
    assert result["checked"] == 3 * 2 + 3 + 2 * 3 + 2      # every weight and bias
    assert result["seconds"] > 0


def test_baseline_script_rejects_bad_usage():
    out = subprocess.run([sys.executable, "-m", "derive.baseline", "2,3,2"], capture_output=True, text=True)
    assert out.returncode == 2 and "usage" in out.stderr


def test_measure_a_tiny_network():
    row = measure((2, 3, 2), 2)
    assert row.parameters == 17                            # 3*2 + 3 + 2*3 + 2
    assert row.wall > 0 and row.peak_mb > 0
    assert row.passed is True and row.timed_out is False
    assert set(row.phases) == {key for key, _ in PHASES}


def test_a_slow_baseline_is_cut_off():
    b = baseline((4, 5, 5, 3), 1, timeout=0.5)
    assert b.timed_out is True and b.seconds is None


@pytest.fixture(scope="module")
def rows():
    return bench_ladder([((2, 2), 1), ((2, 3, 2), 2)], with_baseline=True, timeout=0.3)


def test_ladder_rows(rows):
    assert [r.sizes for r in rows] == [(2, 2), (2, 3, 2)]
    for r in rows:
        assert r.baseline is not None and r.baseline.limit == 0.3
        if r.baseline.timed_out:
            assert r.baseline.seconds is None and r.ratio is None
        else:
            assert r.ratio == pytest.approx(r.baseline.seconds / r.wall)


def test_render_and_markdown_include_every_row(rows):
    buf = io.StringIO()
    render(rows, Console(file=buf, width=200))
    md = markdown_table(rows)
    for text, column in ((buf.getvalue(), "SymPy"), (md, "SymPy baseline s")):
        assert "2,2" in text and "2,3,2" in text and column in text
    assert len(md.strip().splitlines()) == 2 + len(rows)
    assert ">0.3" in md or all(not r.baseline.timed_out for r in rows)


def test_markdown_without_baseline_has_no_baseline_columns():
    row = BenchRow((2, 2), 1, 6, wall=1.0, peak_mb=80.0, passed=True, timed_out=False, phases={"build": 0.0})
    md = markdown_table([row])
    assert "baseline" not in md and "| 2,2 | 1 | 6 | 1.00 | 80 |" in md


def test_default_ladder():
    assert LADDER[0] == ((2, 3, 3, 2), 2) and LADDER[2] == ((4, 5, 5, 3), 1) and len(LADDER) == 6


def test_plot_writes_a_png(rows, tmp_path):
    pytest.importorskip("matplotlib")
    path = plot(rows, tmp_path / "sub" / "bench.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_measure_reports_bad_input_as_a_derive_error():
    from derive.errors import DeriveError

    with pytest.raises(DeriveError, match="width"):
        measure((2, 0), 1)
