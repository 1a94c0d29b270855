"""Reports in Jupyter: each equation rendered as ``$$`` display math under its status (derive.render.notebook,
through ``_repr_markdown_``), and the ``%%derive`` cell magic of ``%load_ext derive`` (derive.jupyter), driven
through a real IPython shell. A not-checked or skipped row never carries the pass mark.
"""

from __future__ import annotations

import builtins
import subprocess
import sys
import types

import pytest

from checks.derivation import check_text
from checks.report import run
from checks.results import FileReport, Status
from derive.model.backprop import SEED_CLAIMS, replace_claim
from derive.model.network import Network
from derive.primitives import activation
from derive.render import notebook

NET = (Network((2, 3, 2)),)
PASSED, FAILED = "**✓ passed**", "**✗ FAILED**"
RIGHT = "&= -(y_i -a_i^{n_l})f'(z_i^{n_l})"  # the seed's output residual, the last row of its chain
WRONG = "&= (y_i -a_i^{n_l})f'(z_i^{n_l})"  # the same row with its sign dropped: the planted mistake
OUTPUT_RESIDUAL = r"\delta_i^{n_l} = -(y_i - a_i^{n_l}) f'(z_i^{n_l})"
UNREADABLE = r"\int x = 1"


def md(*equations: str) -> str:
    return "".join(f"Text.\n\n$$\n{e}\n$$\n\n" for e in equations)


def blocks(markdown: str) -> list[str]:
    """The Markdown cut before each row's (or claim's) status line: the verdict first, then one per row."""
    parts, current = [], []
    for line in markdown.splitlines():
        if line.startswith("**") and current and line.split("**")[1][:1] in "✓✗⚠–≔":
            parts.append("\n".join(current))
            current = []
        current.append(line)
    return [*parts, "\n".join(current)]


def rows_at(markdown: str, where: str) -> list[str]:
    """The rows written at ``where`` (FILE:LINE; a line may hold two rows of an align)."""
    return [b for b in blocks(markdown)[1:] if b.splitlines()[0].split(" · ")[1].split(" ")[0] == where]


def row_at(markdown: str, where: str) -> str:
    (row,) = rows_at(markdown, where)
    return row


@pytest.fixture(scope="module")
def seed_report(seed_text) -> FileReport:
    report = check_text(seed_text, "seed.md", NET)
    assert report.passed
    return report


@pytest.fixture(scope="module")
def twin(seed_text) -> tuple[FileReport, int]:
    """The seed post with one planted mistake, and the line it is on."""
    assert seed_text.count(RIGHT) == 1
    line = seed_text[: seed_text.index(RIGHT)].count("\n") + 1
    report = check_text(seed_text.replace(RIGHT, WRONG), "seed.md", NET)
    assert not report.passed
    return report, line


# ---------------------------------------------------------------- a file's report


def test_a_correct_derivation_shows_every_row_as_display_math_and_passed_rows_with_the_pass_mark(seed_report):
    shown = seed_report._repr_markdown_()
    assert shown == notebook.markdown(seed_report)
    assert shown.startswith("**✓ PASS** · seed.md: 26 equations: 20 passed, 0 failed, 6 definitions")
    for r in seed_report.results:
        lines = [line for line in r.step.text.splitlines() if line.strip()]
        (block,) = [b for b in rows_at(shown, f"seed.md:{r.step.line}") if "\n".join(["$$", *lines, "$$"]) in b]
        mark = {Status.PASSED: PASSED, Status.DEFINITION: "**≔ definition**"}[r.status]
        assert block.startswith(mark)
    assert "✗" not in shown and "not checked" not in shown.split("\n", 1)[1]


def test_the_twin_with_a_dropped_sign_is_marked_failed_at_its_line_with_both_sides(twin):
    report, line = twin
    shown = report._repr_markdown_()
    assert shown.startswith("**✗ FAIL** · seed.md: 26 equations: 19 passed, 1 failed")
    failed = [b for b in blocks(shown) if b.startswith(FAILED)]
    assert len(failed) == 1
    assert failed[0] == row_at(shown, f"seed.md:{line}")
    assert failed[0].startswith(f"{FAILED} · seed.md:{line} (first wrong step, in the equation at line ")
    assert "$$\n= (y_i -a_i^{n_l})f'(z_i^{n_l})\n$$" in failed[0]
    assert "- left: $" in failed[0] and "- right: $" in failed[0]
    assert "refuted at network 2,3,2, i = 1: left − right = `" in failed[0]
    assert "at a random rational point" in failed[0] and "numeric: rel err 2 at" in failed[0]
    assert PASSED not in failed[0]


def test_a_row_not_checked_says_so_and_never_carries_the_pass_mark():
    for allow in (False, True):
        from derive.settings import Settings

        report = check_text(md(OUTPUT_RESIDUAL, UNREADABLE), "cell", NET, Settings(allow_unchecked=allow))
        shown = report._repr_markdown_()
        unread = row_at(shown, "cell:10")
        assert unread.startswith("**⚠ not checked** · cell:10")
        assert "- not checked: unknown macro \\\\int at column 1" in unread and "✓" not in unread
        assert row_at(shown, "cell:4").startswith(PASSED)
        verdict = "**✓ PASS**" if allow else "**✗ FAIL**"
        assert shown.startswith(f"{verdict} · cell: 2 equations: 1 passed, 0 failed, 0 skipped, 1 not checked")


def test_a_skipped_row_is_listed_as_skipped_not_passed():
    report = check_text("<!-- derive: skip -->\n$$\n" + OUTPUT_RESIDUAL + "\n$$\n" + md(OUTPUT_RESIDUAL), "cell", NET)
    shown = report._repr_markdown_()
    skipped = row_at(shown, "cell:3")
    assert skipped.startswith("**– skipped** · cell:3") and "✓" not in skipped
    assert "$$\n" + OUTPUT_RESIDUAL + "\n$$" in skipped


def test_markdown_specials_in_a_reason_are_escaped_not_rendered():
    assert notebook._prose("a_1 *b* [x](y) <b> $x$ `c`") == r"a\_1 \*b\* \[x\](y) \<b\> \$x\$ \`c\`"
    assert notebook._code("a `b` c") == "``a `b` c``" and notebook._code("`b`") == "`` `b` ``"


def test_ipython_text_is_the_verdict_line_not_every_field(seed_report, twin):
    assert notebook.text(seed_report).startswith("PASS  seed.md: 26 equations: 20 passed")
    assert notebook.text(twin[0]).startswith("FAIL  seed.md: 26 equations: 19 passed, 1 failed")


# ---------------------------------------------------------------- the seed's claims


def _sign_flipped_output_residual(v, l, i, j):
    return (v.y[i] - v.a[l][i]) * v.fprime(v.z[l][i])


def test_the_seed_report_shows_each_claim_as_display_math_with_the_pass_mark():
    report = run(Network((2, 3, 2), activation("generic")), draws=8)
    shown = report._repr_markdown_()
    assert shown.startswith("**✓ PASS** · 6 of 6 seed claims passed")
    claims = blocks(shown)[1:]
    assert len(claims) == len(SEED_CLAIMS) == len(report.results)
    for block, r in zip(claims, report.results):
        assert block.startswith(f"{PASSED} · {r.claim.title}")
        assert f"$$\n{r.claim.latex}\n$$" in block
        assert "- symbolic: proved" in block


def test_the_seed_report_twin_marks_the_wrong_claim_failed_with_both_sides():
    claims = replace_claim(SEED_CLAIMS, "delta_output", _sign_flipped_output_residual,
                           r"\left(y_i - a^{n_l}_i\right) f'\!\left(z^{n_l}_i\right)")
    report = run(Network((2, 3, 2), activation("generic")), claims, draws=8, seed=5)
    shown = report._repr_markdown_()
    assert shown.startswith("**✗ FAIL** · 5 of 6 seed claims passed")
    first, *rest = blocks(shown)[1:]
    assert first.startswith(f"{FAILED} · Output residual")
    assert r"\left(y_i - a^{n_l}_i\right) f'" in first and "- symbolic: refuted" in first
    assert "automatic" in first and "hand" in first and PASSED not in first
    assert all(block.startswith(PASSED) for block in rest)


# ---------------------------------------------------------------- the %%derive magic


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    """A real IPython shell (not the terminal one: it shows Markdown) with ``%load_ext derive``; what it changes
    of this process (``__main__``, the hooks, builtins) is put back afterwards."""
    try:
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config
    except ImportError:
        pytest.fail("IPython is not installed: pip install -e '.[dev]'")
    saved, added = (sys.modules.get("__main__"), sys.displayhook, sys.excepthook), dict(vars(builtins))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IPYTHONDIR", str(tmp_path_factory.mktemp("ipython")))
        ip = InteractiveShell(config=config, user_module=types.ModuleType("derive_notebook"))
        ip.run_line_magic("load_ext", "derive")
        yield ip
        ip.history_manager.end_session()
    sys.modules["__main__"], sys.displayhook, sys.excepthook = saved
    sys.modules.pop("derive_notebook", None)
    for name in set(vars(builtins)) - set(added):
        delattr(builtins, name)
    for name, value in added.items():
        if vars(builtins).get(name) is not value:
            setattr(builtins, name, value)


def test_the_cell_magic_returns_the_report_on_the_cell(shell, seed_text, seed_report):
    report = shell.run_cell_magic("derive", "--sizes 2,3,2", seed_text)
    assert isinstance(report, FileReport) and report.path == "cell" and report.passed
    assert [r.status for r in report.results] == [r.status for r in seed_report.results]
    assert "the loss from line 13" in report.model  # line 12 of the text, line 13 of the cell


def test_the_cell_magic_finds_the_planted_mistake_at_its_line_of_the_cell(shell, seed_text, twin):
    report = shell.run_cell_magic("derive", "--sizes 2,3,2", seed_text.replace(RIGHT, WRONG))
    assert not report.passed
    # line 1 of the cell is the %%derive line, so the cell's lines are the text's plus one, as the notebook shows them
    assert [report.where(r).line for r in report.results if r.status is Status.FAILED] == [twin[1] + 1]
    assert row_at(report._repr_markdown_(), f"cell:{twin[1] + 1}").startswith(f"{FAILED} · cell:{twin[1] + 1} ")


def test_a_cell_shows_its_report_as_markdown(shell, capsys):
    outcome = shell.run_cell("%%derive --sizes 2,3,2 --allow-unchecked\n" + md(OUTPUT_RESIDUAL, UNREADABLE))
    assert outcome.success
    report = outcome.result
    data, _ = shell.display_formatter.format(report)
    assert data["text/markdown"] == notebook.markdown(report)
    assert data["text/markdown"].startswith("**✓ PASS** · cell: 2 equations: 1 passed")
    assert "**⚠ not checked** · cell:11" in data["text/markdown"]  # line 1 is the %%derive line
    assert data["text/plain"] == notebook.text(report)
    assert notebook.text(report) in capsys.readouterr().out  # Out[…]: the verdict line


@pytest.mark.parametrize("line, message", [
    ("--sizes 2,x", "argument --sizes: expected whole numbers separated by commas, got '2,x'"),
    ("--activation nope", "unknown activation"),
    ("--probabilistic", "--probabilistic applies to the seed's claims"),
    ("--bogus", "unrecognized arguments: --bogus"),
    ("'unclosed", "cannot read the options"),
    ("some.md", "%%derive checks its cell and takes no FILE"),
])
def test_a_bad_option_prints_one_line_and_no_traceback(shell, capsys, line, message):
    assert shell.run_cell_magic("derive", line, md(OUTPUT_RESIDUAL)) is None
    out, err = capsys.readouterr()
    assert err.startswith("derive: error: ") and message in err and err.count("\n") == 1
    assert "Traceback" not in out + err


def test_the_line_magic_checks_a_file(shell, tmp_path, capsys):
    path = tmp_path / "residual.md"
    path.write_text(md(OUTPUT_RESIDUAL), encoding="utf-8")
    report = shell.run_line_magic("derive", f"'{path}' --sizes 2,3,2")
    assert report.path == str(path) and report.passed
    assert shell.run_line_magic("derive", "--sizes 2,3,2") is None
    assert "derive: error: %derive takes one FILE" in capsys.readouterr().err
    assert shell.run_line_magic("derive", f"'{tmp_path / 'missing.md'}'") is None
    assert capsys.readouterr().err.startswith("derive: error: ")


def test_importing_derive_does_not_import_ipython():
    code = "import derive, checks, sys; assert 'IPython' not in sys.modules, 'IPython imported'"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


def test_reports_show_as_markdown_once_the_renderer_has_registered_with_checks():
    """checks may not import the renderers (a layer above): derive.render.notebook registers itself, on import
    (which ``import derive`` does inside IPython, and ``%load_ext derive``); outside IPython a report has no
    Markdown until then."""
    code = ("from checks.derivation import check_text; from derive.model.network import Network; "
            "r = check_text('', 'x.md', (Network((2, 2)),)); assert r._repr_markdown_() is None; "
            "import derive.render.notebook; assert r._repr_markdown_().startswith('**✗ FAIL** · x.md: no equation')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


def test_in_ipython_a_report_shows_as_markdown_without_load_ext():
    code = ("import IPython; from checks.derivation import check_text; from derive.model.network import Network; "
            "r = check_text('', 'x.md', (Network((2, 2)),)); "
            "assert r._repr_markdown_().startswith('**✗ FAIL** · x.md: no equation')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


def test_the_magic_reads_its_options_as_derive_check_does(shell, tmp_path, monkeypatch):
    """The project's [tool.derive] under the magic's line, the cell's front matter between them."""
    (tmp_path / ".git").mkdir()  # the repository's root: the search for pyproject.toml stops here
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nsizes = "2,3,2"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    front = "---\nderive:\n  sizes: 2,2,2\n---\n"
    assert [n.sizes for n in shell.run_cell_magic("derive", "", md(OUTPUT_RESIDUAL)).nets] == [(2, 3, 2)]
    assert [n.sizes for n in shell.run_cell_magic("derive", "", front + md(OUTPUT_RESIDUAL)).nets] == [(2, 2, 2)]
    report = shell.run_cell_magic("derive", "--sizes 2,3,3,2", front + md(OUTPUT_RESIDUAL))
    assert [n.sizes for n in report.nets] == [(2, 3, 3, 2)] and report.passed
