"""Hostile input at the edges (issue 11): values with no real meaning on the draws and at a witness, the two
engines on e^{log u}, a number too long to read, a path with a newline, a reader that leaves the pipe, and
reports that reach the reader file by file. Each test failed before its fix; each pass has a failing twin."""

from __future__ import annotations

import random
import subprocess
import sys
from fractions import Fraction

import pytest
import sympy

import derive.checkfiles as checkfiles
from checks.derivation import DEFAULT_SIZES, Settings, check_text
from checks.identity import witness_values
from checks.results import FileSummary, Status
from checks.symbolic import _digits
from derive.cli import main
from derive.model.engines import engine
from derive.model.network import Network
from derive.primitives import ACTIVATIONS

NETS = {e: tuple(Network(s, engine=e) for s in DEFAULT_SIZES) for e in ("symengine", "sympy")}


def _one(row: str, eng: str = "symengine"):
    (result,) = check_text(f"$$\n{row}\n$$\n", "t.md", NETS[eng]).results
    return result


@pytest.mark.parametrize("row", [r"e^{\log x_1} = x_1", r"\exp(\log x_1) = x_1", r"e^{2\log x_1} = x_1 x_1",
                                 r"e^{z^2_1 - 2\log x_1} \cdot x_1 x_1 = e^{z^2_1}", r"\log(e^{x_1}) = x_1"])
@pytest.mark.parametrize("eng", ["symengine", "sympy"])
def test_the_engines_agree_on_exp_of_a_log(row, eng):
    """SymPy writes e^{c log u} as u^c on construction; symengine kept it, undecided, and NaN on the draws."""
    assert _one(row, eng).status is Status.PASSED


@pytest.mark.parametrize("row", [r"e^{\log x_1} = 2 x_1", r"e^{2\log x_1} = x_1", r"e^{z^2_1 + \log x_1} = e^{z^2_1}"])
@pytest.mark.parametrize("eng", ["symengine", "sympy"])
def test_a_wrong_exp_of_a_log_fails_on_both_engines(row, eng):
    assert _one(row, eng).status is Status.FAILED


def test_draws_outside_both_sides_domain_are_not_compared_and_are_counted():
    same = _one(r"\log(a^2_1 - 0.5) = \log(a^2_1 - 0.5)")  # NaN on both sides where a < 0.5: was "failed"
    assert same.status is Status.PASSED and same.numeric.undefined > 0
    assert _one(r"\log(a^2_1 - 0.5) = \log(a^2_1 - 0.5) + 10^{-3}").status is Status.FAILED  # the twin


def test_log_0_on_both_sides_is_not_compared_either():
    nets = tuple(Network(s, activation="relu") for s in DEFAULT_SIZES)  # relu(z) = 0 for z < 0: log 0 = −inf
    (same,) = check_text("$$\n\\log(a^2_1) = \\log(a^2_1)\n$$\n", "t.md", nets).results
    assert same.status is Status.PASSED and same.numeric.undefined > 0
    (off,) = check_text("$$\n\\log(a^2_1) = \\log(2 a^2_1)\n$$\n", "t.md", nets).results
    assert off.status is Status.FAILED


def test_undefined_at_every_draw_is_never_a_pass():
    nowhere = _one(r"\log(a^2_1 - 2) = \log(a^2_1 - 2)")  # a ≤ 1 for sigmoid: no draw has a value
    assert nowhere.status is Status.FAILED and "neither side is finite" in nowhere.numeric.reason


def test_one_side_undefined_where_the_other_has_a_value_fails():
    wrong = _one(r"\log(z^2_1 - 5) = z^2_1")
    assert wrong.status is Status.FAILED and "the automatic side is nan" in wrong.numeric.reason


def test_the_witness_counts_digits_exactly_not_through_a_floating_log():
    a, h = sympy.Integer(1), 1 - sympy.Rational(1, 10**20 - 1)  # a / (a − h) = 10^20 − 1: twenty digits
    assert _digits(a, h) == 12 + 19  # float(10^20 − 1) rounds to 1e20, whose log10 gave 12 + 20
    assert _digits(sympy.Integer(10) ** 400 + 1, sympy.Integer(10) ** 400) == 60  # past the floats: no overflow


def test_a_witness_where_a_log_goes_complex_is_no_witness_not_a_crash():
    eng, xp = engine("symengine"), engine("symengine").xp
    x = xp.Symbol("x")
    auto, hand = xp.log(x - 1) * eng.f(x), x
    found = [witness_values(eng, ACTIVATIONS[name], auto, hand, seed)
             for name in ("generic", "tanh") for seed in range(12)]
    assert None in found  # x ≤ 1 at some points: log is complex there
    assert all(v is None or (v[0] != v[1] and not isinstance(v[0], complex)) for v in found)


def test_a_number_too_long_to_read_is_not_checked_with_its_length():
    result = _one("x_1 = " + "9" * 5000)
    assert result.status is Status.NOT_CHECKED and "a number of 5,000 digits (at most 1,000)" in result.reason
    assert _one("x_1 = x_1 + " + "9" * 900 + " - " + "9" * 900).status is Status.PASSED  # the twin: long but read


def test_a_path_with_a_newline_is_named_on_one_line(capsys, tmp_path):
    assert main(["check", str(tmp_path / "a\nb.md")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a\\nb.md: no such file" in err


def test_a_long_command_line_value_is_shortened_in_its_error(capsys):
    assert main(["check", "--seed", "9" * 5000]) == 2
    err = capsys.readouterr().err
    assert err.endswith("… (5,000 characters)'\n") and len(err) < 200


@pytest.mark.cli
@pytest.mark.parametrize("argv, verdict", [(["check", "--quiet"], 0), (["check", "--quiet", "--sizes", "2,2"], 0)])
def test_a_reader_that_leaves_the_pipe_leaves_the_verdict_and_no_noise(argv, verdict):
    for _ in range(3):  # the reader leaves before the first byte: the exit code must not depend on timing
        p = subprocess.Popen([sys.executable, "-m", "derive", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert p.stdout is not None and p.stderr is not None
        p.stdout.close()
        err = p.stderr.read()
        assert (p.wait(), err) == (verdict, b"")


@pytest.mark.cli
def test_a_failing_check_keeps_its_verdict_when_the_reader_leaves(tmp_path):
    wrong = tmp_path / "wrong.md"
    wrong.write_text("$$\nx_1 = 2 x_1\n$$\n", encoding="utf-8")
    p = subprocess.Popen([sys.executable, "-m", "derive", "check", str(wrong)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()
    assert (p.wait(), p.stderr.read()) == (1, b"")


def test_each_files_report_is_written_before_the_next_file_is_checked(monkeypatch, capsys, tmp_path):
    paths = [tmp_path / f"{k}.md" for k in range(3)]
    seen: list[str] = []

    def check_one(path, *rest):
        seen.append(capsys.readouterr().out)  # what had reached the reader when this file's check began
        return 0, f'{{"file": "{path}"}}\n', FileSummary(path), []

    monkeypatch.setattr(checkfiles, "_check_one", check_one)
    assert main(["check", *map(str, paths), "--json", "--jobs", "1"]) == 0
    assert seen[0] == "" and all(str(paths[k - 1]) in seen[k] for k in (1, 2))


def test_random_rationals_through_the_exact_witness_stay_exact():
    eng, xp = engine("symengine"), engine("symengine").xp
    x, y = xp.Symbol("x"), xp.Symbol("y")
    rnd = random.Random(0)
    for seed in range(20):
        k = rnd.randint(1, 5)
        found = witness_values(eng, ACTIVATIONS["generic"], eng.f(x) ** k / (y**2 + 1), eng.f(x) ** k, seed)
        assert found is not None and isinstance(found[0], Fraction) and isinstance(found[1], Fraction)


def test_an_empty_sum_is_zero_on_every_path():
    assert _one(r"\sum_{i=3}^{1} x_i = 0").status is Status.PASSED
    wrong = _one(r"\sum_{i=1}^{0} 1 = 1")  # Python's 0 reached the witness: "internal error (AttributeError …)"
    assert wrong.status is Status.FAILED and not wrong.reason and wrong.failure is not None


@pytest.mark.parametrize("row, status, reason", [
    (r"W^l = W^l", Status.PASSED, ""),
    (r"\|W^1\|^2 = 0", Status.FAILED, ""),
    (r"f(W^1) = 0", Status.FAILED, "shapes do not match"),
])
def test_whole_matrix_equations_are_results(row, status, reason):
    result = _one(row)
    assert result.status is status and reason in result.reason, result.reason


@pytest.mark.parametrize("seed", range(5))
def test_the_seeds_hidden_chain_with_f_of_a_fails_at_every_witness_seed(seed):
    """A realistic slip (f'(a) for f'(z)) sent a ratio near 1 through a floating log on some seeds."""
    row = r"\delta^{l}_i = \left(\sum_{j=1}^{s_{l+1}} W^{l}_{ji} \delta^{l+1}_j\right) f'(a^{l}_i)"
    (result,) = check_text(f"$$\n{row}\n$$\n", "t.md", NETS["symengine"], Settings(seed=seed)).results
    assert result.status is Status.FAILED and "internal error" not in result.reason + str(result.numeric.reason)


@pytest.mark.parametrize("row, status, reason", [
    (r"\exp(z^{l}_i) = e^{z^{l}_i}", Status.PASSED, ""),
    (r"\frac{\partial}{\partial z^{l}_i} f'(z^{l}_i) = 0", Status.NOT_CHECKED,
     "cannot differentiate: the derivative of f' (f'') is not read"),
    (r"\frac{1}{0} = \frac{1}{0}", Status.NOT_CHECKED, "division by zero in \\frac{1}{0}"),
])
@pytest.mark.parametrize("eng", ["symengine", "sympy"])
def test_both_engines_give_the_same_result_and_reason(row, status, reason, eng):
    result = _one(row, eng)
    assert result.status is status and result.reason == reason, result.reason


def test_probabilistic_is_refused_for_a_file_not_ignored(capsys, tmp_path):
    post = tmp_path / "post.md"
    post.write_text("$$\nx_1 = x_1\n$$\n", encoding="utf-8")
    assert main(["check", str(post), "--probabilistic"]) == 2  # it used to be silently ignored
    assert "--probabilistic applies to the seed's claims" in capsys.readouterr().err
    assert main(["check", str(post), "--exact", "--quiet"]) == 0
