"""The pre-commit hook (.pre-commit-hooks.yaml): its manifest as pre-commit reads it, and the hook run as
pre-commit runs it on a repository's staged files: a correct derivation passes, a wrong one fails the commit
and is named with its line.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")  # PyYAML: the dev extra

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed.md"
RIGHT = r"\frac{\partial}{\partial b_{i}^l}J(w,b;x,y) = \delta_i^{l+1} \\"  # the seed's ∂J/∂b^l_i
WRONG = r"\frac{\partial}{\partial b_{i}^l}J(w,b;x,y) = 2\delta_i^{l+1} \\"  # the planted mistake: a stray 2
BAD_LINE = SEED.read_text(encoding="utf-8").splitlines().index(RIGHT) + 1

# pre-commit's manifest schema (pre_commit/clientlib.py, MANIFEST_HOOK_DICT): the keys a hook may have, the
# four it must have, and the languages it knows.
REQUIRED = {"id", "name", "entry", "language"}
OPTIONAL = {"alias", "files", "exclude", "types", "types_or", "exclude_types", "additional_dependencies", "args",
            "always_run", "fail_fast", "pass_filenames", "description", "language_version", "log_file",
            "minimum_pre_commit_version", "require_serial", "stages", "verbose"}
LANGUAGES = {"conda", "coursier", "dart", "docker", "docker_image", "dotnet", "fail", "golang", "haskell", "julia",
             "lua", "node", "perl", "pygrep", "python", "r", "ruby", "rust", "script", "swift", "system"}
# identify's tags by file extension (identify/extensions.py), for the files this test writes.
EXTENSION_TAGS = {"md": {"text", "markdown"}, "markdown": {"text", "markdown"}, "tex": {"text", "tex"},
                  "ipynb": {"text", "json", "jupyter"}, "txt": {"text", "plain-text"}, "py": {"text", "python"}}


def tags(path: str) -> set[str]:
    """The identify tags pre-commit gives a regular file (identify's own, when it is installed)."""
    try:
        from identify.identify import tags_from_filename
    except ImportError:
        return {"file", *EXTENSION_TAGS.get(Path(path).suffix.lower().lstrip("."), set())}
    return {"file", *tags_from_filename(path)}


def known_tags() -> set[str]:
    try:
        from identify.identify import ALL_TAGS
    except ImportError:
        return {"file", *(t for group in EXTENSION_TAGS.values() for t in group)}
    return set(ALL_TAGS)


@pytest.fixture(scope="module")
def hook() -> dict:
    """The manifest's one hook, ``derive``."""
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(manifest, list) and [h.get("id") for h in manifest] == ["derive"], manifest
    return manifest[0]


def selected(hook: dict, files: list[str]) -> list[str]:
    """The files pre-commit passes the hook: every tag of ``types`` and one of ``types_or``."""
    return [f for f in files if set(hook.get("types", ["file"])) <= tags(f)
            and (not hook.get("types_or") or set(hook["types_or"]) & tags(f))]


# ---------------------------------------------------------------- the manifest


def test_the_manifest_has_the_fields_pre_commit_requires_and_no_others(hook):
    assert REQUIRED <= set(hook) and set(hook) <= REQUIRED | OPTIONAL, sorted(hook)
    assert all(isinstance(hook[k], str) and hook[k] for k in REQUIRED)
    assert hook["language"] in LANGUAGES
    assert hook["pass_filenames"] is True and isinstance(hook["require_serial"], bool)


def test_the_hook_takes_markdown_latex_and_notebooks_by_identifys_tags(hook):
    assert hook["types_or"] == ["markdown", "tex", "jupyter"]
    assert set(hook["types_or"]) <= known_tags()
    assert selected(hook, ["a.md", "b.tex", "c.ipynb", "d.txt", "e.py", "f.MD"]) == ["a.md", "b.tex", "c.ipynb",
                                                                                     "f.MD"]


def test_the_entry_is_the_console_script_the_package_declares(hook):
    program, *rest = shlex.split(hook["entry"])
    (script,) = entry_points(group="console_scripts", name=program)  # as installed from pyproject.toml
    assert (program, script.value, rest) == ("derive", "derive.cli:run", ["check", "--allow-empty"])


# ---------------------------------------------------------------- the hook on a repository's staged files


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def _run_hook(hook: dict, repo: Path) -> subprocess.CompletedProcess:
    """The hook on what is staged in ``repo``, as pre-commit runs it: its entry (``derive`` as this
    interpreter's ``-m derive``) with the staged files of its types, from the repository's root."""
    staged = _git(repo, "diff", "--cached", "--name-only").split()
    command = [sys.executable, "-m", "derive", *shlex.split(hook["entry"])[1:], *selected(hook, staged)]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "100"}
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)


@pytest.mark.cli
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_hook_passes_a_correct_derivation_and_fails_the_commit_of_a_wrong_one(hook, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.name", "derive test")
    _git(repo, "config", "user.email", "derive@example.invalid")
    (repo / "pyproject.toml").write_text('[tool.derive]\ndraws = 8\npaths = ["nowhere"]\n', encoding="utf-8")
    seed = SEED.read_text(encoding="utf-8")
    (repo / "docs").mkdir()
    (repo / "docs" / "backprop.md").write_text(seed, encoding="utf-8")
    (repo / "notes.txt").write_text("$$\n1 = 2\n$$\n", encoding="utf-8")  # not the hook's type: never passed
    (repo / "README.md").write_text("# Notes\n\nProse, no display equation.\n", encoding="utf-8")
    _git(repo, "add", "README.md")
    prose = _run_hook(hook, repo)  # a commit of prose alone: nothing to check, no failure
    assert prose.returncode == 0 and "README.md: no display equation, nothing to check" in prose.stdout, prose.stdout
    _git(repo, "add", "pyproject.toml", "docs/backprop.md", "notes.txt")

    right = _run_hook(hook, repo)
    assert right.returncode == 0, right.stdout + right.stderr
    assert "docs/backprop.md" in right.stdout and "notes.txt" not in right.stdout

    (repo / "docs" / "wrong.md").write_text(seed.replace(RIGHT, WRONG), encoding="utf-8")
    _git(repo, "add", "docs/wrong.md")
    wrong = _run_hook(hook, repo)
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert f"docs/wrong.md:{BAD_LINE}" in wrong.stdout, wrong.stdout
    assert f"docs/backprop.md:{BAD_LINE}" not in wrong.stdout
