"""``[tool.derive]`` in pyproject.toml (derive/config.py) and a file's front matter, driven through
``derive.cli.main`` in this process: where the table is found, what it sets, and the order in which the
sources win: the command line, then the file's front matter, then the table, then derive's defaults.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.cli import main

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed.md"
RIGHT = r"\frac{\partial}{\partial b_{i}^l}J(w,b;x,y) = \delta_i^{l+1} \\"  # the seed's ∂J/∂b^l_i
WRONG = r"\frac{\partial}{\partial b_{i}^l}J(w,b;x,y) = 2\delta_i^{l+1} \\"  # the planted mistake: a stray 2
BAD_LINE = SEED.read_text(encoding="utf-8").splitlines().index(RIGHT) + 1
BODY = SEED.read_text(encoding="utf-8").split("---\n", 2)[2]  # the seed without its front matter


@pytest.fixture
def project(tmp_path, monkeypatch, plain_console_env):
    """``project(table, **files)``: a repository in tmp_path (its .git bounds the search) whose pyproject.toml
    holds ``table`` (None: no pyproject.toml), with docs/good.md (the seed post) and docs/bad.md (one planted
    mistake) and ``files``; the current folder is its sub/deeper."""
    def make(table: str | None, **files: str) -> Path:
        (tmp_path / ".git").mkdir(exist_ok=True)
        if table is not None:
            (tmp_path / "pyproject.toml").write_text(table, encoding="utf-8")
        docs = tmp_path / "docs"
        docs.mkdir(exist_ok=True)
        seed = SEED.read_text(encoding="utf-8")
        (docs / "good.md").write_text(seed, encoding="utf-8")
        (docs / "bad.md").write_text(seed.replace(RIGHT, WRONG), encoding="utf-8")
        for name, text in files.items():
            (docs / name).write_text(text, encoding="utf-8")
        here = tmp_path / "sub" / "deeper"
        here.mkdir(parents=True, exist_ok=True)
        monkeypatch.chdir(here)
        return tmp_path
    return make


def run(capsys, *args: str) -> tuple[int, str, str]:
    """``derive ARGS`` in this process: (exit code, stdout, stderr)."""
    code = main(["check", "--jobs", "1", *args])
    out, err = capsys.readouterr()
    return code, out, err


def documents(out: str) -> list[dict]:
    """The JSON documents of a ``--json`` run: one per file (a line each), or the one of the seed's claims."""
    text = out.strip()
    return [json.loads(line) for line in text.splitlines()] if text.startswith('{"') else [json.loads(text)]


def network(capsys, *args: str) -> dict:
    code, out, err = run(capsys, "--json", *args)
    assert code == 0, out + err
    (doc,) = documents(out)
    return {**doc["network"], "draws": doc["draws"], "seed": doc["seed"]}


# ---------------------------------------------------------------- what the table sets, and where it is found


def test_the_table_above_the_current_folder_sets_the_network_and_the_draws(project, capsys):
    project('[tool.derive]\nsizes = [2, 2, 2]\nactivation = "tanh"\nsamples = 3\ndraws = 8\nseed = 5\n'
            'lambda = "1/2"\n')
    got = network(capsys, "../../docs/good.md")
    assert (got["sizes"], got["activation"], got["samples"], got["lambda"]) == ([[2, 2, 2]], "tanh", 3, "1/2")
    assert (got["draws"], got["seed"]) == (8, 5)


def test_sizes_written_as_a_string_are_the_same_network(project, capsys):
    project('[tool.derive]\nsizes = "2,2,2"\n')
    assert network(capsys, "../../docs/good.md")["sizes"] == [[2, 2, 2]]


def test_the_table_sets_the_seeds_claims_network_too(project, capsys):
    project('[tool.derive]\nsizes = [2, 2, 2]\nconvention = "nielsen"\nallow-unchecked = true\n')
    got = network(capsys)  # the seed's claims: the file options of the table are not theirs, and not an error
    assert got["sizes"] == [2, 2, 2]


def test_the_command_line_wins_over_the_table(project, capsys):
    project('[tool.derive]\nsizes = [2, 2, 2]\nactivation = "tanh"\ndraws = 8\nsamples = 3\nlambda = 0.5\n')
    got = network(capsys, "../../docs/good.md", "--sizes", "2,3,2", "--activation", "sigmoid", "--draws", "4",
                  "--samples", "2", "--no-l2")  # --samples 2 is derive's default, and still wins: it is given
    assert (got["sizes"], got["activation"], got["draws"], got["samples"]) == ([[2, 3, 2]], "sigmoid", 4, 2)
    assert got["lambda"] == "0"  # --no-l2 given: the table's λ is not used (no contradiction)


def test_without_a_table_the_defaults_apply(project, capsys):
    project('[project]\nname = "x"\n')
    got = network(capsys, "../../docs/good.md")
    assert (got["sizes"], got["activation"], got["draws"]) == ([[2, 3, 2], [2, 3, 3, 2]], "generic", 64)


def test_a_pyproject_without_the_table_is_passed_over_up_to_the_repositorys(project, capsys, tmp_path):
    project('[tool.derive]\nsizes = [2, 2, 2]\n')
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "inner"\n', encoding="utf-8")
    assert network(capsys, "../../docs/good.md")["sizes"] == [[2, 2, 2]]


def test_the_search_stops_at_the_repository_root(project, capsys, tmp_path):
    project('[tool.derive]\nsizes = [2, 2, 2]\n')
    (tmp_path / "sub" / ".git").mkdir()  # sub is a repository of its own: the table above it is not its
    assert network(capsys, "../../docs/good.md")["sizes"] == [[2, 3, 2], [2, 3, 3, 2]]


def test_format_json_in_the_table_prints_json(project, capsys):
    project('[tool.derive]\nformat = "json"\n')
    code, out, err = run(capsys, "../../docs/good.md")
    assert code == 0 and documents(out)[0]["passed"] is True, out + err


def test_the_tables_format_names_the_wrong_line_and_yields_to_the_command_lines(project, capsys):
    project('[tool.derive]\nformat = "concise"\n')
    code, out, err = run(capsys, "../../docs/bad.md")
    assert code == 1 and out.startswith(f"../../docs/bad.md:{BAD_LINE}:1: FAIL "), out + err
    code, out, err = run(capsys, "--json", "../../docs/bad.md")  # --json is --format json: no contradiction
    assert code == 1 and documents(out)[0]["passed"] is False, out + err
    code, out, err = run(capsys, "--format", "text", "../../docs/bad.md")
    assert code == 1 and f"✗ ../../docs/bad.md:{BAD_LINE} " in out, out + err


# ---------------------------------------------------------------- paths: checked when no FILE is given


def test_configured_paths_are_checked_and_the_wrong_file_fails_at_its_line(project, capsys):
    project('[tool.derive]\npaths = ["docs"]\n')
    code, out, err = run(capsys, "--json")
    docs = {d["file"]: d for d in documents(out)}
    assert code == 1, out + err
    assert set(docs) == {"../../docs/bad.md", "../../docs/good.md"}
    assert docs["../../docs/good.md"]["passed"] is True
    failed = [c["line"] for c in docs["../../docs/bad.md"]["claims"] if c["status"] == "failed"]
    assert failed == [BAD_LINE]


def test_a_folder_on_the_command_line_is_its_derivations_without_hidden_folders(project, capsys):
    root = project(None)
    (root / "docs" / ".ipynb_checkpoints").mkdir()
    (root / "docs" / ".ipynb_checkpoints" / "bad-checkpoint.md").write_text("$$x = 2x$$\n", encoding="utf-8")
    (root / "docs" / "notes.txt").write_text("$$x = 2x$$\n", encoding="utf-8")  # not a derivation's suffix
    code, out, err = run(capsys, "--format", "concise", "../../docs")
    assert code == 1 and out.splitlines()[0].startswith(f"../../docs/bad.md:{BAD_LINE}:1: FAIL "), out + err
    assert "Found 1 problem (1 failed, 0 not checked) in 2 files" in out
    assert "checkpoint" not in out and "notes" not in out
    (root / "empty").mkdir()
    code, out, err = run(capsys, "../../empty")
    assert code == 2 and err.strip() == "derive: error: ../../empty: no .md, .tex, .ipynb file in this folder"


def test_configured_paths_of_correct_files_pass(project, capsys):
    project('[tool.derive]\npaths = ["docs/good.md"]\n')
    code, out, err = run(capsys)
    assert code == 0 and "good.md" in out and "bad.md" not in out, out + err


def test_files_on_the_command_line_replace_the_configured_paths(project, capsys):
    project('[tool.derive]\npaths = ["docs"]\n')
    code, out, err = run(capsys, "--json", "../../docs/good.md")
    assert code == 0 and [d["file"] for d in documents(out)] == ["../../docs/good.md"], out + err


# ---------------------------------------------------------------- a bad table: one line, exit 2


@pytest.mark.parametrize(("table", "words"), [
    ('[tool.derive]\ndraws = "many"\n', 'draws: expected a whole number, got "many"'),
    ("[tool.derive]\ndrawz = 3\n", "unknown key 'drawz'"),
    ("[tool.derive]\nallow_unchecked = true\n", "did you mean 'allow-unchecked'?"),
    ('[tool.derive]\nsizes = "2,x"\n', "sizes: expected whole numbers separated by commas"),
    ("[tool.derive]\nsizes = [2]\n", "sizes: a network needs at least two layers"),
    ('[tool.derive]\nactivation = "cosh"\n', "activation: unknown activation 'cosh'"),
    ('[tool.derive]\nconvention = "mine"\n', "convention: unknown convention 'mine'"),
    ('[tool.derive]\nformat = "xml"\n', "format: unknown format 'xml'"),
    ("[tool.derive]\nrtol = -1\n", "rtol: the relative tolerance (--rtol) must be a positive finite number"),
    ("[tool.derive]\nsamples = true\n", "samples: expected a whole number, got true"),
    ('[tool.derive]\nallow-unchecked = "yes"\n', 'allow-unchecked: expected true or false, got "yes"'),
    ('[tool.derive]\npaths = ["nowhere"]\n', "paths: no such file or folder 'nowhere'"),
    ("[tool.derive]\ndraws = [\n", "not valid TOML"),
    ("[tool]\nderive = 3\n", "[tool.derive] must be a table"),
])
def test_a_bad_table_is_one_line_naming_the_file_and_the_key(project, capsys, table, words):
    root = project(table)
    code, out, err = run(capsys)  # (paths are read only when no FILE is given)
    assert code == 2 and out == "", out + err
    assert err.count("\n") == 1 and err.startswith(f"derive: error: {root / 'pyproject.toml'}: "), err
    assert words in err


# ---------------------------------------------------------------- precedence over a file's front matter


FRONT = "---\ntitle: x\nderive:\n  sizes: 2,2,2\n  activation: tanh\n  samples: 3\n---\n" + BODY


def test_the_front_matter_wins_over_the_table_and_the_command_line_over_both(project, capsys):
    project('[tool.derive]\nsizes = [3, 2, 2]\nactivation = "sigmoid"\nsamples = 1\n', **{"front.md": FRONT})
    table = network(capsys, "../../docs/good.md")
    assert (table["sizes"], table["activation"], table["samples"]) == ([[3, 2, 2]], "sigmoid", 1)
    front = network(capsys, "../../docs/front.md")
    assert (front["sizes"], front["activation"], front["samples"]) == ([[2, 2, 2]], "tanh", 3)
    line = network(capsys, "../../docs/front.md", "--sizes", "2,3,2", "--activation", "relu", "--samples", "2")
    assert (line["sizes"], line["activation"], line["samples"]) == ([[2, 3, 2]], "relu", 2)


def test_a_configured_convention_yields_to_the_front_matters_and_to_the_command_lines(project, capsys):
    declared = BODY.join(("---\nderive:\n  convention: seed\n---\n", ""))
    project('[tool.derive]\nconvention = "nielsen"\n', **{"declared.md": declared})
    code, out, err = run(capsys, "--json", "../../docs/good.md")  # the seed read in Nielsen's notation: wrong
    assert code == 1 and "Nielsen" in documents(out)[0]["model"], out + err
    code, out, err = run(capsys, "../../docs/declared.md")
    assert code == 0, out + err
    code, out, err = run(capsys, "--convention", "seed", "../../docs/good.md")
    assert code == 0, out + err


def test_allow_unchecked_in_the_table_yields_to_strict_on_the_command_line(project, capsys):
    mixed = "$$\n\\delta_i^{n_l} = -(y_i - a_i^{n_l}) f'(z_i^{n_l})\n$$\n\n$$\n\\int x = 1\n$$\n"
    project("[tool.derive]\nallow-unchecked = true\n", **{"mixed.md": mixed})
    assert run(capsys, "../../docs/mixed.md")[0] == 0
    assert run(capsys, "--strict", "../../docs/mixed.md")[0] == 1


@pytest.mark.parametrize("pair", ["rtol: 1", "allow-unchecked: true", "lambda: 0"])
def test_a_run_option_in_the_front_matter_is_refused_with_where_it_belongs(project, capsys, pair):
    # (a key with a hyphen once ended the block unread, and the keys after it with it)
    project(None, **{"loose.md": f"---\nderive:\n  {pair}\n  activation: tanh\n---\n" + BODY})
    code, out, err = run(capsys, "../../docs/loose.md")
    assert code == 2, out + err
    key = pair.split(":")[0]
    assert f"front matter line 3: {key} applies to a whole run" in err and "[tool.derive]" in err


def test_a_file_of_prose_fails_when_named_and_passes_with_allow_empty_or_in_a_folder(project, capsys):
    root = project(None, **{"README.md": "# Notes\n\nProse, and $x$ inline only.\n"})
    code, out, err = run(capsys, "../../docs/README.md")
    assert code == 1 and "FAIL  ../../docs/README.md: no equation could be checked" in out, out + err
    code, out, err = run(capsys, "--allow-empty", "--json", "../../docs/README.md")
    (doc,) = documents(out)
    assert code == 0 and doc["passed"] is True and doc["allow_empty"] is True and doc["claims"] == [], out + err
    (root / "docs" / "bad.md").unlink()
    code, out, err = run(capsys, "--format", "concise", "../../docs")  # README.md and good.md: one has equations
    assert code == 0 and out.strip() == "All 20 equations passed in 2 files; 6 definitions not counted", out + err


def test_a_configured_folder_is_walked_as_a_folder_on_the_command_line(project, capsys):
    root = project('[tool.derive]\npaths = ["docs"]\n', **{"README.md": "# Notes, no display equation\n"})
    (root / "docs" / "bad.md").unlink()
    code, out, err = run(capsys, "--format", "concise")
    assert code == 0 and out.strip() == "All 20 equations passed in 2 files; 6 definitions not counted", out + err
