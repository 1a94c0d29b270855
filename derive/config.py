"""``[tool.derive]`` in pyproject.toml: the options of ``derive check`` that a project sets once.

    [tool.derive]
    paths = ["docs", "notes/backprop.md"]   # checked when no FILE is given; a folder: its .md, .tex, .ipynb
    sizes = [2, 3, 3, 2]                    # or "2,3,3,2": one test network, as --sizes
    activation = "tanh"
    loss = "squared"
    output = "same"
    convention = "nielsen"                  # files only (under their front matter)
    samples = 2
    lambda = "1/2"                          # or 0.5; left out: a symbolic λ
    draws = 64
    seed = 0
    rtol = 1e-9
    engine = "symengine"
    format = "text"                         # text, json, concise, github or sarif
    allow-unchecked = false                 # files only

The table read is the first one found from the current folder upward: in each folder, a pyproject.toml with
a ``[tool.derive]`` table is used (one without the table is passed over, as ruff does, so a nested package's
pyproject.toml does not hide its repository's settings), and the search stops at the folder that holds
``.git`` (the repository's root: a pyproject.toml above the repository is not the project's) or at the root
of the filesystem. Each option is taken from the command line, else (for a file's model: sizes, activation,
samples, loss, output, convention) from the file's front matter, else from this table, else derive's default.
Relative ``paths`` are relative to the pyproject.toml's folder; a FILE on the command line (as pre-commit
gives) replaces them, and they are then not looked at. An unknown key, a value of the wrong type or a file
that is not valid TOML is a one-line error naming the file and the key.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from derive.errors import DeriveError, SpecError, one_line

__all__ = ["KEYS", "find", "read_table", "configured", "file_model"]



class _Wrong(Exception):
    """A value of the wrong kind; the message says what was expected."""


def _shown(value: object) -> str:
    """A TOML value as TOML spells it (true, "many", [2, 3]), shortened past 60 characters."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else f"{text[:40]}… ({len(text):,} characters)"


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Wrong(f"expected a whole number, got {_shown(value)}")
    return value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Wrong(f"expected a number, got {_shown(value)}")
    return value


def _word(value: object) -> str:
    if not isinstance(value, str):
        raise _Wrong(f"expected a name in quotes, got {_shown(value)}")
    return value


def _sizes(value: object) -> tuple[int, ...]:
    from derive.model.network import Network

    if isinstance(value, str):
        try:
            widths = tuple(int(w) for w in value.split(","))
        except ValueError:
            raise _Wrong(f"expected whole numbers separated by commas, got {_shown(value)}") from None
    elif isinstance(value, list) and all(isinstance(w, int) and not isinstance(w, bool) for w in value):
        widths = tuple(value)
    else:
        raise _Wrong(f"expected a list of whole numbers or a string such as \"2,3,3,2\", got {_shown(value)}")
    Network(widths)  # SpecError: fewer than two layers, a width below 1
    return widths


def _samples(value: object) -> int:
    from derive.model.network import Network

    m = _whole(value)
    Network((1, 1), m=m)
    return m


def _lambda(value: object) -> Fraction:
    from derive.arguments import exact

    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _Wrong(f"expected a number (or a fraction in quotes such as \"1/2\"), got {_shown(value)}")
    try:
        return exact(str(value))
    except argparse.ArgumentTypeError as exc:
        raise _Wrong(str(exc)) from None


def _setting(name: str, convert: Callable[[object], object]) -> Callable[[object], object]:
    """A Settings field, checked as Settings checks it."""
    def check(value: object) -> object:
        from derive.settings import Settings

        value = convert(value)
        fields: dict = {name: value}
        Settings(**fields)
        return value
    return check


def _named(kind: str) -> Callable[[object], str]:
    """A name from one of derive's registries (SpecError lists the known ones)."""
    def check(value: object) -> str:
        from derive.meaning.conventions import CONVENTIONS
        from derive.model.engines import ENGINES
        from derive.model.losses import loss, output
        from derive.primitives import activation
        from derive.render import FORMATS

        name = _word(value)
        if kind == "convention" and name not in [c.key for c in CONVENTIONS]:
            raise SpecError(f"unknown convention {name!r} (known: {', '.join(c.key for c in CONVENTIONS)})")
        if kind == "engine" and name not in ENGINES:
            raise SpecError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
        if kind == "format" and name not in FORMATS:
            raise SpecError(f"unknown format {name!r} (known: {', '.join(FORMATS)})")
        {"activation": activation, "loss": loss, "output": output}.get(kind, str)(name)
        return name
    return check


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Wrong(f"expected true or false, got {_shown(value)}")
    return value


def _paths(value: object) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(p, str) and p for p in items):
        raise _Wrong(f"expected a list of files or folders in quotes, got {_shown(value)}")
    return items


# key: (the parser's dest, the check of a value, command-line dests that, given, leave the key unused)
KEYS: dict[str, tuple[str, Callable[[object], object], tuple[str, ...]]] = {
    "paths": ("files", _paths, ()),
    "sizes": ("sizes", _sizes, ()),
    "activation": ("activation", _named("activation"), ()),
    "loss": ("loss", _named("loss"), ()),
    "output": ("output", _named("output"), ()),
    "samples": ("samples", _samples, ()),
    "lambda": ("lam", _lambda, ("no_l2",)),
    "draws": ("draws", _setting("draws", _whole), ()),
    "seed": ("seed", _setting("seed", _whole), ()),
    "rtol": ("rtol", _setting("rtol", _number), ()),
    "engine": ("engine", _named("engine"), ()),
    "convention": ("convention", _named("convention"), ()),
    "format": ("format", _named("format"), ("json",)),
    "allow-unchecked": ("allow_unchecked", _flag, ("strict",)),
}
_FILE_ONLY = ("convention", "allow_unchecked")  # the parser refuses these without a FILE


def find(start: Path) -> Path | None:
    """The pyproject.toml whose ``[tool.derive]`` table applies in the folder ``start`` (see the module
    docstring), or None."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and read_table(candidate) is not None:
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def read_table(path: Path) -> dict | None:
    """The ``[tool.derive]`` table of the pyproject.toml ``path`` (None when it has none); a file that cannot
    be read or is not TOML raises SpecError naming it."""
    if sys.version_info >= (3, 11):  # imported only where a pyproject.toml is found
        import tomllib
    else:  # pragma: no cover - the dependency pyproject.toml declares for Python 3.10
        import tomli as tomllib

    try:
        with path.open("rb") as f:
            document = tomllib.load(f)
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from None
    tool = document.get("tool", {})
    table = tool.get("derive") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise SpecError(f"{path}: [tool.derive] must be a table, got {_shown(table)}")
    return table


def _files(values: list[str], folder: Path, start: Path, path: Path) -> list[str]:
    """``paths`` as the command line's FILE arguments, relative to the current folder ``start``: each file as
    named, each folder as a folder (derive.checkfiles.expanded then takes its .md, .tex and .ipynb files)."""
    from derive.reader.files import SUFFIXES, derivations_in

    found: list[Path] = []
    for value in values:
        target = folder / value
        if not target.exists():
            raise SpecError(f"{path}: [tool.derive] paths: no such file or folder {value!r}")
        if target.is_dir() and not derivations_in(target):
            raise SpecError(f"{path}: [tool.derive] paths: no {', '.join(SUFFIXES)} file in {value!r}")
        found.append(target)
    return list(dict.fromkeys(_relative(p, start) for p in found))


def _relative(path: Path, start: Path) -> str:
    """``path`` as the current folder ``start`` reaches it (../docs/post.md), where it can."""
    try:
        return os.path.relpath(path, start)
    except ValueError:  # another drive (Windows)
        return str(path)


def _given(parser: Callable[[], argparse.ArgumentParser], argv: list[str]) -> frozenset[str]:
    """The options the command line ``argv`` gives: it parsed again with every default suppressed."""
    quiet = parser()
    stack = [quiet]
    while stack:  # argparse has no public walk over a parser's actions and its sub-commands'
        for action in stack.pop()._actions:
            if isinstance(action.choices, dict):
                stack += [p for p in action.choices.values() if isinstance(p, argparse.ArgumentParser)]
            elif action.dest != "help":
                action.default = argparse.SUPPRESS
    return frozenset(vars(quiet.parse_args(argv)))


def configured(args: argparse.Namespace, argv: list[str], parser: Callable[[], argparse.ArgumentParser],
               start: Path | None = None) -> argparse.Namespace:
    """``args`` of ``derive check`` with what the command line ``argv`` leaves unset taken from the
    ``[tool.derive]`` table found from ``start`` (the current folder); ``parser()`` builds the parser that
    read ``argv``. Sets ``args.config`` (the pyproject.toml read, or None), ``args.command_line`` (the
    options ``argv`` gives) and ``args.configured`` (what the table sets of each file's model under its
    front matter: the convention). Raises SpecError, one line naming the file and the key, for a bad table."""
    args.config, args.configured = None, {}
    if args.command != "check":
        return args
    start = (start or Path.cwd()).absolute()
    path = find(start)
    if path is None and not args.files:  # the seed's claims, and no table: nothing to merge
        return args
    args.command_line = _given(parser, argv)
    if path is None:
        return args
    values = _checked(read_table(path) or {}, path)
    args.config = path
    if "paths" in values and not args.files:
        args.files = _files(values["paths"], path.parent, start, path)
    for key, value in values.items():
        dest, _, overridden = KEYS[key]
        if dest == "files" or dest in args.command_line or any(o in args.command_line for o in overridden):
            continue
        if dest in _FILE_ONLY and not args.files:  # the seed's claims have no convention, no unchecked rows
            continue
        if dest == "convention":  # under each file's front matter, not over it as --convention is
            args.configured = {"convention": value}
            continue
        setattr(args, dest, value)
    return args


def _checked(table: dict, path: Path) -> dict:
    """Each key of ``table`` checked and converted; SpecError names ``path`` and the key."""
    values = {}
    for key, value in table.items():
        if key not in KEYS:
            hint = f"; did you mean {key.replace('_', '-')!r}?" if key.replace("_", "-") in KEYS else ""
            raise SpecError(f"{path}: [tool.derive] unknown key {key!r}{hint} (known: {', '.join(KEYS)})")
        try:
            values[key] = KEYS[key][1](value)
        except (_Wrong, DeriveError) as exc:
            raise SpecError(f"{path}: [tool.derive] {key}: {one_line(str(exc))}") from None
    return values


def file_model(args: argparse.Namespace, spec: dict) -> tuple[dict[str, str], dict[str, str]]:
    """What the command line fixes of each file's model (over its front matter), and what ``[tool.derive]``
    sets of it (under the front matter; the rest of the table is already in ``spec``, whose networks the front
    matter overrides): the ``given`` and ``configured`` of ``checks.derivation.check_text``."""
    line = getattr(args, "command_line", None)
    values = {"loss": spec["loss"], "output": spec["output"], "convention": args.convention,
              "sizes": ",".join(map(str, spec["sizes"])) if spec["sizes"] else None,
              "activation": spec["activation"], "samples": str(spec["m"])}
    if line is None:  # not read through configured(): the command line's loss, output and convention
        return {k: values[k] for k in ("loss", "output", "convention") if values[k] is not None}, {}
    given = {k: v for k, v in values.items() if v is not None and k in line}  # (each key is its option's dest)
    return given, dict(getattr(args, "configured", {}))
