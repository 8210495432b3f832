"""`bench validate`: the question set checked against the articles."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bench.cli.args import questions_args


def register(sub: Any) -> None:
    p = sub.add_parser("validate", help="check the question set against the articles")
    questions_args(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    from bench.dataset import load_inputs, summary

    _corpus, qs = load_inputs(args.questions, args.seeds)
    for line in qs.warnings:  # harmless: the set is valid and every command accepts it
        print(line, file=sys.stderr)
    info = summary(qs)
    if args.json:
        print(json.dumps(info, indent=1))
        return 0
    print(f"{qs.path}: {info['questions']} questions, all valid "
          f"({info['unreported']} unreported)")
    print("by type:  " + ", ".join(f"{k} {v}" for k, v in info["by_type"].items()))
    print("by tag:   " + ", ".join(f"{k} {v}" for k, v in info["by_tag"].items()))
    print(f"sha256:   {info['sha256']}")
    return 0
