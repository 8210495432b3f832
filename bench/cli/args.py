"""Flags several commands share, and turning them into the pipeline's typed settings."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import defaults
from bench.errors import UsageError

if TYPE_CHECKING:
    from bench.settings import GraderSettings

DEFAULT_RESULTS = str(defaults.RESULTS)


def questions_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--questions", default=None, metavar="PATH",
        help="question set: JSONL, a JSON list, parquet, or a saved dataset folder "
        "(default: questions.jsonl here, else the one shipped with bench)",
    )
    p.add_argument("--seeds", default=None, metavar="DIR", help="folder of source articles")


def grader_args(p: argparse.ArgumentParser, *, both: bool = True, penalty: bool = True) -> None:
    """The grader flags; `both` (rules and judge side by side) and `--penalty-k` only where a
    result file is written."""
    kinds = ["rules", "llm", "both", "hybrid"] if both else ["rules", "llm", "hybrid"]
    p.add_argument("--grader", choices=kinds, default="rules",
                   help="rules: deterministic, offline (default); llm: an LLM judge; "
                   + ("both; " if both else "")
                   + "hybrid: rules, and the judge only where the rules are undecided")
    p.add_argument("--judge-backend", default="openai", metavar="NAME",
                   help="backend the LLM judge calls (default openai)")
    p.add_argument("--judge-model", default=None, metavar="NAME", help="model of the LLM judge")
    p.add_argument("--judge-base-url", default=None, metavar="URL",
                   help="base URL for an OpenAI-compatible judge server")
    p.add_argument("--judge-cache", default=None, metavar="DIR",
                   help="where judge replies are cached (default results/.cache/judge)")
    p.add_argument("--judge-option", action="append", default=[], metavar="KEY=VALUE",
                   help="judge setting: max_tokens, or an option of the judge's backend "
                   "(api_key_env=NAME, timeout_s=30, price_in_per_mtok=..., ...); repeatable")
    p.add_argument("--judge-template", default=None, metavar="FILE",
                   help="the judge's prompt of your own: text with {question}, {gold} and "
                   "{response}, asking for a 'GRADE: A|B|C' line (hashed into the grader spec)")
    if not penalty:
        return
    p.add_argument("--penalty-k", type=float, default=defaults.PENALTY_K, metavar="K",
                   help="cost of an incorrect answer in the penalty score (default 1)")


def grader_settings(args: argparse.Namespace) -> GraderSettings:
    from bench.settings import GraderSettings

    return GraderSettings(
        kind=args.grader, judge_backend=args.judge_backend, judge_model=args.judge_model,
        judge_base_url=args.judge_base_url,
        judge_cache=Path(args.judge_cache) if args.judge_cache else None,
        penalty_k=getattr(args, "penalty_k", defaults.PENALTY_K),
        judge_options=parse_options(args.judge_option),
        judge_template=optional_path(args.judge_template),
    )


def optional_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def parse_list(value: str | None) -> tuple[str, ...] | None:
    """`a,b,c` to a tuple; None stays None; an empty list is a usage error."""
    if value is None:
        return None
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    if not items:
        raise UsageError(f"empty list {value!r}")
    return items


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` flags to a dict; values are JSON when they parse as JSON, else strings."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"option {pair!r} is not KEY=VALUE")
        try:
            out[key.replace("-", "_")] = json.loads(value)
        except ValueError:
            out[key.replace("-", "_")] = value
    return out
