"""Fault isolation: a bug met while checking one equation (or one file) is reported there, as an internal
error that never passes, and everything else is still checked and reported. Faults are injected."""

from __future__ import annotations

import codecs
import re
import warnings
from pathlib import Path

import pytest

import checks.derivation as derivation
from checks.derivation import DEFAULT_SIZES, check_text
from checks.results import Status
from derive.cli import main
from derive.errors import ReadError
from derive.model.network import Network
from derive.render.terminal import MAX_ROWS

NETS = tuple(Network(s) for s in DEFAULT_SIZES)
POST = r"""
$$
\delta^l_i = \left(\sum_{j=1}^{s_{l+1}} W^l_{ji} \delta^{l+1}_j\right) f'(z^l_i)
$$

$$
\frac{\partial}{\partial b^l_i} J(W,b;x,y) = \delta^{l+1}_i
$$

$$
\frac{\partial}{\partial W^l_{ij}} J(W,b;x,y) = a^l_j \delta^{l+1}_i
$$
"""


def _fault_on_bias(monkeypatch):
    real = derivation.instances

    def instances(table, lhs, rhs, *rest):
        if "partial b" in str(lhs):
            raise RuntimeError("boom")
        return real(table, lhs, rhs, *rest)

    monkeypatch.setattr(derivation, "instances", instances)


def test_without_a_fault_the_post_passes():
    report = check_text(POST, "post.md", NETS)
    assert report.passed and [r.status for r in report.results] == [Status.PASSED] * 3


def test_a_fault_in_one_equation_leaves_the_others_checked(monkeypatch):
    _fault_on_bias(monkeypatch)
    report = check_text(POST, "post.md", NETS)
    recurrence, bias, weight = report.results
    assert bias.status is Status.NOT_CHECKED and bias.reason == "internal error (RuntimeError: boom)"
    assert recurrence.status is Status.PASSED and weight.status is Status.PASSED
    assert not report.passed
    allowed = check_text(POST, "post.md", NETS, derivation.Settings(allow_unchecked=True))
    assert not allowed.passed  # --allow-unchecked never lets a bug pass


def test_a_fault_in_the_numeric_pass_fails_the_steps_on_that_network_only(monkeypatch):
    def broken(net, act, exprs, args, cols):
        raise ValueError("no numbers today")

    monkeypatch.setattr(derivation, "at_draws", broken)
    report = check_text(POST, "post.md", NETS)
    assert all(r.status is Status.FAILED for r in report.results) and not report.passed
    assert all("internal error (ValueError: no numbers today)" in r.numeric.reason for r in report.results)


def test_a_fault_in_one_file_leaves_the_other_files_reported(monkeypatch, tmp_path, capsys):
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    for path in (good, bad):
        path.write_text(POST, encoding="utf-8")
    real = derivation.check_file

    def check_file(path, *args, **kwargs):
        if "bad" in str(path):
            raise KeyError("lost")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(derivation, "check_file", check_file)
    assert main(["check", str(good), str(bad), "--jobs", "1", "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert "total: 2 files, 1 passed" in out and "good.md" in out  # the good file is checked and listed
    assert "bad.md: internal error (KeyError: 'lost')" in err and "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["check", "--lambda", "-inf"], "argument --lambda: expected a finite number, got '-inf'"),
    (["check", "--lambda", "1e309"], "argument --lambda: expected a finite number, got '1e309'"),
    (["bench", "--ladder", ";"], "argument --ladder: expected SIZES:M;SIZES:M…, got ';'"),
])
def test_command_line_values_are_refused_in_one_line(argv, message, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err == f"derive: error: {message}\n"


def test_a_negative_lambda_is_a_value_not_an_option(capsys):
    assert main(["check", "--lambda", "-0.5", "--quiet", "--draws", "4", "--json"]) == 0
    assert '"lambda": "-1/2"' in capsys.readouterr().out


def test_a_bad_rung_of_the_ladder_is_said_once(capsys):
    assert main(["bench", "--ladder", "2,0,2:1"]) == 2
    assert capsys.readouterr().err == "derive: error: layer 2 has width 0; every width must be a whole number ≥ 1\n"


def test_a_huge_network_is_refused_before_any_symbol_is_built(capsys):
    net = Network((2, 3_000_000, 2))  # counting its parameters builds nothing
    assert net.parameter_count == 3_000_000 * 3 + 2 * 3_000_001
    assert main(["check", "--sizes", "2,3000000,2"]) == 2
    assert "would take" in capsys.readouterr().err


def test_an_output_that_cannot_be_written_is_one_line(capsys):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    assert main(["export", "--markdown", "/dev/full", "--quiet", "--draws", "4"]) == 2
    assert capsys.readouterr().err == "derive: error: cannot write /dev/full: No space left on device\n"


def test_numeric_overflow_is_a_result_not_a_warning():
    text = "$$\n\\exp(1000 z^{l}_i) = 2\n$$\n"  # inf on the draws
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (result,) = check_text(text, "t.md", NETS).results
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]
    assert result.status is Status.FAILED and "the automatic side is inf" in result.numeric.reason


def test_a_step_that_breaks_the_numeric_batch_fails_alone(monkeypatch):
    real = derivation.at_draws

    def fragile(net, act, exprs, *rest):
        if any("lambda" in str(e) for e in exprs):  # only the last row's instances have λ
            raise RuntimeError("cannot evaluate")
        return real(net, act, exprs, *rest)

    monkeypatch.setattr(derivation, "at_draws", fragile)
    text = POST + "\n$$\n\\lambda W^l_{ij} = W^l_{ij} \\lambda\n$$\n"
    *others, residual = check_text(text, "post.md", NETS).results
    assert residual.status is Status.FAILED and "internal error (RuntimeError" in residual.numeric.reason
    assert all(r.status is Status.PASSED for r in others)


def test_a_long_file_is_summarised_and_its_wrong_rows_are_still_listed(tmp_path, capsys):
    rows = ["x_1 = x_1"] * (MAX_ROWS + 10)
    rows[200] = "x_1 = 2 x_1"
    long = tmp_path / "long.md"
    long.write_text("\n\n".join(f"$$\n{r}\n$$" for r in rows), encoding="utf-8")
    assert main(["check", str(long), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "the table lists 1 of those not passed" in " ".join(out.split())
    assert out.count("✓ passed") == 0 and out.count("✗ FAILED") == 1
    short = tmp_path / "short.md"  # the twin: a short file draws every row
    short.write_text("\n\n".join(f"$$\n{r}\n$$" for r in rows[195:205]), encoding="utf-8")
    assert main(["check", str(short), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert out.count("✓ passed") == 9 and "the table lists" not in out


@pytest.mark.parametrize("row, reason", [
    (r"\frac{1}{z^l_i - z^l_i} = 0", "division by zero"),
    (r"(z^l_i - z^l_i)^{-1} = 0", "division by zero"),
    (r"\log(z^l_i - z^l_i) = 0", "log 0 is undefined"),
    (r"\sum_{k=0}^{m} J(W,b;x^{(k)},y^{(k)}) = 0", "sample 0 does not exist"),
])
@pytest.mark.parametrize("engine", ["symengine", "sympy"])
def test_an_undefined_value_is_a_reason_on_both_engines(row, reason, engine):
    nets = tuple(Network(s, engine=engine) for s in DEFAULT_SIZES)
    (result,) = check_text(f"$$\n{row}\n$$\n", "t.md", nets).results
    assert result.status is Status.NOT_CHECKED and reason in result.reason, result.reason


ENCODED = "$$\nx_1 = x_1\n$$\n\n$$\nx_1 = 2 x_1\n$$\n"


@pytest.mark.parametrize("data", [ENCODED.encode("utf-16"), codecs.BOM_UTF16_BE + ENCODED.encode("utf-16-be"),
                                  ENCODED.replace("\n", "\r").encode(), ENCODED.replace("\n", "\r\n").encode(),
                                  codecs.BOM_UTF8 + ENCODED.encode()])
def test_byte_order_marks_and_line_endings_are_read_with_the_editors_line_numbers(data, tmp_path):
    path = tmp_path / "post.md"
    path.write_bytes(data)
    report = derivation.check_file(path, NETS)
    assert [(r.step.line, r.status) for r in report.results] == [(2, Status.PASSED), (6, Status.FAILED)]


@pytest.mark.parametrize("data, message", [(ENCODED.encode("utf-16-le"), "binary file (contains NUL bytes)"),
                                           (b"$$ x_1 = \xff $$", "not UTF-8 text (invalid byte at offset 9)")])
def test_text_without_a_mark_must_be_utf8(data, message, tmp_path):
    path = tmp_path / "post.md"
    path.write_bytes(data)
    with pytest.raises(ReadError, match=re.escape(message)):
        derivation.check_file(path, NETS)
