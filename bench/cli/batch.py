"""`bench batch export | import | cancel`: a run through batch files (see the README's
"Running at scale")."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench import defaults
from bench.cli.args import DEFAULT_RESULTS, grader_args, grader_settings
from bench.cli.run import incomplete_exit, run_args, settings_from


def register(sub: Any) -> None:
    p = sub.add_parser("batch", help="run through batch files: export requests, import outputs")
    cmds = p.add_subparsers(dest="batch_command", metavar="SUBCOMMAND", required=True)

    e = cmds.add_parser("export", help="write the requests a run would send (OpenAI batch "
                        "format), for the Batch API or vLLM's run-batch")
    e.add_argument("file", metavar="OUT.jsonl", help="the request file to write")
    run_args(e)
    e.add_argument("--shards", type=int, default=1, metavar="N",
                   help="split into N files, for N engines (OUT.1-of-N.jsonl, ...)")
    e.set_defaults(handler=run_export)

    i = cmds.add_parser("import", help="read output and error files back, grade, write the "
                        "result")
    i.add_argument("files", nargs="+", metavar="FILE.jsonl",
                   help="output or error files, in any order, any number")
    i.add_argument("--run-id", required=True, metavar="ID", help="the exported run")
    i.add_argument("--out", default=DEFAULT_RESULTS, metavar="DIR", help="results folder")
    grader_args(i)
    i.set_defaults(handler=run_import)

    c = cmds.add_parser("cancel", help="cancel a run's batches still running at the provider")
    c.add_argument("--run-id", required=True, metavar="ID")
    c.add_argument("--out", default=DEFAULT_RESULTS, metavar="DIR", help="results folder")
    c.set_defaults(handler=run_cancel)


def run_export(args: argparse.Namespace) -> int:
    from bench.batch.transfer import export

    done = export(settings_from(args, "openai"), Path(args.file), args.shards)
    for path in done.files:
        print(f"wrote {path}")
    skipped = f"; {done.already_answered} already answered" if done.already_answered else ""
    print(f"{done.requests} requests of run {done.run_id}{skipped}. After the engine has run "
          f"them: bench batch import OUTPUT.jsonl [ERRORS.jsonl ...] --run-id {done.run_id}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from bench.batch.transfer import import_files, stored_settings
    from bench.results.tables import result_summary

    settings = stored_settings(args.run_id, Path(args.out))
    settings = settings.model_copy(update={"graders": grader_settings(args)})
    outcome, counts = import_files(settings, [Path(f) for f in args.files])
    for problem in counts.problems or []:
        print(f"bench: warning: {problem}", file=sys.stderr)
    from bench.results.format import plural

    print(f"imported {plural(counts.answers, 'answer')} and {plural(counts.errors, 'error')}"
          + (f"; {counts.already} already answered, kept" if counts.already else ""))
    for line in result_summary(outcome.result):
        print(line)
    print(f"wrote {outcome.path}")
    return incomplete_exit(
        outcome.result, rerun=f"export the missing ones ({export_command(settings)}), run "
        "them and import the outputs")


def export_command(settings: Any) -> str:
    """The `bench batch export` command that writes the run's missing requests: every flag
    that shapes them, as the run was exported (a prompt file's path is not kept: FILE)."""
    import shlex

    from bench.cli.run import invoked_as
    from bench.prompts import BUILT_IN, with_system
    from bench.settings import RunSettings

    s: RunSettings = settings
    default = RunSettings(backend=s.backend)
    args = ["batch", "export", "requests.jsonl"]
    options = dict(s.options)
    for key, flag in (("model", "--model"), ("base_url", "--base-url")):
        if options.get(key) is not None:
            args += [flag, str(options.pop(key))]
    for key, value in sorted(options.items()):
        args += ["-o", f"{key}={value}"]
    if s.mode != default.mode:
        args += ["--mode", s.mode]
    sel = s.selection
    if sel.ids:
        args += ["--ids", ",".join(sel.ids)]
    if sel.tags:
        args += ["--tags", ",".join(sel.tags)]
    if sel.limit is not None:
        args += ["--limit", str(sel.limit)]
    for name, flag in (("repeats", "--repeats"), ("temperature", "--temperature")):
        if getattr(s, name) != getattr(default, name):
            args += [flag, str(getattr(s, name))]
    if s.max_tokens != (defaults.CITE_MAX_TOKENS if s.cite else defaults.MAX_TOKENS):
        args += ["--max-tokens", str(s.max_tokens)]
    if s.confidence:
        args.append("--confidence")
    if s.cite:
        args.append("--cite")
    if s.confidence_target is not None:
        args += ["--confidence-target", repr(s.confidence_target)]
    if s.template != default.template:
        named = next((n for n, t in BUILT_IN.items()
                      if with_system(t, s.template.system) == s.template), None)
        args += ["--prompt-template", named or "FILE"]
        if named and s.template.system != BUILT_IN[named].system:
            args += ["--system-prompt", s.template.system]
    for name, flag in (("questions", "--questions"), ("seeds", "--seeds")):
        if getattr(s, name) is not None:
            args += [flag, str(getattr(s, name))]
    args += ["--run-id", s.run_id or "ID"]
    if s.out_dir != default.out_dir:
        args += ["--out", str(s.out_dir)]
    return shlex.join([*invoked_as(), *args])


def run_cancel(args: argparse.Namespace) -> int:
    from bench.batch.managed import cancel

    cancelled = cancel(args.run_id, Path(args.out))
    print(f"cancelled {len(cancelled)} batch(es){': ' + ', '.join(cancelled) if cancelled else ''}")
    return 0
