"""``pytest --derive FILE``: each step of a derivation is a test, the twin with one planted mistake fails at
its line with derive's explanation; ``assert_derivation`` in a user's own test.

The plugin runs in pytest's ``pytester`` (in this process, through the installed ``pytest11`` entry point;
once in a subprocess). The expected counts come from derive's own check of the seed post, not from numbers
written here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checks.derivation import DEFAULT_SIZES, check_file
from checks.results import Status
from derive.errors import DeriveError
from derive.model.network import Network
from derive.testing import assert_derivation

pytest_plugins = ["pytester"]

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed.md"
RIGHT = "&= -(y_i -a_i^{n_l})f'(z_i^{n_l})"  # the output residual's last step, as the seed writes it
WRONG = "&= (y_i -a_i^{n_l})f'(z_i^{n_l})"  # the planted mistake: its sign dropped
SMALL = ("Output residual:\n\n$$\n\\delta_i^{n_l} = -(y_i - a_i^{n_l}) f'(z_i^{n_l})\n$$\n\n"
         "<!-- derive: skip -->\n$$\n\\int x = 1\n$$\n\n$$\n\\int x = 1\n$$\n")  # passed, skipped, not checked


@pytest.fixture(scope="module")
def seed_report():
    """derive's own check of the seed post, on the networks ``derive check FILE`` uses."""
    return check_file(SEED, tuple(Network(sizes) for sizes in DEFAULT_SIZES))


@pytest.fixture(scope="module")
def counts(seed_report) -> dict[str, int]:
    """What pytest should count for the seed post: passed steps, and skipped ones (definitions, author's skips)."""
    statuses = [r.status for r in seed_report.results]
    assert Status.FAILED not in statuses and Status.NOT_CHECKED not in statuses
    return {"passed": statuses.count(Status.PASSED),
            "skipped": statuses.count(Status.DEFINITION) + statuses.count(Status.SKIPPED)}


@pytest.fixture(scope="module")
def twin() -> tuple[str, int]:
    """The seed post with one sign dropped, and the line of the mistake."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    (k,) = [k for k, line in enumerate(lines) if line.strip() == RIGHT]
    lines[k] = WRONG
    return "\n".join(lines), k + 1


def _expected_names(report) -> list[str]:
    """The documented ids: line-N, then line-N-2, … for further steps written on line N."""
    names: list[str] = []
    for r in report.results:
        name = f"line-{r.step.line}"
        names.append(name if name not in names else f"{name}-{sum(n.startswith(name) for n in names) + 1}")
    return names


def test_a_correct_derivation_passes_step_by_step(pytester, counts):
    pytester.makefile(".md", post=SEED.read_text(encoding="utf-8"))
    result = pytester.runpytest("--derive", "post.md")
    result.assert_outcomes(passed=counts["passed"], skipped=counts["skipped"])
    assert result.ret == pytest.ExitCode.OK


def test_a_dropped_sign_fails_at_its_line_with_derives_explanation(pytester, counts, twin):
    text, line = twin
    pytester.makefile(".md", post=text)
    result = pytester.runpytest("--derive", "post.md", "-rf")
    result.assert_outcomes(passed=counts["passed"] - 1, failed=1, skipped=counts["skipped"])
    result.stdout.fnmatch_lines([f"*line {line}: = (y_i -a_i^{{n_l}})f'(z_i^{{n_l}})*",
                                 f"✗ post.md:{line} (first wrong step, in the equation at line *)",
                                 "  left:  -(y_{i} - f(z_{i}^{n_l})) f'(z_{i}^{n_l})",
                                 "  right: (y_{i} - a_{i}^{n_l}) f'(z_{i}^{n_l})",
                                 "  refuted at network *: left − right = *",
                                 "  witness at a random rational point *",
                                 f"FAILED post.md::line-{line} - *"])
    assert "Traceback" not in result.stdout.str() and "pytest_plugin.py" not in result.stdout.str()


def test_ids_are_one_per_step_line_n_then_line_n_2(pytester, seed_report):
    pytester.makefile(".md", post=SEED.read_text(encoding="utf-8"))
    result = pytester.runpytest("--derive", "post.md", "--collect-only", "-q")
    ids = [line for line in result.stdout.lines if line.startswith("post.md::")]
    assert ids == [f"post.md::{name}" for name in _expected_names(seed_report)]
    assert len(set(ids)) == len(ids) and "post.md::line-62-2" in ids  # the seed's line 62 holds two steps


def test_k_selects_one_step(pytester):
    pytester.makefile(".md", post=SEED.read_text(encoding="utf-8"))
    result = pytester.runpytest("--derive", "post.md", "-k", "line-82", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["post.md::line-82 PASSED*"])


def test_skipped_and_not_checked_steps_are_never_passes(pytester):
    pytester.makefile(".md", small=SMALL)
    strict = pytester.runpytest("--derive", "small.md", "-rs")
    strict.assert_outcomes(passed=1, skipped=1, failed=1)
    strict.stdout.fnmatch_lines(["· small.md:13 not checked: unknown macro*", "*small.md: marked derive: skip"])
    allowed = pytester.runpytest("--derive", "small.md", "--derive-allow-unchecked", "-rs")
    allowed.assert_outcomes(passed=1, skipped=2)
    allowed.stdout.fnmatch_lines(["*small.md: not checked (--derive-allow-unchecked): unknown macro*"])


def test_without_derive_a_markdown_file_is_not_collected(pytester):
    pytester.makefile(".md", post=SMALL)
    result = pytester.runpytest()
    result.assert_outcomes()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_missing_path_is_a_usage_error(pytester):
    result = pytester.runpytest("--derive", "nope.md")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --derive nope.md: no such file or directory"])


def test_a_bad_front_matter_is_one_collection_error_in_one_line(pytester):
    pytester.makefile(".md", post="---\nderive:\n  colour: red\n---\n\n" + SMALL)
    result = pytester.runpytest("--derive", "post.md")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["derive: error: front matter line 3: unknown derive key 'colour' *"])
    assert "Traceback" not in result.stdout.str()


def test_a_directory_means_its_derivations_and_named_files_are_checked_too(pytester):
    pytester.mkdir("docs")
    (pytester.path / "docs" / "a.md").write_text(SMALL, encoding="utf-8")
    (pytester.path / "docs" / "notes.txt").write_text(SMALL, encoding="utf-8")  # not a derivation's suffix
    (pytester.path / "b.tex").write_text(SMALL, encoding="utf-8")
    result = pytester.runpytest("--derive", "docs", "b.tex", "--collect-only", "-q")
    files = [line.split("::")[0] for line in result.stdout.lines if "::" in line]
    assert sorted(files) == ["b.tex"] * 3 + ["docs/a.md"] * 3


def test_a_notebook_step_is_named_by_its_cell_and_line(pytester):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Residuals\n"},
             {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [], "execution_count": None},
             {"cell_type": "markdown", "metadata": {}, "source": SMALL}]
    pytester.makefile(".ipynb", post=json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    result = pytester.runpytest("--derive", "post.ipynb", "-v")
    result.assert_outcomes(passed=1, skipped=1, failed=1)
    result.stdout.fnmatch_lines(["post.ipynb::cell-3-line-4 PASSED*", "post.ipynb::cell-3-line-9 SKIPPED*",
                                 "post.ipynb::cell-3-line-13 FAILED*"])


def test_a_step_in_an_input_file_is_named_by_that_file_and_its_line(pytester):
    residual = "\\[\n\\delta_i^{n_l} = -(y_i - a_i^{n_l}) f'(z_i^{n_l})\n\\]\n"
    pytester.makefile(".tex", main="\\section{Residuals}\n" + residual + "\\input{chapters/hidden}\n")
    pytester.mkdir("chapters")
    (pytester.path / "chapters" / "hidden.tex").write_text("% the same residual, with its sign dropped\n"
                                                            + residual.replace("-(y_i", "(y_i"), encoding="utf-8")
    result = pytester.runpytest("--derive", "main.tex", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["main.tex::line-3 PASSED*", "main.tex::chapters/hidden.tex-line-3 FAILED*"])
    result.stdout.fnmatch_lines(["*_ chapters/hidden.tex line 3: δ_i^{n_l} = (y_i - a_i^{n_l})*"])  # the child's place


def test_loading_the_plugin_imports_no_symbolic_engine():
    code = "import sys, derive.pytest_plugin; print(sorted({'sympy', 'symengine', 'checks'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.cli
def test_the_entry_point_loads_the_plugin_in_a_real_pytest_process(pytester, twin):
    text, line = twin
    pytester.makefile(".md", post=text)
    result = pytester.runpytest_subprocess("--derive", "post.md", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["plugins: *derive-*", f"✗ post.md:{line} (first wrong step, *",
                                 f"FAILED post.md::line-{line} *"])


def test_assert_derivation_returns_the_report_of_a_correct_derivation(seed_report):
    report = assert_derivation(SEED)
    assert report.passed and [r.status for r in report.results] == [r.status for r in seed_report.results]


def test_assert_derivation_raises_on_the_twin_naming_its_line(tmp_path, twin):
    text, line = twin
    (tmp_path / "post.md").write_text(text, encoding="utf-8")
    with pytest.raises(AssertionError) as caught:
        assert_derivation(tmp_path / "post.md")
    message = str(caught.value)
    assert f"post.md:{line} (first wrong step" in message and "witness at a random rational point" in message
    assert message.splitlines()[-1].startswith("FAIL  ") and " 1 failed" in message.splitlines()[-1]


def test_assert_derivation_lists_steps_not_checked_and_refuses_unknown_options(tmp_path):
    (tmp_path / "small.md").write_text(SMALL, encoding="utf-8")
    with pytest.raises(AssertionError, match=r"small\.md:13 not checked: unknown macro"):
        assert_derivation(tmp_path / "small.md")
    assert assert_derivation(tmp_path / "small.md", allow_unchecked=True).unchecked == 1
    with pytest.raises(TypeError, match="unknown derive option 'size'"):
        assert_derivation(tmp_path / "small.md", size="2,3,2")


def test_assert_derivation_reads_tool_derive_under_its_own_options(tmp_path, monkeypatch):
    """As ``derive check FILE``: the project's [tool.derive] over derive's defaults, the options over both."""
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nsizes = "2,3,2"\nallow-unchecked = true\n',
                                             encoding="utf-8")
    (tmp_path / "small.md").write_text(SMALL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = assert_derivation("small.md")  # the table's allow-unchecked: the step not checked is accepted
    assert [n.sizes for n in report.nets] == [(2, 3, 2)] and report.unchecked == 1
    assert [n.sizes for n in assert_derivation("small.md", sizes=(2, 2, 2)).nets] == [(2, 2, 2)]
    (tmp_path / "pyproject.toml").write_text("[tool.derive]\ndraws = \"many\"\n", encoding="utf-8")
    with pytest.raises(DeriveError, match=r"pyproject\.toml: \[tool\.derive\] draws: expected a whole number"):
        assert_derivation("small.md")
