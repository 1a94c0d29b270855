"""Shared fixtures for derive's tests: the seed post, the command line in a subprocess, and a network checked
with its results indexed by claim id.

A test that uses ``run_cli`` (directly or through another fixture) is marked ``cli`` here, at collection.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from checks.report import run
from derive.model.backprop import SEED_CLAIMS
from derive.model.network import Network
from derive.primitives import Activation, activation
from derive.settings import Settings

RTOL = 1e-9
SEED = Path(__file__).resolve().parents[1] / "examples" / "seed.md"  # the seed post, as shipped
TIMEOUT = 300  # seconds: a hang fails the test instead of blocking the suite (a guard, not a speed target)

# What rich reads from the environment (width, colour, terminal): a developer's shell must not change
# what the tests see, so none of it reaches the child; COLUMNS only when a test asks for a width.
_RICH_VARIABLES = ("COLUMNS", "LINES", "JUPYTER_COLUMNS", "JUPYTER_LINES", "FORCE_COLOR", "NO_COLOR",
                   "TTY_COMPATIBLE", "TTY_INTERACTIVE", "TERM", "COLORTERM")


# ---------------------------------------------------------------- the seed post


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """examples/seed.md, as shipped; the test fails (not skips) when it is missing."""
    if not SEED.is_file():
        pytest.fail(f"the seed post is missing: {SEED}")
    return SEED


@pytest.fixture(scope="session")
def seed_text(seed_path) -> str:
    """The text of the seed post."""
    return seed_path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the command line


class CommandLine:
    """``run_cli(*args, cwd=None, width=None, timeout=300, module="derive")`` runs ``python -m MODULE ARGS``
    in a fresh interpreter and returns its ``subprocess.CompletedProcess`` (stdout and stderr as UTF-8 text).

    The environment is the test process's without rich's variables, with PYTHONIOENCODING=utf-8, and
    COLUMNS=width when ``width`` is given. ``program`` runs that executable (e.g. the console script)
    in place of ``python -m MODULE``. ``run_cli.many([args, ...])`` runs independent commands concurrently.
    """

    def __init__(self) -> None:
        self._env = {k: v for k, v in os.environ.items() if k not in _RICH_VARIABLES}
        self._env["PYTHONIOENCODING"] = "utf-8"

    def __call__(self, *args, cwd: Path | str | None = None, width: int | None = None, timeout: float = TIMEOUT,
                 module: str = "derive", program: str | None = None) -> subprocess.CompletedProcess:
        command = [program] if program is not None else [sys.executable, "-m", module]
        env = self._env if width is None else {**self._env, "COLUMNS": str(width)}
        return subprocess.run([*command, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                              encoding="utf-8", timeout=timeout)

    def many(self, commands: list[tuple], cwd: Path | str | list | None = None,
             **options) -> list[subprocess.CompletedProcess]:
        """Run each tuple of arguments in ``commands``, as many at once as there are CPUs (at least two);
        the results in the order given. ``cwd`` is one folder for all, or a list with one per command;
        ``options`` (width, timeout, module) apply to every command."""
        folders = cwd if isinstance(cwd, list) else [cwd] * len(commands)
        assert len(folders) == len(commands), "one folder per command"
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            return list(pool.map(lambda args, folder: self(*args, cwd=folder, **options), commands, folders))


@pytest.fixture(scope="session")
def run_cli() -> CommandLine:
    """Run derive's command line in a subprocess: see ``CommandLine``."""
    return CommandLine()


@pytest.fixture
def plain_console_env(monkeypatch) -> None:
    """For a test that runs ``derive.cli.main`` in this process: rich sees none of its variables, as in ``run_cli``."""
    for name in _RICH_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def pytest_collection_modifyitems(config, items):
    """Mark ``cli`` every test that runs the command line through ``run_cli``."""
    for item in items:
        if "run_cli" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.cli)


# ---------------------------------------------------------------- a network, checked


def _check(sizes, claims=SEED_CLAIMS, *, act="generic", m=2, lam=None, engine="symengine", draws=64, seed=0,
           method="auto"):
    act = act if isinstance(act, Activation) else activation(act)
    settings = Settings(draws=draws, seed=seed, rtol=RTOL, method=method)
    report = run(Network(tuple(sizes), activation=act, m=m, lam=lam, engine=engine), claims, settings)
    return report, {r.claim.id: r for r in report.results}


@pytest.fixture(scope="session")
def check():
    """``check(sizes, claims, act=, m=, lam=, engine=, draws=, seed=, method=)`` -> (report, results keyed by
    claim id), with the tolerance RTOL."""
    return _check


@pytest.fixture(scope="session")
def cached_check():
    """Like ``check`` but memoised under a caller-chosen key, so that one run serves many tests."""
    done: dict = {}

    def cached(key: str, *args, **kwargs):
        if key not in done:
            try:
                done[key] = ("ok", _check(*args, **kwargs))
            except Exception as exc:  # re-raised for every test that asks, not just the first
                done[key] = ("error", exc)
        kind, value = done[key]
        if kind == "error":
            raise value
        return value

    return cached
