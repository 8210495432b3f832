"""`bench export`: the question set, or the records of result files, as a dataset."""

from __future__ import annotations

import argparse
from typing import Any

from bench.cli.args import DEFAULT_RESULTS, questions_args


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="write the question set, or run records, as a dataset")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--format", choices=["parquet", "hf"], default="parquet")
    p.add_argument("--results", nargs="*", default=None, metavar="RUN",
                   help="export these result files' records instead of the question set "
                   "(no value: every result in results/)")
    p.add_argument("--results-dir", default=DEFAULT_RESULTS, metavar="DIR",
                   help="where run ids are looked up (default results)")
    questions_args(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.results is not None:
        from bench.results.export import export_results

        n = export_results(args.results, args.format, args.out, args.results_dir)
        print(f"wrote {n} records to {args.out} ({args.format})")
        return 0
    from bench.dataset import export_questions, load_inputs

    _corpus, qs = load_inputs(args.questions, args.seeds)
    export_questions(qs, args.format, args.out)
    print(f"wrote {len(qs.questions)} questions to {args.out} ({args.format})")
    return 0
