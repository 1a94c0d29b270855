"""Unchecked is not passed (issue 8): the exit code, the author's skip markers, and every amsmath display
environment read (or listed as not checked), never silently dropped.

The command-line cases run the real CLI in a subprocess (``run_cli``), batched with ``run_cli.many``; the
reading cases call ``display_equations`` and ``check_text`` in this process.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from checks.derivation import DEFAULT_SIZES, check_text
from checks.results import Status
from derive.model.network import Network
from derive.reader import display_equations
from derive.render.terminal import file_summary

WIDTH = 200  # a wide terminal: rich never wraps a FILE:LINE reference or the summary line

OUTPUT_RESIDUAL = r"\delta_i^{n_l} = -(y_i - a_i^{n_l}) f'(z_i^{n_l})"
OUTPUT_RESIDUAL_WRONG = r"\delta_i^{n_l} = (y_i - a_i^{n_l}) f'(z_i^{n_l})"
UNREADABLE = r"\int x = 1"

# The forward pass in the seed's notation, the same sum reordered, and the two planted mistakes.
Z = r"z^{l+1}_i"
SUM = r"\sum_{j=1}^{s_l} W^l_{ij} a^l_j"
RHS = SUM + r" + b^l_i"
REORDERED = r"b^l_i + " + SUM
TRANSPOSED = r"b^l_i + \sum_{j=1}^{s_l} W^l_{ji} a^l_j"  # W^l_{ji} for W^l_{ij}
NO_BIAS = SUM  # + b^l_i dropped


def md(*equations: str) -> str:
    return "".join(f"Text.\n\n$$\n{e}\n$$\n\n" for e in equations)


def json_doc(proc: subprocess.CompletedProcess) -> dict:
    (doc,) = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return doc


def line_of(entry: dict) -> int:
    return int(entry["source"].rsplit(":", 1)[1])


@pytest.fixture
def derive_many(run_cli, tmp_path):
    """``derive_many({name: text}, [args, ...])``: write the files into tmp_path, run the commands there."""
    def run(files: dict[str, str], commands: list[tuple]) -> list[subprocess.CompletedProcess]:
        for name, text in files.items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        return run_cli.many(commands, cwd=tmp_path, width=WIDTH)
    return run


# ---------------------------------------------------------------- the exit code


def test_an_equation_left_not_checked_fails_the_file_unless_allowed(derive_many):
    files = {"mixed.md": md(OUTPUT_RESIDUAL, UNREADABLE)}
    default, allowed, strict, text, text_allowed = derive_many(files, [
        ("check", "--json", "mixed.md"), ("check", "--json", "--allow-unchecked", "mixed.md"),
        ("check", "--json", "--strict", "mixed.md"), ("check", "mixed.md"),
        ("check", "--allow-unchecked", "mixed.md")])
    assert default.returncode == 1, default.stdout + default.stderr
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert strict.returncode == 1, strict.stdout + strict.stderr  # --strict: the default, still accepted
    for proc in (default, allowed, strict):
        doc = json_doc(proc)
        assert [(e["status"], e["passed"]) for e in doc["claims"]] == [("passed", True), ("not checked", None)]
        assert doc["summary"] == {"equations": 2, "passed": 1, "failed": 0, "skipped": 0, "not_checked": 1}
    assert (json_doc(default)["passed"], json_doc(default)["allow_unchecked"]) == (False, False)
    assert (json_doc(allowed)["passed"], json_doc(allowed)["allow_unchecked"]) == (True, True)
    assert text.returncode == 1 and text_allowed.returncode == 0
    summary = "2 equations: 1 passed, 0 failed, 0 skipped, 1 not checked"
    assert f"FAIL  mixed.md: {summary} (not checked is not passed; --allow-unchecked accepts it)" in text.stdout
    assert f"PASS  mixed.md: {summary} (--allow-unchecked: not checked is accepted)" in text_allowed.stdout


def test_a_failure_still_fails_with_allow_unchecked(derive_many):
    (proc,) = derive_many({"bad.md": md(OUTPUT_RESIDUAL_WRONG, UNREADABLE)},
                          [("check", "--json", "--allow-unchecked", "bad.md")])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert json_doc(proc)["summary"]["failed"] == 1


@pytest.mark.parametrize("args, words", [
    (("check", "--allow-unchecked"), "--allow-unchecked applies to checking a FILE"),
    (("check", "--strict"), "--strict applies to checking a FILE"),
    (("check", "--strict", "--allow-unchecked", "x.md"), "not allowed with"),
], ids=["allow-unchecked-without-file", "strict-without-file", "both"])
def test_unchecked_options_misused_exit_2_in_one_line(run_cli, tmp_path, args, words):
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("derive: error: ") and len(proc.stderr.strip().splitlines()) == 1
    assert words in proc.stderr and proc.stdout == ""


def test_several_files_table_counts_skipped_and_not_checked(derive_many):
    files = {"a.md": md(OUTPUT_RESIDUAL),
             "b.md": f"<!-- derive: skip -->\n$$\n{UNREADABLE}\n$$\n" + md(OUTPUT_RESIDUAL)}
    (proc,) = derive_many(files, [("check", "a.md", "b.md", "--jobs", "1")])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    header = next(line for line in proc.stdout.splitlines() if "equations" in line and "file" in line)
    assert header.split() == ["file", "equations", "passed", "failed", "skipped", "not", "checked"]
    total = next(line for line in proc.stdout.splitlines() if line.strip().startswith("total "))
    assert total.split()[1:6] == ["3", "2", "0", "1", "0"]


# ---------------------------------------------------------------- skip markers


SKIPPED_FILES = {
    "marked.md": ("Prose.\n\n<!-- derive: skip -->\n\n  \n$$\n" + UNREADABLE + "\n$$\n\n" + md(OUTPUT_RESIDUAL)),
    "wrong_but_marked.md": ("<!-- derive: skip -->\n$$\n" + OUTPUT_RESIDUAL_WRONG + "\n$$\n" + md(OUTPUT_RESIDUAL)),
    "marked.tex": "\n".join([
        r"% derive: skip", r"\begin{equation}", UNREADABLE, r"\end{equation}",
        r"\begin{align} % derive: skip (a definition, not a claim)", UNREADABLE + r" \\", r"&= 2", r"\end{align}",
        r"%derive: skip", "", r"\begin{dmath}", r"a = b", r"\end{dmath}",
        r"\begin{equation}", OUTPUT_RESIDUAL, r"\end{equation}", ""]),
}


@pytest.fixture
def skipped_runs(derive_many):
    names = list(SKIPPED_FILES)
    runs = derive_many(SKIPPED_FILES, [("check", "--json", n) for n in names] + [("check", names[0])])
    return dict(zip(names, runs)), runs[-1]


@pytest.mark.parametrize("name, skipped_lines, passed_lines", [
    ("marked.md", [7], [13]), ("wrong_but_marked.md", [3], [8]), ("marked.tex", [3, 6, 7, 11], [15]),
])
def test_a_marked_display_is_skipped_never_checked_and_exits_0(skipped_runs, name, skipped_lines, passed_lines):
    proc = skipped_runs[0][name]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json_doc(proc)
    skipped = [e for e in doc["claims"] if e["status"] == "skipped"]
    assert [line_of(e) for e in skipped] == skipped_lines
    assert all(e["passed"] is None and "derive: skip" in e["reason"] and "symbolic" not in e for e in skipped)
    assert [line_of(e) for e in doc["claims"] if e["status"] == "passed"] == passed_lines
    n = len(skipped_lines) + len(passed_lines)
    assert doc["summary"] == {"equations": n, "passed": len(passed_lines), "failed": 0,
                              "skipped": len(skipped_lines), "not_checked": 0}
    assert doc["passed"] is True


def test_skipped_equations_are_counted_in_the_summary_line(skipped_runs):
    text = skipped_runs[1]
    assert text.returncode == 0, text.stdout + text.stderr
    assert "PASS  marked.md: 2 equations: 1 passed, 0 failed, 1 skipped, 0 not checked" in text.stdout
    assert "skipped" in next(line for line in text.stdout.splitlines() if line.strip().startswith("7 "))


def _steps(text: str):
    report = check_text(text, "t.md", tuple(Network(s) for s in DEFAULT_SIZES))
    return report, [(r.step.line, r.status) for r in report.results]


def test_a_marker_separated_from_the_display_by_prose_does_not_skip_it():
    report, steps = _steps("<!-- derive: skip -->\nSome prose.\n$$\n" + UNREADABLE + "\n$$\n" + md(OUTPUT_RESIDUAL))
    assert steps[0] == (4, Status.NOT_CHECKED) and not report.passed
    assert file_summary(report).startswith("FAIL  t.md: 2 equations: 1 passed, 0 failed, 0 skipped, 1 not checked")


def test_a_file_whose_only_equations_are_skipped_has_nothing_checked_and_fails():
    report, steps = _steps(f"<!-- derive: skip -->\n$$\n{OUTPUT_RESIDUAL}\n$$\n")
    assert steps == [(3, Status.SKIPPED)] and report.skipped == 1 and not report.passed
    assert "no equation could be checked" in file_summary(report)


@pytest.mark.parametrize("text, skipped", [
    ("<!-- derive: skip -->\n$$\na = b\n$$\n", True),
    ("<!--derive:skip-->\r\n\r\n   \r\n$$\r\na = b\r\n$$\r\n", True),
    ("% derive: skip\n\\[ a = b \\]\n", True),
    ("$$ % derive: skip\na = b\n$$\n", True),
    ("$$\n\\begin{aligned} % derive: skip\na &= b\n\\end{aligned}\n$$\n", True),
    ("<!-- derive: skip -->\nprose\n$$\na = b\n$$\n", False),
    ("<!-- derive: skip --> prose\n$$\na = b\n$$\n", False),
    ("\\% derive: skip\n$$\na = b\n$$\n", False),
    ("$$\na = b % derive: skip\n$$\n", False),  # a comment after the first row is not a marker
], ids=["html", "html-crlf-blank-lines", "latex-before", "inside-dollars", "inside-wrapped", "prose-between",
        "text-after-marker", "escaped-percent", "comment-after-row"])
def test_where_a_skip_marker_counts(text, skipped):
    (block,) = display_equations(text)
    assert block.skip is skipped


def test_an_unterminated_block_is_never_skipped():
    (block,) = display_equations("<!-- derive: skip -->\n$$\na = b\n")
    assert block.error and not block.skip


# ---------------------------------------------------------------- the environments: each one read


def _chain(sep: str, last: str) -> list[str]:
    return [f"{Z} {sep} {RHS} \\\\", f"{sep} {last}"]


# name: (begin, end, rows given the right-hand side of the last step, row of the failure counted from the first)
ENVIRONMENTS = {
    "bracket": (r"\[", r"\]", lambda last: [f"{Z} = {RHS} = {last}"], 0),
    "dollars": ("$$", "$$", lambda last: [f"{Z} = {RHS} = {last}"], 0),
    "displaymath": (r"\begin{displaymath}", r"\end{displaymath}", lambda last: [f"{Z} = {RHS} = {last}"], 0),
    "equation": (r"\begin{equation}", r"\end{equation}", lambda last: [f"{Z} = {RHS} = {last}"], 0),
    "equation*": (r"\begin{equation*}", r"\end{equation*}", lambda last: [f"{Z} = {RHS} = {last}"], 0),
    "align": (r"\begin{align}", r"\end{align}", lambda last: _chain("&=", last), 1),
    "align*": (r"\begin{align*}", r"\end{align*}", lambda last: _chain("&=", last), 1),
    "flalign": (r"\begin{flalign}", r"\end{flalign}", lambda last: _chain("&=", last), 1),
    "flalign*": (r"\begin{flalign*}", r"\end{flalign*}", lambda last: _chain("&=", last), 1),
    "alignat": (r"\begin{alignat}{2}", r"\end{alignat}", lambda last: _chain("&=", last), 1),
    "alignat*": (r"\begin{alignat*}{1}", r"\end{alignat*}", lambda last: _chain("&=", last), 1),
    "eqnarray": (r"\begin{eqnarray}", r"\end{eqnarray}", lambda last: _chain("&=&", last), 1),
    "eqnarray*": (r"\begin{eqnarray*}", r"\end{eqnarray*}", lambda last: _chain("&=&", last), 1),
    "split": (r"\begin{equation}\begin{split}", r"\end{split}\end{equation}", lambda last: _chain("&=", last), 1),
    "aligned": (r"$$\begin{aligned}[t]", r"\end{aligned}$$", lambda last: _chain("&=", last), 1),
    "gather": (r"\begin{gather}", r"\end{gather}", lambda last: [f"{Z} = {RHS} \\\\", f"{RHS} = {last}"], 1),
    "gather*": (r"\begin{gather*}", r"\end{gather*}", lambda last: [f"{Z} = {RHS} \\\\", f"{RHS} = {last}"], 1),
    # one equation over two lines: the \\ breaks the line, the failure is reported where the equation starts
    "multline": (r"\begin{multline}", r"\end{multline}", lambda last: [f"{Z} = {SUM} \\\\", f"+ b^l_i = {last}"], 0),
    "multline*": (r"\begin{multline*}", r"\end{multline*}",
                  lambda last: [f"{Z} = {SUM} \\\\", f"+ b^l_i = {last}"], 0),
}
MISTAKES = {"transposed": TRANSPOSED, "no_bias": NO_BIAS}


def _document(last: dict[str, str]) -> tuple[str, dict[str, list[int]]]:
    """One LaTeX document with a block of every environment (its last step's right side from ``last``), and
    the lines of each block's rows."""
    lines, rows = [r"\documentclass{article}", r"\usepackage{amsmath}", r"\begin{document}"], {}
    for name, (begin, end, make, _) in ENVIRONMENTS.items():
        body = make(last[name])
        lines += ["Prose.", begin]
        rows[name] = list(range(len(lines) + 1, len(lines) + 1 + len(body)))
        lines += [*body, end]
    return "\n".join([*lines, r"\end{document}", ""]), rows


GOOD, ROWS = _document(dict.fromkeys(ENVIRONMENTS, REORDERED))
BAD = {mistake: _document({n: wrong for n in ENVIRONMENTS})[0] for mistake, wrong in MISTAKES.items()}


@pytest.fixture(scope="module")
def environment_runs(run_cli, tmp_path_factory):
    folder = tmp_path_factory.mktemp("environments")
    files = {"good.tex": GOOD, **{f"{m}.tex": text for m, text in BAD.items()}}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    runs = run_cli.many([("check", "--json", name) for name in files], cwd=folder, width=WIDTH)
    return dict(zip(files, runs))


def test_every_environment_with_true_equations_passes_and_exits_0(environment_runs):
    proc = environment_runs["good.tex"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json_doc(proc)
    assert all(e["status"] in ("passed", "definition") for e in doc["claims"]), [
        e for e in doc["claims"] if not e["passed"]]
    assert doc["summary"]["not_checked"] == doc["summary"]["skipped"] == 0


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_rows_are_read_at_their_own_lines(environment_runs, env):
    claims = json_doc(environment_runs["good.tex"])["claims"]
    lines = {line_of(e) for e in claims if line_of(e) in range(ROWS[env][0] - 1, ROWS[env][-1] + 2)}
    expected = set(ROWS[env]) if env not in ("multline", "multline*") else {ROWS[env][0]}
    assert lines == expected


@pytest.mark.parametrize("mistake", MISTAKES)
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_with_a_planted_mistake_fails_at_its_own_line(environment_runs, env, mistake):
    proc = environment_runs[f"{mistake}.tex"]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    claims = json_doc(proc)["claims"]
    wrong = ROWS[env][ENVIRONMENTS[env][3]]
    mine = [e for e in claims if ROWS[env][0] <= line_of(e) <= ROWS[env][-1]]
    assert [e["status"] for e in mine if e["status"] not in ("passed", "definition")] == ["failed"], mine
    assert [line_of(e) for e in mine if e["status"] == "failed"] == [wrong]


# ---------------------------------------------------------------- never silently dropped


@pytest.mark.parametrize("text, env", [
    ("\\begin{dmath}\na = b\n\\end{dmath}\n", "dmath"),
    ("\\begin{IEEEeqnarray}{rCl}\na & = & b \\\\[2pt]\n\\end{IEEEeqnarray}\n", "IEEEeqnarray"),
    ("\\begin{empheq}[box=\\fbox]{align}\na &= \\begin{cases} 1 \\\\ 2 \\end{cases}\n\\end{empheq}\n", "empheq"),
])
def test_an_environment_that_is_not_read_is_listed_with_its_name(text, env):
    (block,) = display_equations("Prose.\n" + text)
    assert (block.start_line, block.env, block.rows, block.error) == (2, env, (), f"the environment {env} is not read")


@pytest.mark.parametrize("text", [
    "\\begin{theorem} Let $a = b$. \\end{theorem}",  # prose with inline math
    "\\begin{tabular}{cc} a = b & c \\end{tabular}",  # a known prose environment
    "\\begin{note} no equals sign \\end{note}",
    "\\begin{verbatim}\n\\begin{equation} a = b \\end{equation}\n\\end{verbatim}",  # code: skipped whole
    "Let $$\\begin{dmath} a = b \\end{dmath}$$ be.",  # inline $$...$$ within a line
])
def test_prose_code_and_inline_math_are_not_displays(text):
    assert display_equations(text) == []


def test_a_wrapper_environment_is_looked_into():
    text = "\\begin{subequations}\\begin{mybox}\n\\[ a = b \\]\n\\end{mybox}\\end{subequations}"
    assert [(b.env, [r.text for r in b.rows]) for b in display_equations(text)] == [("\\[", ["a = b"])]


def test_an_unread_environment_in_a_file_is_not_checked_and_fails(tmp_path):
    report, steps = _steps("\\begin{dmath}\na = b\n\\end{dmath}\n" + md(OUTPUT_RESIDUAL))
    assert steps[0] == (1, Status.NOT_CHECKED) and report.results[0].reason == "the environment dmath is not read"
    assert not report.passed


@pytest.mark.parametrize("begin, sep, rows", [
    ("\\begin{alignat}{2}", "&=", [("a = b", False), ("= c", True)]),
    ("\\begin{alignedat}[t]{2}", "&=", [("a = b", False), ("= c", True)]),
    ("\\begin{eqnarray}", "&=&", [("a = b", False), ("= c", True)]),
    ("\\begin{gather}", "=", [("a = b", False), ("= c", False)]),
    ("\\begin{multline}", "=", [("a = b = c", False)]),  # one equation: the \\ only breaks its line
])
def test_arguments_are_dropped_and_rows_follow_the_environment(begin, sep, rows):
    env = begin[len("\\begin{"):begin.index("}")]
    (block,) = display_equations(f"{begin}\na {sep} b \\\\\n{sep} c\n\\end{{{env}}}")
    assert block.env == env and block.rows[0].line == 2
    assert [(" ".join(r.text.split()), r.continues) for r in block.rows] == rows


def test_readme_names_every_environment_read():
    from derive.reader import extract

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [env for env in extract.ENVIRONMENTS if f"`{env}`" not in readme]
    assert not missing, missing
