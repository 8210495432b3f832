"""`bench validate` (the question set against the articles) and `bench backends` (the list)."""

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

    p = sub.add_parser("backends", help="list backends and their options")
    p.set_defaults(handler=run_backends)


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


def run_backends(args: argparse.Namespace) -> int:
    from bench.backends import available

    for name, ep in sorted(available().items()):
        try:
            cls = ep.load()
        except Exception as exc:  # a broken plugin must not hide the others
            print(f"{name}: cannot load ({exc})")
            continue
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        print(f"{name}: {doc}")
        for field, info in cls.Options.model_fields.items():
            default = "required" if info.is_required() else f"default {info.default!r}"
            print(f"    -o {field}=...  {info.description or ''} ({default})")
    return 0
