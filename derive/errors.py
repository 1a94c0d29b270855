"""The few errors derive raises; the CLI turns each into one line and exit code 2."""

__all__ = ["DeriveError", "SpecError", "ClaimError", "ReadError", "ParseError", "NotUnderstood", "one_line"]


def one_line(text: str) -> str:
    """``text`` with each unprintable character escaped as Python writes it (a newline in a path as \\n),
    so a message naming it stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class DeriveError(Exception):
    """Base of every error derive raises on purpose: the message is one line a person can act on."""


class SpecError(DeriveError):
    """A network spec or option that cannot be built: bad sizes, unknown activation, bad counts."""


class ClaimError(DeriveError):
    """A hand-derived claim that cannot be evaluated: unknown id, wrong signature, bad formula."""


class ReadError(DeriveError):
    """A file that cannot be read or written: missing, unreadable, binary, too large."""


class ParseError(DeriveError):
    """A piece of LaTeX that the notation reader does not understand."""


class NotUnderstood(DeriveError):
    """An equation that parses but has no meaning derive can give it; the message says why."""
