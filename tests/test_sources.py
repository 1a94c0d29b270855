"""A derivation written across a Jupyter notebook's Markdown cells, or across a LaTeX project's \\input files, is
checked as one text and every equation is reported where it is written (``nb.ipynb:cell 3:2``,
``proj/chapters/ch2.tex:12``): the seed split this way passes, and one planted mistake fails at its own cell or
file and line. A notebook nbformat cannot read is a one-line error; an \\input that is missing or makes a cycle is
a row not checked at the command's line, so the project never passes."""

from __future__ import annotations

import json
import pickle
from itertools import pairwise
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from checks.derivation import DEFAULT_SIZES, check_file
from derive.cli import main
from derive.model.network import Network
from derive.reader.origins import UNREAD
from derive.reader.sources import MAX_FILES, read_source

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed.md"
SEED_LINES = SEED.read_text(encoding="utf-8").split("\n")
OPENERS = [n for n, line in enumerate(SEED_LINES, 1) if line.strip() == "$$"][::2]  # each display's first line
RESIDUAL = "$$\n\\delta_i^{n_l} = -(y_i -a_i^{n_l})f'(z_i^{n_l})\n$$"  # the output residual, as the seed has it
CODE = "latex = r'''\n$$\na = b + 1\n$$\n'''  # LaTeX-looking text in code: never read"
MISTAKES = {51: ("-(y_i -a_i", "-(y_i +a_i"),  # the output residual's sign (the display at seed line 44)
            72: (r"W_{ji}^{n_l-1}  \right)", r"W_{ij}^{n_l-1}  \right)")}  # the recurrence's W transposed


@pytest.fixture(scope="module")
def nets() -> tuple[Network, ...]:
    return tuple(Network(sizes) for sizes in DEFAULT_SIZES)


@pytest.fixture(scope="module")
def seed_rows(nets) -> list[tuple[int, str]]:
    """(seed line, status) of every row of the seed as written, checked as one Markdown file."""
    return [(r.step.line, str(r.status)) for r in check_file(SEED, nets).results]


def _seed(mistake: int | None = None) -> list[str]:
    """The seed's lines, with the planted mistake at seed line ``mistake``."""
    lines = list(SEED_LINES)
    if mistake is not None:
        old, new = MISTAKES[mistake]
        assert lines[mistake - 1].count(old) == 1
        lines[mistake - 1] = lines[mistake - 1].replace(old, new)
    return lines


def _check(path: Path, capsys, *options: str) -> tuple[int, dict, str]:
    """``derive check PATH --json``, in this process: exit code, the JSON document, stderr."""
    code = main(["check", str(path), "--json", *options])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def _rows(doc: dict) -> list[tuple[str, str]]:
    return [(entry["source"], entry["status"]) for entry in doc["claims"]]


# ---------------------------------------------------------------- notebooks


def _notebook(tmp_path: Path, mistake: int | None = None) -> tuple[Path, dict[int, str]]:
    """The seed as a notebook: its prose in a first Markdown cell, then each display (with the prose after it) in a
    Markdown cell of its own after a code cell, and a raw cell last; where each seed line is (``nb.ipynb:cell N:LINE``).
    The k-th display is in cell 2k + 1."""
    lines, cells, where = _seed(mistake), [], {}
    starts = [1, *OPENERS, len(SEED_LINES) + 1]
    path = tmp_path / "nb.ipynb"
    for first, end in pairwise(starts):
        if first > 1:
            cells.append(new_code_cell(CODE))
        cells.append(new_markdown_cell("\n".join(lines[first - 1:end - 1])))
        where.update({n: f"{path}:cell {len(cells)}:{n - first + 1}" for n in range(first, end)})
    cells.append(new_raw_cell("$$\nc = d\n$$"))  # a raw cell: not read either
    nbformat.write(new_notebook(cells=cells), str(path))
    return path, where


def test_the_seed_split_across_notebook_cells_passes_with_each_row_at_its_cell_and_line(tmp_path, capsys, seed_rows):
    path, where = _notebook(tmp_path)
    code, doc, err = _check(path, capsys)
    assert code == 0, (doc, err)
    assert doc["passed"] is True and doc["file"] == str(path)
    assert _rows(doc) == [(where[line], status) for line, status in seed_rows]  # code and raw cells not read
    first = doc["claims"][0]
    assert (first["cell"], first["line"]) == (3, 2)  # the loss, seed line 12, is line 2 of cell 3
    assert "the loss from cell 3:2" in doc["model"]


@pytest.mark.parametrize("mistake", MISTAKES)
def test_one_mistake_in_a_notebook_fails_at_exactly_its_cell_and_line(tmp_path, capsys, mistake, seed_rows):
    path, where = _notebook(tmp_path, mistake)
    code, doc, _ = _check(path, capsys)
    assert code == 1 and doc["passed"] is False
    assert [source for source, status in _rows(doc) if status != "passed" and status != "definition"] == [
        where[mistake]]
    assert where[mistake].endswith("cell 11:8" if mistake == 51 else "cell 13:14")  # the 5th display, the 6th


def test_the_terminal_report_of_a_notebook_names_cells(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short path: the lines below are not wrapped
    _notebook(tmp_path, 51)
    assert main(["check", "nb.ipynb"]) == 1
    out = capsys.readouterr().out
    assert "✗ nb.ipynb:cell 11:8 (first wrong step, in the equation at cell 11:3)" in out
    assert "cell 11:8" in out and "cell 3:2" in out


def test_a_notebook_without_markdown_math_is_like_an_empty_markdown_file(tmp_path, capsys, monkeypatch):
    path = tmp_path / "plain.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("Only prose, $x$ inline."), new_code_cell(CODE)]), str(path))
    empty = tmp_path / "empty.md"
    empty.write_text("")
    (code, doc, _), (empty_code, empty_doc, _) = _check(path, capsys), _check(empty, capsys)
    assert (code, doc["summary"], doc["passed"]) == (empty_code, empty_doc["summary"], False) == (1, doc["summary"],
                                                                                                  False)
    assert doc["summary"]["equations"] == 0
    monkeypatch.chdir(tmp_path)
    assert main(["check", "plain.ipynb"]) == 1
    assert "FAIL  plain.ipynb: no equation could be checked" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["not json at all", "[]", "{}", '{"cells": 3}', '{"nbformat": 99}'])
def test_a_notebook_nbformat_cannot_read_is_a_one_line_error(tmp_path, capsys, text):
    path = tmp_path / "bad.ipynb"
    path.write_text(text)
    code, doc, err = _check(path, capsys)
    assert code == 2 and not doc
    assert err.startswith(f"derive: error: {path}: not a Jupyter notebook") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_a_front_matter_looking_first_cell_sets_nothing(tmp_path, nets):
    path = tmp_path / "nb.ipynb"
    cells = [new_markdown_cell("---\nderive:\n  activation: nosuch\n---"), new_markdown_cell(RESIDUAL)]
    nbformat.write(new_notebook(cells=cells), str(path))
    report = check_file(path, nets)  # an unknown activation in front matter would be a SpecError
    assert [(str(report.where(r)), r.status.value) for r in report.results] == [(f"{path}:cell 2:2", "passed")]


@pytest.mark.parametrize(("left_open", "opened"), [("Text\n$$\na = b", True),
                                                  ("```python\nx = 1\n$$\nc = d\n$$", False)])
def test_nothing_left_open_in_a_cell_runs_on_into_the_next(tmp_path, nets, left_open, opened):
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell(left_open), new_markdown_cell(RESIDUAL)]), str(path))
    report = check_file(path, nets)
    rows = [(str(report.where(r)), r.status.value, r.reason) for r in report.results]
    # a display left open is not checked where it opens, as in a Markdown file; a code fence left open is code
    unterminated = [(f"{path}:cell 1:2", "not checked", "unterminated $$ block opened at cell 1:2")]
    assert rows == [*(unterminated if opened else []), (f"{path}:cell 2:2", "passed", "")]


def test_a_skip_marker_ending_a_cell_does_not_skip_the_next_cells_display(tmp_path, nets):
    path = tmp_path / "nb.ipynb"
    wrong = RESIDUAL.replace("-(y_i", "(y_i")
    cells = [new_markdown_cell("An aside follows.\n\n<!-- derive: skip -->"), new_markdown_cell(wrong),
             new_markdown_cell("<!-- derive: skip -->\n" + wrong)]  # the marker in the display's own cell: skipped
    nbformat.write(new_notebook(cells=cells), str(path))
    report = check_file(path, nets)
    assert [(str(report.where(r)), r.status.value) for r in report.results] == [
        (f"{path}:cell 2:2", "failed"), (f"{path}:cell 3:3", "skipped")]


def test_the_progress_of_a_notebook_names_cells(tmp_path, nets):
    path, where = _notebook(tmp_path)
    heard: list[str] = []
    check_file(path, nets, progress=lambda what, done, total: heard.append(what))
    assert heard[0] == where[12] and heard[-1] == f"{path}: numeric check"


# ---------------------------------------------------------------- LaTeX projects


def _tex(lines: list[str], first: int, end: int) -> list[str]:
    """Seed lines first…end-1 in LaTeX: each $$ display as \\[ \\], or as its align* alone."""
    out, inside = [], False
    for n in range(first, end):
        line = lines[n - 1]
        if line.strip() == "$$":
            inside = not inside
            body = lines[n] if inside else lines[n - 2]
            whole = body.strip().startswith("\\begin{align*}") or body.strip().startswith("\\end{align*}")
            out.append("%" if whole else "\\[" if inside else "\\]")  # a comment keeps the line count
        else:
            out.append(line)
    return out


def _project(tmp_path: Path, mistake: int | None = None) -> tuple[Path, dict[int, str]]:
    """The seed as a LaTeX project, and where each seed line is written: main.tex holds the first three displays,
    then \\input{chapters/ch1} (no extension: ch1 holds the fourth and inputs sections/s1, beside itself, which holds
    the fifth), a commented-out \\input of a missing file, and \\include{chapters/ch2.tex} with the rest."""
    lines, root, where = _seed(mistake), tmp_path / "proj", {}
    files = {"main.tex": [], "chapters/ch1.tex": [], "chapters/sections/s1.tex": [], "chapters/ch2.tex": []}

    def put(name: str, first: int, end: int) -> None:
        where.update({n: f"{root / name}:{len(files[name]) + n - first + 1}" for n in range(first, end)})
        files[name] += _tex(lines, first, end)

    files["main.tex"] += [r"\documentclass{article}", r"\begin{document}"]
    put("main.tex", 6, OPENERS[3])
    files["main.tex"] += [r"\input{chapters/ch1}", r"% \input{chapters/missing}", "Then the residuals."]
    put("chapters/ch1.tex", OPENERS[3], OPENERS[4])
    files["chapters/ch1.tex"] += [r"See \input{sections/s1} and on.", r"Escaped: \\input{not/a/file}."]
    put("chapters/sections/s1.tex", OPENERS[4], OPENERS[5])
    files["main.tex"] += [r"\include{chapters/ch2.tex}", r"\end{document}"]
    put("chapters/ch2.tex", OPENERS[5], len(SEED_LINES) + 1)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("\n".join(text) + "\n", encoding="utf-8")
    return root / "main.tex", where


def test_a_latex_project_split_by_input_and_include_passes_with_each_row_in_its_file(tmp_path, capsys, seed_rows):
    path, where = _project(tmp_path)
    code, doc, err = _check(path, capsys)
    assert code == 0, (doc, err)
    assert _rows(doc) == [(where[line], status) for line, status in seed_rows]
    assert {source.rsplit(":", 1)[0] for source, _ in _rows(doc)} == {
        str(path.parent / name) for name in ("main.tex", "chapters/ch1.tex", "chapters/sections/s1.tex",
                                             "chapters/ch2.tex")}


def test_one_mistake_in_an_included_chapter_fails_at_its_own_file_and_line(tmp_path, capsys, monkeypatch):
    path, where = _project(tmp_path, 72)
    code, doc, _ = _check(path, capsys)
    assert code == 1
    assert [source for source, status in _rows(doc) if status == "failed"] == [where[72]]
    assert where[72] == f"{path.parent / 'chapters' / 'ch2.tex'}:{72 - 59 + 1}"
    monkeypatch.chdir(tmp_path)
    assert main(["check", "proj/main.tex"]) == 1
    out = capsys.readouterr().out
    assert " chapters/ch2.tex:14 " in out and "✗ proj/chapters/ch2.tex:14 (first wrong step" in out


def test_an_input_cycle_is_a_row_not_checked_at_the_command_and_never_passes(tmp_path, capsys):
    (tmp_path / "a.tex").write_text("\\[\n\\delta_i^{n_l} = -(y_i -a_i^{n_l})f'(z_i^{n_l})\n\\]\n\\input{b}\n")
    (tmp_path / "b.tex").write_text("Back:\n\n\\input{a.tex}\n")
    for options in ((), ("--allow-unchecked",)):
        code, doc, _ = _check(tmp_path / "a.tex", capsys, *options)
        assert code == 1 and doc["passed"] is False
        (row,) = [entry for entry in doc["claims"] if entry["status"] == "not checked"]
        assert row["source"] == f"{tmp_path / 'b.tex'}:3"
        assert row["reason"] == (f"{UNREAD}\\input{{a.tex}} at {tmp_path / 'b.tex'}:3: a cycle: {tmp_path / 'a.tex'}"
                                 f" → {tmp_path / 'b.tex'} → {tmp_path / 'a.tex'}")
        assert [e["status"] for e in doc["claims"]] == ["passed", "not checked"]


def test_a_missing_input_is_a_row_not_checked_naming_the_including_file_and_line(tmp_path, capsys):
    path, _ = _project(tmp_path)
    text = path.read_text().replace("Then the residuals.", "Then the residuals. \\input{chapters/nope}")
    path.write_text(text)
    line = text.split("\n").index("Then the residuals. \\input{chapters/nope}") + 1
    code, doc, _ = _check(path, capsys)
    assert code == 1 and doc["summary"]["not_checked"] == 1 and doc["summary"]["failed"] == 0
    (row,) = [entry for entry in doc["claims"] if entry["status"] == "not checked"]
    assert row["source"] == f"{path}:{line}"
    assert row["reason"].startswith(f"{UNREAD}\\input{{chapters/nope}} at {path}:{line}: no such file (")
    assert main(["check", str(path)]) == 1
    assert "no such file" in capsys.readouterr().out


def test_the_text_of_a_project_follows_reading_order_and_maps_back(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "main.tex").write_text("one\ntwo \\input{chapters/c} three\nfour\n")
    (tmp_path / "chapters" / "c.tex").write_text("c1\n\\input chapters/d\n")  # the main file's folder, as LaTeX
    (tmp_path / "chapters" / "d.tex").write_text("d1")
    source = read_source(tmp_path / "main.tex")
    assert source.text == "one\ntwo \nc1\nd1\n\n three\nfour\n"
    main_tex, c, d = (str(tmp_path / name) for name in ("main.tex", "chapters/c.tex", "chapters/d.tex"))
    assert [source.locate(n) for n in range(1, 8)] == [
        (main_tex, 1, None), (main_tex, 2, None), (c, 1, None), (d, 1, None), (c, 2, None), (main_tex, 2, None),
        (main_tex, 3, None)]
    assert source.problems == ()


def test_a_hostile_project_stops_after_max_files_with_one_row(tmp_path):
    (tmp_path / "leaf.tex").write_text("x\n")
    (tmp_path / "main.tex").write_text("\\input{leaf}\n" * (MAX_FILES + 50))
    source = read_source(tmp_path / "main.tex")
    assert source.text.count("x\n") == MAX_FILES
    ((line, why),) = source.problems
    assert source.locate(line) == (str(tmp_path / "main.tex"), MAX_FILES + 1, None)
    assert f"more than {MAX_FILES}" in why


def test_a_notebook_and_a_project_checked_in_worker_processes_keep_their_places(tmp_path, capsys, nets):
    (tmp_path / "nb").mkdir()
    notebook, in_cells = _notebook(tmp_path / "nb", 51)
    project, in_files = _project(tmp_path, 72)
    spans = check_file(project, nets).spans
    assert pickle.loads(pickle.dumps(spans)) == spans and len(spans) > 4  # the map travels with a report
    code = main(["check", str(notebook), str(project), "--json", "--jobs", "2"])
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [[s for s, status in _rows(doc) if status == "failed"] for doc in docs] == [[in_cells[51]], [in_files[72]]]
