"""Renderers: each takes a finished Report and only formats it (terminal, JSON, LaTeX, Markdown, the machine
formats of derive.render.formats)."""

__all__ = ["FORMATS"]

FORMATS = ("text", "json", "concise", "github", "sarif")  # what ``derive check --format`` prints
