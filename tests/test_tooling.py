"""The house rules, run as tests: ruff (lint, import order, complexity) and mypy, as pyproject.toml configures them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("tool, args", [("ruff", ["check", "."]), ("mypy", [])], ids=["ruff", "mypy"])
def test_the_code_passes_the_configured_linters(tool, args):
    try:
        __import__(tool)
    except ImportError:
        pytest.fail(f"{tool} is not installed: pip install -e '.[dev]'")
    out = subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
