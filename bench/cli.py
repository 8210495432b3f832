"""The `bench` command line: argument parsing, lazy dispatch, errors mapped to exit codes."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from bench import __version__
from bench.errors import BenchError, DataError

DEFAULT_QUESTIONS = "questions.jsonl"
DEFAULT_RESULTS = "results"


def _questions_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--questions", default=None, metavar="PATH",
        help="question set: JSONL, a JSON list, parquet, or a saved dataset folder "
        "(default: questions.jsonl here, else the one shipped with bench)",
    )
    p.add_argument("--seeds", default=None, metavar="DIR", help="folder of source articles")


def _grader_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--grader", choices=["rules", "llm", "both"], default="rules",
                   help="rules: deterministic, offline (default); llm: an LLM judge; both")
    p.add_argument("--judge-backend", default="openai", metavar="NAME",
                   help="backend the LLM judge calls (default openai)")
    p.add_argument("--judge-model", default=None, metavar="NAME", help="model of the LLM judge")
    p.add_argument("--judge-base-url", default=None, metavar="URL",
                   help="base URL for an OpenAI-compatible judge server")
    p.add_argument("--judge-cache", default=None, metavar="DIR",
                   help="where judge replies are cached (default results/.cache/judge)")
    p.add_argument("--penalty-k", type=float, default=1.0, metavar="K",
                   help="cost of an incorrect answer in the penalty score (default 1)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench",
        description="A fact-question benchmark and evaluator for QA and LLM systems.",
    )
    parser.add_argument("--version", action="version", version=f"bench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check the question set against the articles")
    _questions_arg(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler="bench.commands:cmd_validate")

    p = sub.add_parser("run", help="ask a model every question, grade, write a result file")
    _questions_arg(p)
    p.add_argument("--backend", default="local", metavar="NAME",
                   help="backend name (see `bench backends`; default local)")
    p.add_argument("--model", default=None, metavar="NAME",
                   help="model name (openai) or GGUF path (local)")
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="OpenAI-compatible server URL (default $OPENAI_BASE_URL)")
    p.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                   help="a backend option (repeatable); see `bench backends`")
    p.add_argument("--mode", choices=["closed-book", "open-book", "corpus"],
                   default="closed-book", help="what the model sees besides the question")
    p.add_argument("--confidence", action="store_true",
                   help="ask the model for a confidence in [0, 1] as well")
    p.add_argument("--concurrency", type=int, default=8, metavar="N")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="first N questions only")
    p.add_argument("--tags", default=None, metavar="T1,T2", help="only questions with a tag")
    p.add_argument("--ids", default=None, metavar="ID1,ID2", help="only these questions")
    p.add_argument("--repeats", type=int, default=1, metavar="K", help="samples per question")
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--max-tokens", type=int, default=128, metavar="N")
    p.add_argument("--run-id", default=None, metavar="ID",
                   help="name of the run (default derived from backend, model and mode)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run's journal; finished questions are not asked again")
    p.add_argument("--fresh", action="store_true", help="discard an earlier journal of this run")
    p.add_argument("--out", default=DEFAULT_RESULTS, metavar="DIR", help="results folder")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _grader_args(p)
    p.set_defaults(handler="bench.commands:cmd_run")

    p = sub.add_parser("grade", help="grade another system's saved answers")
    p.add_argument("--predictions", required=True, metavar="PATH",
                   help='JSONL: {"id", "answer", "confidence"?, "citations"?} a line')
    _questions_arg(p)
    _grader_args(p)
    p.add_argument("--out", default=None, metavar="PATH",
                   help="result file (default results/<predictions stem>.json)")
    p.add_argument("--run-id", default=None, metavar="ID")
    p.add_argument("--model", default=None, metavar="NAME", help="name of the graded system")
    p.set_defaults(handler="bench.commands:cmd_grade")

    p = sub.add_parser("backends", help="list backends and their options")
    p.set_defaults(handler="bench.commands:cmd_backends")

    p = sub.add_parser("leaderboard", help="rank the result files; write json, md and html")
    p.add_argument("--results", default=DEFAULT_RESULTS, metavar="DIR")
    p.add_argument("--out", default=None, metavar="DIR", help="output folder (default: --results)")
    _questions_arg(p)
    p.set_defaults(handler="bench.leaderboard:cli_leaderboard")

    p = sub.add_parser("show", help="one run's answers, question by question")
    p.add_argument("run", metavar="RUN", help="result file, or run id in results/")
    p.add_argument("--verdict", default=None, help="only this verdict")
    p.add_argument("--tag", default=None, help="only questions with this tag")
    p.add_argument("--results", default=DEFAULT_RESULTS, metavar="DIR")
    p.set_defaults(handler="bench.report:cli_show")

    p = sub.add_parser("compare", help="questions whose verdict differs between two runs")
    p.add_argument("run_a", metavar="RUN_A")
    p.add_argument("run_b", metavar="RUN_B")
    p.add_argument("--results", default=DEFAULT_RESULTS, metavar="DIR")
    p.set_defaults(handler="bench.report:cli_compare")

    p = sub.add_parser("export", help="write the question set, or run records, as a dataset")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--format", choices=["parquet", "hf"], default="parquet")
    p.add_argument("--results", nargs="*", default=None, metavar="RUN",
                   help="export these result files' records instead of the question set "
                   "(no value: every result in results/)")
    _questions_arg(p)
    p.set_defaults(handler="bench.commands:cmd_export")
    return parser


def _handler(spec: str) -> Callable[[argparse.Namespace], int | None]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return _handler(args.handler)(args) or 0
    except DataError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return exc.exit_code
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `bench show ... | head`: the reader left; nothing to report.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
