"""`bench batch export` and `bench batch import`: a run's requests out as batch files, the
engine's outputs back into the run's journal, graded into its result file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.backends import backend_class, is_secret
from bench.backends.base import BatchCodec, Request
from bench.batch.lines import CustomIds, Outcome, read_outputs, request_line, run_tag
from bench.errors import UsageError
from bench.fileio import atomic_write_text
from bench.pipeline.ask import NoProgress, Progress, parts_of
from bench.pipeline.journal import JournalEntry, read_notes
from bench.pipeline.plan import Item, request_of
from bench.pipeline.run import Prepared, RunOutcome, finish, prepare
from bench.settings import RunSettings

STORED = "batch-run"
"""Journal line holding the run's settings, so that an import needs only the run id."""


def requests_of(p: Prepared) -> dict[tuple[str, int], Request]:
    return {(it.question.id, it.sample): request_of(it, p.settings) for it in p.items}


def codec_of(p: Prepared) -> BatchCodec:
    """The run's backend's batch codec; a usage error for a backend without batch files."""
    cls = backend_class(p.settings.backend)
    if not getattr(cls, "supports_batch", False):
        raise UsageError(f"backend {p.settings.backend!r} has no batch files: batch runs need a "
                         "backend that supports them, such as openai")
    codec: BatchCodec = cls.batch_codec(p.options)
    return codec


def ids_of(p: Prepared) -> CustomIds:
    return CustomIds(run_tag(p.run_id, p.journal.settings), p.items)


def store_settings(p: Prepared) -> None:
    """Keep the run's settings in its journal (once) for a later import."""
    if not p.journal.notes_of(STORED):
        stored = p.settings.model_dump(mode="json", exclude={"resume", "fresh"})
        # Secrets (extra headers) stay out of the journal: give them again with the command.
        cls = type(p.options)
        stored["options"] = {k: v for k, v in stored["options"].items()
                             if k not in cls.model_fields or not is_secret(cls, k)}
        p.journal.note(STORED, settings=stored)


def lines_for(p: Prepared, items: list[Item]) -> list[str]:
    """Request lines for `items`, with the body a live run would send."""
    codec = codec_of(p)
    ids = ids_of(p)
    return [request_line(ids.of[(it.question.id, it.sample)],
                         codec.body(request_of(it, p.settings))) for it in items]


@dataclass(frozen=True)
class Exported:
    run_id: str
    files: list[Path]
    requests: int
    already_answered: int


def export(settings: RunSettings, out: Path, shards: int = 1) -> Exported:
    """Write the requests of the run's unanswered items; register the run in its journal."""
    if shards < 1:
        raise UsageError("{shards} must be at least 1", params=("shards",))
    p = prepare(settings, NoProgress(), live=False)
    codec_of(p)
    store_settings(p)
    todo = p.todo
    lines = lines_for(p, todo)
    paths = [out] if shards == 1 else [
        out.with_name(f"{out.stem}.{k + 1}-of-{shards}{out.suffix}") for k in range(shards)]
    for k, path in enumerate(paths):
        atomic_write_text(path, "".join(lines[k::shards]))
    p.close(0.0)
    return Exported(p.run_id, paths, len(lines), len(p.items) - len(todo))


@dataclass
class Imported:
    answers: int = 0
    errors: int = 0
    already: int = 0
    problems: list[str] | None = None


def absorb(p: Prepared, outcomes: list[Outcome], counts: Imported) -> None:
    """Journal each outcome; an answer is never replaced, an error is replaced by an answer."""
    problems = counts.problems if counts.problems is not None else []
    counts.problems = problems
    for o in outcomes:
        if o.problem is not None:
            problems.append(o.problem)
            continue
        assert o.key is not None
        qid, sample = o.key
        have = p.journal.entries.get(o.key)
        if have is not None and have.response is not None:
            counts.already += 1
            continue
        if o.completion is None:
            p.journal.record(JournalEntry(id=qid, sample=sample, error=o.error, attempts=1))
            counts.errors += 1
            continue
        c = o.completion
        text, conf, evidence = parts_of(c.text or c.refusal or "", p.settings)
        p.journal.record(JournalEntry(
            id=qid, sample=sample, response=text, confidence=conf, evidence=evidence,
            prompt_tokens=c.prompt_tokens, completion_tokens=c.completion_tokens,
            reasoning_tokens=c.reasoning_tokens, cached_tokens=c.cached_tokens,
            finish_reason=c.finish_reason, reasoning=c.reasoning, attempts=1, model=c.model))
        counts.answers += 1


def outcomes_of(p: Prepared, data: bytes, shown: str) -> list[Outcome]:
    return list(read_outputs(data.splitlines(), shown, ids_of(p), requests_of(p), codec_of(p)))


def stored_settings(run_id: str, out_dir: Path, **overrides: Any) -> RunSettings:
    """The settings `bench batch export` (or `run --batch`) stored in the run's journal."""
    path = out_dir / f"{run_id}.journal.jsonl"
    if not path.exists():
        raise UsageError(f"no journal of run {run_id} at {path}: export the run first, or "
                         "check {run_id} and {out_dir}", params=("run_id", "out_dir"))
    stored = read_notes(path, STORED)
    if not stored:
        raise UsageError(f"{path}: run {run_id} was not exported as a batch; "
                         "use bench batch export first")
    data = {**stored[-1]["settings"], "run_id": run_id, "out_dir": str(out_dir), **overrides}
    return RunSettings.model_validate(data)


def import_files(settings: RunSettings, files: list[Path],
                 progress: Progress | None = None) -> tuple[RunOutcome, Imported]:
    """Read output and error files, in any order, into the journal; grade; write the result."""
    p = prepare(settings.model_copy(update={"resume": True, "fresh": False}),
                progress or NoProgress(), live=False)
    counts = Imported(problems=[])
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
        absorb(p, outcomes_of(p, data, str(path)), counts)
    codec = codec_of(p)
    return finish(p, 0.0, sent=codec.sent_settings(), prices=codec.prices()), counts
