"""Scale: the probabilistic identity test, several files at once, the progress bar, refusing what cannot finish."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from rich.console import Console

from checks.budget import estimate
from checks.numeric import Tally
from checks.report import run
from derive.model.backprop import SEED_CLAIMS, replace_claim
from derive.model.network import Network
from derive.render import progress
from derive.render.terminal import as_text
from derive.settings import Settings

GOOD = "$$\n\\delta_i^{n_l} = -(y_i - a_i^{n_l})\\, f'(z_i^{n_l})\n$$\n"
BAD = "$$\n\\delta_i^{n_l} = (y_i - a_i^{n_l})\\, f'(z_i^{n_l})\n$$\n"


def test_probabilistic_proof_states_its_error_bound():
    report = run(Network((2, 3, 3, 2)), method="probabilistic")
    assert report.passed
    for r in report.results:
        assert r.symbolic.method == "probabilistic"
        assert 0 < r.symbolic.error <= 1e-15
        assert r.symbolic.label.startswith("proved (probabilistic, error ≤ ")


def test_probabilistic_test_refutes_a_wrong_claim_with_a_real_witness():
    wrong = replace_claim(SEED_CLAIMS, "grad_b", lambda v, l, i, j: sum(v.dJ_db[k][l][i] for k in v.samples))
    result = {r.claim.id: r for r in run(Network((2, 3, 3, 2)), wrong, method="probabilistic").results}["grad_b"]
    assert result.symbolic.status == "refuted"
    assert result.symbolic.failure.automatic != result.symbolic.failure.hand


def test_auto_method_is_exact_on_small_networks_and_probabilistic_on_large_ones():
    small = run(Network((2, 3, 2)), draws=4).results[0].symbolic
    large = run(Network((6, 10, 10, 3)), draws=4).results[0].symbolic
    assert (small.method, large.method) == ("exact", "probabilistic")


def test_json_states_the_method_and_bound(run_cli):
    out = run_cli("check", "--json", "--probabilistic", "--draws", "8")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert len(doc["claims"]) == len(SEED_CLAIMS)
    assert all(c["symbolic"]["method"] == "probabilistic" and c["symbolic"]["error_bound"] <= 1e-15
               for c in doc["claims"])


def test_a_network_too_large_is_refused_with_an_estimate(run_cli):
    out = run_cli("check", "--sizes", "400,800,800,100")
    assert out.returncode == 2
    (line,) = out.stderr.strip().splitlines()
    assert "1,041,700 parameters" in line and "GB" in line and "--force" in line


def test_estimates_grow_with_the_network():
    sizes = [(2, 3, 3, 2), (8, 16, 16, 4), (10, 20, 20, 20, 5), (40, 80, 80, 10), (400, 800, 800, 100)]
    guesses = [estimate(Network(s), Settings()) for s in sizes]
    assert [g.seconds for g in guesses] == sorted(g.seconds for g in guesses)
    assert not guesses[3].too_large and guesses[4].too_large  # 40,80,80,10 runs now (6 s); ten times wider does not


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("many")
    names = [f"good{k}.md" for k in range(3)] + ["bad.md"]
    for name in names:
        (folder / name).write_text(BAD if name == "bad.md" else GOOD)
    return folder, names


def test_several_files_give_json_lines_in_order_and_the_worst_exit_code(run_cli, files):
    folder, names = files
    out = run_cli("check", "--json", "--jobs", "2", *names, cwd=folder)
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    assert [d["file"] for d in docs] == names
    assert [d["passed"] for d in docs] == [True, True, True, False]
    assert out.returncode == 1


def test_several_files_print_a_summary_row_each_and_a_total(run_cli, files):
    folder, names = files
    out = run_cli("check", "--jobs", "2", *names, "missing.md", cwd=folder)
    assert out.returncode == 2
    assert out.stderr.strip() == "derive: error: missing.md: no such file"
    rows = [line for line in out.stdout.splitlines() if line.strip().startswith(("good", "bad", "missing"))]
    assert len(rows) == len(names) + 1
    assert "total: 5 files, 3 passed" in out.stdout
    assert "✗ bad.md:2 (first wrong step" in out.stdout


def test_one_job_and_two_jobs_agree(run_cli, files):
    folder, names = files
    one, two = run_cli.many([("check", "--json", "--jobs", jobs, *names) for jobs in ("1", "2")], cwd=folder)
    assert one.returncode == two.returncode == 1, (one.stderr, two.stderr)  # bad.md fails under either
    assert one.stdout == two.stdout
    assert [json.loads(line)["file"] for line in one.stdout.splitlines()] == names


def test_progress_bar_shows_claims_and_entries_once_the_work_lasts(monkeypatch):
    monkeypatch.setattr(progress, "DELAY", 0.0)
    buffer = io.StringIO()
    with progress.ProgressBar(console=Console(file=buffer, force_terminal=True, width=100)) as bar:
        run(Network((2, 3, 2)), draws=4, progress=bar)
    text = buffer.getvalue()
    assert "entries" in text and "/" in text
    # 2 × 39 entries on 2,3,2 (symbolic, then numeric) + 1 for differentiating; the last state is always drawn
    assert "79/79 entries" in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # colours and cursor moves removed


def test_progress_bar_is_silent_when_quiet(monkeypatch):
    monkeypatch.setattr(progress, "DELAY", 0.0)
    buffer = io.StringIO()
    with progress.ProgressBar(enabled=False, console=Console(file=buffer, force_terminal=True)) as bar:
        bar("symbolic check", 1, 2)
    assert buffer.getvalue() == ""


def test_progress_bar_is_silent_when_stderr_is_not_a_terminal(run_cli):
    out = run_cli("check", "--draws", "4")  # stderr is a pipe here
    assert out.returncode == 0, out.stdout
    assert out.stderr == ""


def test_report_as_text_serves_as_a_pytest_assertion_message():
    wrong = replace_claim(SEED_CLAIMS, "delta_output", lambda v, l, i, j: (v.y[i] - v.a[l][i]) * v.fprime(v.z[l][i]))
    report = run(Network((2, 3, 2)), wrong, draws=8)
    text = as_text(report)
    assert not report.passed
    assert "✗ delta_output: symbolic refuted" in text and text.rstrip().endswith("FAIL  5 of 6 claims passed")


def test_nan_or_inf_on_either_side_is_a_numeric_failure_with_its_reason():
    tally = Tally(draws=3)
    auto = np.array([[1.0, 2.0, 3.0]])
    assert tally.add(["δ^3_1"], "tanh", auto, auto.copy())
    assert not tally.add(["δ^3_2"], "tanh", auto, np.array([[1.0, np.nan, 3.0]]))
    result = tally.result(1e-9)
    assert result.status == "failed"
    assert result.reason == "the hand side is nan at δ^3_2, draw 2 (tanh)"
    assert not Tally(draws=1).add(["x"], "sigmoid", np.array([[np.inf]]), np.array([[1.0]]))
