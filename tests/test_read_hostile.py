"""`derive check FILE` on hostile input: it never crashes, never hangs, never passes.

Each case runs the real command line in a subprocess (``run_cli``, whose timeout
guards against a hang; nothing here is timed). Exit code 2 for a file that cannot
be read at all; exit 1 when it reads but nothing in it could be checked.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

GOOD = "$$\n\\delta_i^{n_l} = -(y_i - a_i^{n_l}) f'(z_i^{n_l})\n$$\n"


@pytest.fixture
def derive_check(run_cli, tmp_path):
    """``derive_check(*args)``: ``derive check ARGS`` run in tmp_path, on a wide terminal."""
    return lambda *args: run_cli("check", *args, cwd=tmp_path, width=200)


def assert_sane(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode != 0, proc.stdout


def assert_unreadable(proc: subprocess.CompletedProcess, *words: str) -> str:
    """Exit 2 with one line on stderr, naming the problem; nothing on stdout."""
    assert_sane(proc)
    assert proc.returncode == 2
    err = proc.stderr
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("derive: error: ")
    for word in words:
        assert word in err, err
    return err


def not_checked(proc: subprocess.CompletedProcess) -> list[dict]:
    """Exit 1, every entry "not checked" with a reason; the entries."""
    assert_sane(proc)
    assert proc.returncode == 1, proc.stderr
    (doc,) = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert doc["passed"] is False
    assert doc["claims"]
    for entry in doc["claims"]:
        assert entry["status"] == "not checked" and entry["passed"] is None, entry
        assert entry["reason"], entry
    return doc["claims"]


def test_ten_megabyte_file_is_refused_naming_its_size(derive_check, tmp_path):
    path = tmp_path / "big.md"
    with path.open("w", encoding="utf-8") as f:
        f.write(GOOD)
        f.write(("x" * 1023 + "\n") * (10 * 1024))
    assert_unreadable(derive_check("big.md"), "big.md", "10.0 MB", "too large")


@pytest.mark.parametrize("opener, inside, closer", [("{", "a_1^{2}", "}"), ("(", "2", ")"), (r"\frac{1}{", "2", "}")],
                         ids=["braces", "parentheses", "frac"])
def test_ten_thousand_nested_groups_are_not_checked(derive_check, tmp_path, opener, inside, closer):
    (tmp_path / "nested.md").write_text("$$\n" + opener * 10000 + inside + closer * 10000 + " = 1\n$$\n")
    (entry,) = not_checked(derive_check("--json", "nested.md"))
    assert entry["source"] == "nested.md:2"
    assert "nesting" in entry["reason"]


def test_unbalanced_delimiters_are_not_checked_with_a_reason(derive_check, tmp_path):
    equations = [r"\delta_i^{n_l} = -(y_i - a_i^{n_l} f'(z_i^{n_l})", r"\left( a_i^{n_l} = 1",
                 r"{a_i^{n_l} = 1", r"a_i^{n_l}} = 1", r"a_i^{n_l}) = 1"]
    (tmp_path / "unbalanced.md").write_text("".join(f"$$\n{eq}\n$$\n" for eq in equations))
    claims = not_checked(derive_check("--json", "unbalanced.md"))
    assert [e["source"] for e in claims] == [f"unbalanced.md:{2 + 3 * k}" for k in range(len(equations))]


@pytest.mark.parametrize("text", ["\\[\n a_1^{2} = 1\n", "\\begin{align}\n a_1^{2} &= 1\n"],
                         ids=["bracket", "align"])
def test_unterminated_environment_is_not_checked(derive_check, tmp_path, text):
    (tmp_path / "open.tex").write_text(text)
    (entry,) = not_checked(derive_check("--json", "open.tex"))
    assert "unterminated" in entry["reason"] and "line 1" in entry["reason"]


def test_unterminated_dollar_block_is_not_checked(derive_check, tmp_path):
    (tmp_path / "open.md").write_text("Intro.\n\n" + GOOD.rstrip("$\n") + "\n" + "More prose.\n" * 5)
    (entry,) = not_checked(derive_check("--json", "open.md"))
    assert entry["source"] == "open.md:3"
    assert "unterminated $$" in entry["reason"] and "line 3" in entry["reason"]


@pytest.mark.parametrize("data", [GOOD.encode() + b"\x00\x01\x02\xff\xfe", bytes(range(256)) * 64],
                         ids=["text_then_nul", "all_bytes"])
def test_binary_file_is_refused(derive_check, tmp_path, data):
    (tmp_path / "blob.md").write_bytes(data)
    assert_unreadable(derive_check("blob.md"), "blob.md", "binary")


@pytest.mark.parametrize("data", [GOOD.encode() + b"caf\xe9\n", GOOD.encode() + "€".encode()[:2]],
                         ids=["latin1_byte", "truncated_sequence"])
def test_invalid_utf8_is_refused(derive_check, tmp_path, data):
    (tmp_path / "latin.md").write_bytes(data)
    assert_unreadable(derive_check("latin.md"), "latin.md", "UTF-8")


def test_unknown_macro_is_not_checked_and_named(derive_check, tmp_path):
    (tmp_path / "macro.md").write_text("$$\n\\foobar{a_i^{n_l}} = a_i^{n_l}\n$$\n")
    (entry,) = not_checked(derive_check("--json", "macro.md"))
    assert "\\foobar" in entry["reason"]


@pytest.mark.parametrize("upper", ["1000000000", "10^{9}"])
def test_sum_of_a_billion_terms_is_not_checked(derive_check, tmp_path, upper):
    (tmp_path / "sum.md").write_text(f"$$\n\\sum_{{k=1}}^{{{upper}}} a_1^{{2}} = 1\n$$\n")
    (entry,) = not_checked(derive_check("--json", "sum.md"))
    assert "1000000000 terms" in entry["reason"]


@pytest.mark.parametrize("equation", ["(a_1^{2})^{99999999999999999999} = a_1^{2}", "2^{2^{2^{2^{2^{2}}}}} = 1",
                                      "a_1^{2} = (a_1^{2})^{-100000}"], ids=["decimal", "tower", "negative"])
def test_huge_exponent_is_not_checked(derive_check, tmp_path, equation):
    (tmp_path / "power.md").write_text(f"$$\n{equation}\n$$\n")
    (entry,) = not_checked(derive_check("--json", "power.md"))
    assert "exponent" in entry["reason"] and "too large" in entry["reason"]


def test_missing_file_is_refused(derive_check, tmp_path):
    assert_unreadable(derive_check("missing.md"), "missing.md", "no such file")


def test_a_folder_without_derivations_is_refused(derive_check, tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("$$x = 2x$$\n", encoding="utf-8")  # only .md, .tex, .ipynb
    assert_unreadable(derive_check("folder"), "folder", "no .md, .tex, .ipynb file in this folder")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_endless_device_is_refused(derive_check, tmp_path):
    assert_unreadable(derive_check("/dev/zero"), "not a regular file")


# Limits that must hold for the whole equation, not only per node: every node here is within its own
# limit, the equation as a whole is refused (and the run ends: run_cli's timeout catches a hang).


def test_nested_sums_of_a_billion_terms_in_all_are_not_checked(derive_check, tmp_path):
    (tmp_path / "sums.md").write_text("$$\n\\sum_{k=1}^{1000}\\sum_{p=1}^{1000}\\sum_{q=1}^{1000} 1 = 1\n$$\n")
    (entry,) = not_checked(derive_check("--json", "sums.md"))
    assert entry["source"] == "sums.md:2"
    assert "too large" in entry["reason"] and "terms" in entry["reason"]


def test_tower_of_bounded_powers_is_not_checked(derive_check, tmp_path):
    (tmp_path / "tower.md").write_text("$$\n((((2^{64})^{64})^{64})^{64})^{64} = 1\n$$\n")
    (entry,) = not_checked(derive_check("--json", "tower.md"))
    assert entry["source"] == "tower.md:2"
    assert "too large" in entry["reason"]
