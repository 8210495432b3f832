"""`bench run`: flags to `RunSettings`, a progress bar, and the result printed."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import defaults
from bench.cli.args import (
    DEFAULT_RESULTS,
    grader_args,
    grader_settings,
    optional_path,
    parse_list,
    questions_args,
)

if TYPE_CHECKING:
    from tqdm import tqdm

    from bench.pipeline.run import RunOutcome
    from bench.records import ResultFile
    from bench.settings import RunSettings

INCOMPLETE_EXIT = 4
"""Exit code of a run or grading that finished but left answers ungraded."""


def register(sub: Any) -> None:
    p = sub.add_parser("run", help="ask a model every question, grade, write a result file")
    p.add_argument("--backend", default="local", metavar="NAME",
                   help="backend name (see `bench backends`; default local)")
    run_args(p)
    p.add_argument("--concurrency", type=int, default=defaults.CONCURRENCY, metavar="N",
                   help=f"requests in flight at once (default {defaults.CONCURRENCY})")
    p.add_argument("--resume", action="store_true",
                   help="continue the run's journal; finished questions are not asked again")
    p.add_argument("--fresh", action="store_true", help="discard an earlier journal of this run")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--confidence-targets", type=targets_arg, default=None, metavar="T1,T2",
                   help="a sweep: one run per confidence target (run ids suffixed -t<T>), "
                   "e.g. 0,0.5,0.75,0.9")
    p.add_argument("--batch", action="store_true",
                   help="openai backend: send the run through the server's Files and Batches "
                   "API (upload, poll, import, resubmit failures); see the README")
    grader_args(p)
    p.set_defaults(handler=run)


def run_args(p: argparse.ArgumentParser) -> None:
    """What a run asks and how: shared by `bench run` and `bench batch export`."""
    questions_args(p)
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
    p.add_argument("--confidence-target", type=target_arg, default=None, metavar="T",
                   help="the price of a wrong answer: tell the model to answer only when more "
                   "than T sure (0 <= T < 1; a wrong answer costs T/(1-T)) and score it so")
    p.add_argument("--cite", action="store_true",
                   help="open-book and corpus modes: ask for the supporting sentences after "
                   "the answer, and check them against the articles and the gold citations")
    p.add_argument("--prompt-template", default=None, metavar="FILE",
                   help="your own prompts: a TOML file (see the README), or a built-in: "
                   "default, brief (few-shot short answers, for small models); hashed into "
                   "results")
    p.add_argument("--system-prompt", default=None, metavar="TEXT",
                   help="replace the system message of the (built-in or given) template")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="first N questions only")
    p.add_argument("--tags", default=None, metavar="T1,T2", help="only questions with a tag")
    p.add_argument("--ids", default=None, metavar="ID1,ID2", help="only these questions")
    p.add_argument("--repeats", type=int, default=1, metavar="K", help="samples per question")
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--max-tokens", type=int, default=None, metavar="N",
                   help="token budget of each answer (reasoning models: reasoning included; "
                   f"default {defaults.MAX_TOKENS}, {defaults.CITE_MAX_TOKENS} with --cite)")
    p.add_argument("--run-id", default=None, metavar="ID",
                   help="name of the run (default derived from backend, model and mode)")
    p.add_argument("--out", default=DEFAULT_RESULTS, metavar="DIR", help="results folder")


def settings_from(args: argparse.Namespace, backend: str) -> RunSettings:
    """The typed settings of the flags `run_args` (and `bench run`) define."""
    from bench.cli.args import parse_options
    from bench.prompts import DEFAULT_TEMPLATE, load_template, with_system
    from bench.settings import GraderSettings, RunSettings, Selection

    options = parse_options(args.option)
    if args.model is not None:
        options["model"] = args.model
    if args.base_url is not None:
        options["base_url"] = args.base_url
    return RunSettings(
        backend=backend, options=options, mode=args.mode,
        selection=Selection(ids=parse_list(args.ids), tags=parse_list(args.tags),
                            limit=args.limit),
        repeats=args.repeats, temperature=args.temperature,
        max_tokens=args.max_tokens if args.max_tokens is not None
        else defaults.CITE_MAX_TOKENS if args.cite else defaults.MAX_TOKENS, cite=args.cite,
        confidence=args.confidence, confidence_target=args.confidence_target,
        concurrency=getattr(args, "concurrency", defaults.CONCURRENCY),
        run_id=args.run_id, resume=getattr(args, "resume", False),
        fresh=getattr(args, "fresh", False), out_dir=Path(args.out),
        questions=optional_path(args.questions), seeds=optional_path(args.seeds),
        graders=grader_settings(args) if hasattr(args, "grader") else GraderSettings(),
        template=load_template(args.prompt_template, args.system_prompt)
        if args.prompt_template else with_system(DEFAULT_TEMPLATE, args.system_prompt),
    )


class Bar:
    """tqdm on stderr on a terminal, nothing in a log file or CI output; notes on stderr."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.errors = 0
        self.bar: tqdm[Any] | None = None

    def start(self, total: int, done: int) -> None:
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit="q", file=sys.stderr,
                            mininterval=0.3, dynamic_ncols=True, desc="answering",
                            disable=None)

    def update(self, error: bool) -> None:
        if error:
            self.errors += 1
        if self.bar is not None:
            if error:
                self.bar.set_postfix(errors=self.errors, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def note(self, message: str) -> None:
        print(f"bench: {message}", file=sys.stderr)


def target_arg(text: str) -> float:
    """A confidence target as typed: a number in [0, 1), else one line of usage error."""
    from bench.targets import check_target

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    try:
        return check_target(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def targets_arg(text: str) -> tuple[float, ...]:
    """Comma-separated confidence targets, each checked, none repeated."""
    from bench.targets import check_targets

    values = [target_arg(part) for part in text.split(",") if part.strip()]
    try:
        return check_targets(values)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from bench.pipeline.run import Interrupted, sweep
    from bench.results.tables import result_summary

    if args.confidence_targets is not None and args.confidence_target is not None:
        from bench.errors import UsageError

        raise UsageError("--confidence-target and --confidence-targets contradict each other: "
                         "give one target, or the list to sweep")
    settings = settings_from(args, args.backend)
    runs = (sweep(settings, args.confidence_targets) if args.confidence_targets is not None
            else [settings])
    worst = 0
    results = []
    for one in runs:
        try:
            outcome = _run_one(one, args)
        except Interrupted as exc:
            # A sweep's runs are named from its flags: the same command continues them all.
            again = resume_command(None if len(runs) > 1 else exc.run_id,
                                   resume=len(runs) == 1)
            print(f"\nbench: {exc}.\nResume with: {again}", file=sys.stderr)
            if args.batch:
                print(f"Cancel the batches with: bench batch cancel --run-id {exc.run_id}",
                      file=sys.stderr)
            return exc.exit_code
        for line in result_summary(outcome.result):
            print(line)
        print(f"wrote {outcome.path}")
        results.append(outcome.result)
        worst = max(worst, incomplete_exit(outcome.result, rerun="run the same command again"))
    if len(results) > 1:
        # The sweep at a glance: does the model abstain more as a wrong answer costs more?
        from bench.results.tables import curve_table, curve_title
        from bench.results.target_curves import target_curves

        for curve in target_curves(results):
            print(f"\n{curve_title(curve)}\n{curve_table(curve)}")
    return worst


def _run_one(settings: RunSettings, args: argparse.Namespace) -> RunOutcome:
    """One run, live or through the server's batch API."""
    from bench.pipeline.run import run_eval

    if args.batch:
        from bench.batch.managed import run_batch

        return run_batch(settings, Bar(enabled=False))
    return run_eval(settings, Bar(enabled=not args.no_progress))



def resume_command(run_id: str | None, argv: list[str] | None = None,
                   prog: list[str] | None = None, *, resume: bool = True) -> str:
    """The command that continues this run: the same flags, without --fresh, with its id (none
    for a sweep, whose ids come from its flags) and `--resume` (not for a sweep, whose later
    runs have no journal yet: an existing journal is continued all the same)."""
    args = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--fresh"]
    if run_id is not None and not any(a == "--run-id" or a.startswith("--run-id=")
                                      for a in args):
        args += ["--run-id", run_id]
    if resume and "--resume" not in args:
        args.append("--resume")
    return shlex.join([*(invoked_as() if prog is None else prog), *args])


def invoked_as(argv0: str | None = None) -> list[str]:
    """How the user started bench, to echo it back: `bench` when found on the PATH as typed,
    the path they typed (`.venv/bin/bench`) otherwise, `python -m bench` for the module."""
    import os
    import shutil

    first = sys.argv[0] if argv0 is None else argv0
    if first.endswith("__main__.py") or first in ("-m", "-c"):
        return ["python", "-m", "bench"]
    name = os.path.basename(first)
    found = shutil.which(name)
    if found and os.path.realpath(found) == os.path.realpath(first):
        return [name]
    rel = os.path.relpath(first) if os.path.isabs(first) else first
    return [rel if not rel.startswith("..") else first]


def incomplete_exit(result: ResultFile, *, rerun: str) -> int:
    """0 for a complete result; else one line on what is missing and how to finish, and 4."""
    from bench.pipeline.run_paths import commonest_error

    m = result.metrics
    if m.complete:
        return 0
    parts = [f"{k} {v}" for k, v in (("failed", m.errors), ("truncated", m.truncated),
                                      ("unscored", m.unscored), ("missing", m.missing)) if v]
    line = (f"bench: incomplete: {m.n - m.graded + m.missing} of {m.n} questions have no graded "
            f"answer ({', '.join(parts)}); this result is not ranked.")
    top = commonest_error(result.records)
    if top is not None:
        from bench.results.format import plural

        line += (f" Commonest error: {top[0]} ({top[1]}x). To retry, {rerun}: only the "
                 f"{plural(m.errors, 'failed question')} {'is' if m.errors == 1 else 'are'} "
                 "asked.")
    if m.truncated:
        line += " Truncated replies were cut off by the token limit: raise --max-tokens."
    print(line, file=sys.stderr)
    return INCOMPLETE_EXIT
