"""Renderers: each takes a finished Report and only formats it (terminal, JSON, LaTeX, Markdown, the machine
formats of derive.render.formats)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["FORMATS", "rich_console"]

FORMATS = ("text", "json", "concise", "github", "sarif")  # what ``derive check --format`` prints


def rich_console(**options) -> Console:
    """The rich Console derive prints to: ``:name:`` in an equation or a path stays text, not an emoji
    (rich's default would replace it, and load its table of codes on every run)."""
    from rich.console import Console

    return Console(emoji=False, **options)
