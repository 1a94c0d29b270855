"""The README's "In your workflow" recipes, run as written: each code block is read out of README.md and run
the way its host runs it (the command line, IPython, a staged hook, a workflow's steps, pytest), on the seed
post and on a copy with one planted mistake, so a recipe that stops working, or output that no longer matches
what the README shows, fails here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SEED = (ROOT / "examples" / "seed.md").read_text(encoding="utf-8")
RIGHT = "&= -(y_i -a_i^{n_l})f'(z_i^{n_l})"  # the output residual's last step, seed line 51
WRONG = "&= (y_i -a_i^{n_l})f'(z_i^{n_l})"  # the planted mistake: its sign dropped

pytestmark = pytest.mark.cli


def blocks(recipe: str) -> list[tuple[str, str]]:
    """(language, text) of each fenced block under the README's ``### recipe`` of "In your workflow"."""
    section = README.split("## In your workflow", 1)[1].split("\n## ", 1)[0]
    body = section.split(f"### {recipe}\n", 1)[1].split("\n### ", 1)[0]
    return [(m[1], m[2]) for m in re.finditer(r"^```(\w*)\n(.*?)^```$", body, re.S | re.M)]


def shell(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """``command`` as a user types it, with this interpreter's derive, pytest and python first on PATH."""
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PATH": path, "COLUMNS": "100", **env})


def test_the_notebook_recipe_prints_what_the_readme_shows(tmp_path):
    command, shown = (text.strip() for _, text in blocks("A Jupyter notebook")[:2])
    cells = [new_markdown_cell("# Backpropagation, by hand\nThe network: $z^{l+1} = W^l a^l + b^l$."),
             new_code_cell("import numpy as np\nW = np.random.randn(3, 2)"),
             new_markdown_cell("The output residual:\n\n$$\n\\delta^{n_l}_i = -(y_i - a^{n_l}_i)\\, f'(z^{n_l}_i)\n$$"),
             new_markdown_cell("And the gradient with respect to a weight:\n\n$$\n\\frac{\\partial J(W,b;x,y)}"
                               "{\\partial W^l_{ij}} = a^l_i\\, \\delta^{l+1}_j\n$$")]  # i and j swapped: line 4
    nbformat.write(new_notebook(cells=cells), str(tmp_path / "lecture.ipynb"))
    out = shell(f"{command} --format concise", tmp_path)
    assert out.returncode == 1 and out.stdout.strip() == shown, out.stdout + out.stderr


def test_the_jupyter_cell_checks_in_ipython(tmp_path):
    (_, load), (_, cell) = blocks("A Jupyter notebook")[2:4]
    magic, body = cell.split("\n", 1)
    name, line = magic.removeprefix("%%").split(" ", 1)
    assert load.strip() == "%load_ext derive" and name == "derive"
    program = ("import sys; from IPython.core.interactiveshell import InteractiveShell\n"
               "ip = InteractiveShell.instance()\n"
               f"ip.run_line_magic('load_ext', {load.strip().split()[1]!r})\n"
               "for text in sys.argv[1:]:\n"
               f"    r = ip.run_cell_magic({name!r}, {line!r}, text)\n"
               "    print(r.passed, r._repr_markdown_().splitlines()[0])\n")
    wrong = body.replace("-(y_i", "(y_i")
    out = subprocess.run([sys.executable, "-c", program, body, wrong], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env={**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")})
    assert out.returncode == 0, out.stderr[-2000:]
    right, failed = out.stdout.splitlines()
    assert right.startswith("True **✓ PASS**") and failed.startswith("False **✗ FAIL**"), out.stdout


def test_the_overleaf_recipe_follows_the_inputs_of_the_unzipped_project(tmp_path):
    ((_, command),) = blocks("An Overleaf project")
    project = tmp_path / "src"
    (project / "chapters").mkdir(parents=True)
    (project / "main.tex").write_text("\\documentclass{article}\n\\begin{document}\n\\input{chapters/residuals}\n"
                                      "\\include{chapters/gradients}\n\\end{document}\n", encoding="utf-8")
    (project / "chapters" / "residuals.tex").write_text(
        "\\section{Residuals}\n\\[\n  \\delta^{n_l}_i = -(y_i - a^{n_l}_i)\\, f'(z^{n_l}_i)\n\\]\n", encoding="utf-8")
    gradients = ("\\section{Gradients}\n\\begin{align}\n"
                 "  \\frac{\\partial J(W,b;x,y)}{\\partial W^{l}_{ij}} &= a^{l}_j\\, \\delta^{l+1}_i \\\\\n"
                 "  \\frac{\\partial J(W,b;x,y)}{\\partial b^{l}_i} &= \\delta^{l+1}_i\n\\end{align}\n")
    for text, code in ((gradients, 0), (gradients.replace("\\delta^{l+1}_i\n", "\\delta^{l+1}_j\n"), 1)):
        (project / "chapters" / "gradients.tex").write_text(text, encoding="utf-8")
        subprocess.run(["zip", "-qr", str(tmp_path / "thesis.zip"), "."], cwd=project, check=True)
        out = shell(f"rm -rf thesis && {command.strip()}", tmp_path)
        assert out.returncode == code, out.stdout + out.stderr
        assert ("FAIL  thesis/main.tex" in out.stdout and "thesis/chapters/gradients.tex:4" in out.stdout) if code \
            else "PASS  thesis/main.tex: 3 equations: 3 passed" in out.stdout, out.stdout


def test_the_pre_commit_recipe_is_the_published_hook():
    ((language, text),) = blocks("pre-commit")
    (local,) = yaml.safe_load(text)["repos"][0]["hooks"]
    (published,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert language == "yaml" and local["language"] == "system"
    assert {k: local[k] for k in ("id", "entry", "types_or", "require_serial")} == \
        {k: published[k] for k in ("id", "entry", "types_or", "require_serial")}  # (tests/test_precommit.py runs it)


def test_the_github_actions_recipe_annotates_the_wrong_line_and_writes_the_summary(tmp_path):
    ((_, text),) = blocks("GitHub Actions")
    steps = yaml.safe_load(text)["jobs"]["derive"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    assert runs[0].startswith('pip install "derive @ git+')  # the one line a user adapts: derive is installed here
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "post.md").write_text(SEED, encoding="utf-8")
    (tmp_path / "docs" / "README.md").write_text("# Notes\n\nNo display equation here.\n", encoding="utf-8")
    summary = tmp_path / "summary.md"
    for name, text, code in (("post.md", SEED, 0), ("draft.md", SEED.replace(RIGHT, WRONG), 1)):
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
        out = [shell(run, tmp_path, GITHUB_STEP_SUMMARY=str(summary)) for run in runs[1:]]
        assert [o.returncode for o in out] == [code] * len(out), [o.stdout + o.stderr for o in out]
    errors = [line for line in out[0].stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and errors[0].startswith("::error file=docs/draft.md,line=51,title=derive%3A FAIL")
    assert summary.read_text(encoding="utf-8").count("## derive check: ") == 2 and "❌ FAIL" in summary.read_text(
        encoding="utf-8")


def test_the_pytest_recipes_pass_the_seed_and_fail_its_twin(tmp_path):
    command, shown = (text.strip() for _, text in blocks("pytest")[:2])
    ((_, test_code),) = [b for b in blocks("pytest") if b[0] == "python"]
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "post.md").write_text(SEED, encoding="utf-8")
    (tmp_path / "docs" / "tanh.md").write_text((ROOT / "tests" / "derivations" / "tanh.md").read_text("utf-8"),
                                               encoding="utf-8")
    out = shell(f"{command} -p no:cacheprovider", tmp_path)
    assert out.returncode == 0 and shown.splitlines()[-1].split(" in ")[0] in out.stdout, out.stdout
    (tmp_path / "test_docs.py").write_text(test_code, encoding="utf-8")
    out = shell("pytest -q -p no:cacheprovider test_docs.py", tmp_path)
    assert out.returncode == 0 and "1 passed" in out.stdout, out.stdout
    (tmp_path / "docs" / "post.md").write_text(SEED.replace(RIGHT, WRONG), encoding="utf-8")
    out = shell(f"{command} -p no:cacheprovider", tmp_path)
    assert out.returncode == 1 and "FAILED docs/post.md::line-51" in out.stdout, out.stdout


def test_the_configuration_recipe_checks_its_paths(tmp_path):
    ((_, table),) = [b for b in blocks("Configuration") if b[0] == "toml"]
    (tmp_path / ".git").mkdir()  # the repository's root: the search for pyproject.toml stops here
    (tmp_path / "pyproject.toml").write_text(table, encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "post.md").write_text(SEED, encoding="utf-8")
    out = shell("derive check", tmp_path)  # no FILE: the table's paths
    assert out.returncode == 0 and out.stdout.strip() == "All 20 equations passed in 1 file; 6 definitions not " \
                                                         "counted", out.stdout + out.stderr
    (tmp_path / "docs" / "draft.md").write_text(SEED.replace(RIGHT, WRONG), encoding="utf-8")
    out = shell("derive check", tmp_path)
    assert out.returncode == 1 and out.stdout.startswith("docs/draft.md:51:1: FAIL "), out.stdout + out.stderr
