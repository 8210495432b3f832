"""`bench`: the parser of every command, lazy dispatch, and errors mapped to exit codes.

Exit codes: 0 success; 1 bad input data or nothing to rank; 2 a usage or configuration
error; 3 a failed model call outside a run; 130 interrupted."""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from bench import __version__
from bench.cli import (
    agreement,
    backends,
    batch,
    export,
    grade,
    leaderboard,
    run,
    serve,
    show,
    validate,
)
from bench.errors import BenchError, DataError

COMMANDS = (validate, run, grade, agreement, batch, leaderboard, show, export, serve, backends)
ALIASES = {"out_dir": "out"}
"""Settings whose flag has another name."""


class Parser(argparse.ArgumentParser):
    """argparse with no abbreviated flags (`--max-token` is no `--max-tokens`: a typo must not
    be guessed silently), a suggestion for a misspelt one, and errors of one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        if unknown:
            flags = sorted({s for p in _parsers(_root(self)) for a in p._actions
                            for s in a.option_strings if s.startswith("--")})
            hints = []
            for word in unknown.group(1).split():
                close = difflib.get_close_matches(word.split("=")[0], flags, n=1, cutoff=0.7)
                if word.startswith("--") and close:
                    hints.append(f"{word.split('=')[0]}: did you mean {close[0]}?")
            if hints:
                message += " (" + "; ".join(hints) + ")"
        # One line and where to look, not a screenful of usage above the one line that matters.
        self.exit(2, f"{self.prog}: error: {message}\n(see {self.prog} --help)\n")


def _root(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return getattr(parser, "_bench_root", parser)


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """A parser and every subcommand's parser below it."""
    out = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                out += _parsers(child)
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="bench",
        description="A fact-question benchmark and evaluator for QA and LLM systems.",
    )
    parser.add_argument("--version", action="version", version=f"bench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    for p in _parsers(parser):
        p._bench_root = parser  # type: ignore[attr-defined]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except DataError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return exc.exit_code
    except BenchError as exc:
        print(f"bench: error: {exc.render(flag_namer(parser))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `bench show ... | head`: the reader left; nothing to report.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def flag_namer(parser: argparse.ArgumentParser) -> Callable[[str], str]:
    """How an error names a setting: as the flag that sets it (`run_id` -> `--run-id`)."""
    flags: dict[str, str] = {}
    for p in _parsers(parser):
        for action in p._actions:
            if action.option_strings:
                long = [s for s in action.option_strings if s.startswith("--")]
                flags.setdefault(action.dest, (long or action.option_strings)[0])
    return lambda name: flags.get(ALIASES.get(name, name), name)
