"""Renderers: each takes a finished Report and only formats it (terminal, JSON, LaTeX, Markdown)."""
