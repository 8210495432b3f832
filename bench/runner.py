"""`bench run`: ask a backend every question concurrently, journal each answer, grade, write."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bench import backends as registry
from bench.backends import Backend, Request
from bench.corpus import Corpus
from bench.dataset import Question, QuestionSet, load_inputs, selection_sha256
from bench.errors import BackendCallError, BenchError, UsageError
from bench.evaluate import Answer, GraderSettings, build_result, grade_answers, make_graders
from bench.files import atomic_write_json
from bench.journal import Journal, JournalEntry
from bench.prompts import (
    DEFAULT_TEMPLATE,
    PromptTemplate,
    build_messages,
    context_docs,
    split_confidence,
)
from bench.records import ResultFile, Usage
from bench.retry import RetryPolicy, with_retries
from bench.runfiles import check_overwrite, check_run_id, default_run_id, ensure_writable


@dataclass(frozen=True)
class Item:
    question: Question
    sample: int
    messages: list[dict[str, str]]


def select(qs: QuestionSet, *, ids: list[str] | None, tags: list[str] | None,
           limit: int | None) -> list[Question]:
    questions = list(qs.questions)
    if ids is not None:
        known = {q.id for q in questions}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise UsageError(f"--ids: unknown question ids: {', '.join(unknown)}")
        wanted = set(ids)
        questions = [q for q in questions if q.id in wanted]
    if tags is not None:
        wanted_tags = set(tags)
        questions = [q for q in questions if wanted_tags & set(q.tags)]
        if not questions:
            raise UsageError(f"--tags: no question has any of the tags {', '.join(tags)}")
    if limit is not None:
        if limit < 1:
            raise UsageError("--limit must be at least 1")
        questions = questions[:limit]
    return questions


def plan(questions: list[Question], mode: str, corpus: Corpus, repeats: int,
         confidence: bool, template: PromptTemplate = DEFAULT_TEMPLATE) -> list[Item]:
    """Items ordered so that questions sharing a context run back to back (prompt-cache reuse)."""
    order = sorted(range(len(questions)),
                   key=lambda i: (context_docs(questions[i], mode, corpus), i))
    items: list[Item] = []
    for i in order:
        q = questions[i]
        messages = build_messages(q, mode, corpus, confidence, template)
        items.extend(Item(q, s, messages) for s in range(repeats))
    return items


class Progress(Protocol):
    """Where the runner reports progress (the CLI draws a bar; a library caller may ignore it)."""

    def start(self, total: int, done: int) -> None: ...
    def update(self, error: bool) -> None: ...
    def close(self) -> None: ...
    def note(self, message: str) -> None: ...


class NoProgress:
    """Progress that shows nothing."""

    def start(self, total: int, done: int) -> None:
        pass

    def update(self, error: bool) -> None:
        pass

    def close(self) -> None:
        pass

    def note(self, message: str) -> None:
        pass


async def ask_all(items: list[Item], backend: Backend, journal: Journal, *, concurrency: int,
                  policy: RetryPolicy, progress: Progress, temperature: float,
                  max_tokens: int, mode: str, confidence: bool,
                  stop: tuple[str, ...] = DEFAULT_TEMPLATE.stop) -> None:
    """Ask every item not yet in the journal; each outcome is journaled as soon as it is known."""
    sem = asyncio.Semaphore(concurrency)
    rng = random.Random()

    async def one(item: Item) -> None:
        request = Request(messages=item.messages, question=item.question, mode=mode,
                          temperature=temperature, max_tokens=max_tokens,
                          seed=item.sample if item.sample else None, stop=stop)
        async with sem:
            try:
                completion, attempts = await with_retries(
                    lambda: backend.complete(request), policy, rng=rng)
            except BackendCallError as exc:
                journal.record(JournalEntry(id=item.question.id, sample=item.sample,
                                            error=str(exc), attempts=exc.attempts))
                progress.update(error=True)
                return
        # A refusal in place of content is the model's answer, graded like any other.
        reply = completion.text or completion.refusal or ""
        text, conf = split_confidence(reply) if confidence else (reply, None)
        journal.record(JournalEntry(
            id=item.question.id, sample=item.sample, response=text, confidence=conf,
            latency_s=round(completion.latency_s, 4), prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            reasoning_tokens=completion.reasoning_tokens, cached_tokens=completion.cached_tokens,
            finish_reason=completion.finish_reason, reasoning=completion.reasoning,
            attempts=attempts, model=completion.model,
        ))
        progress.update(error=False)

    tasks = [asyncio.ensure_future(one(item)) for item in items]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        await backend.aclose()


def answers_from(journal: Journal, items: list[Item]) -> list[Answer]:
    out = []
    for item in sorted(items, key=lambda it: (it.question.id, it.sample)):
        e = journal.entries.get((item.question.id, item.sample))
        if e is None:
            continue
        usage = None
        if e.response is not None:
            usage = Usage(prompt_tokens=e.prompt_tokens or 0,
                          completion_tokens=e.completion_tokens or 0,
                          reasoning_tokens=e.reasoning_tokens, cached_tokens=e.cached_tokens)
        out.append(Answer(
            question=item.question, sample=item.sample, response=e.response, error=e.error,
            confidence=e.confidence, latency_s=e.latency_s, usage=usage, attempts=e.attempts,
            finish_reason=e.finish_reason, reasoning=e.reasoning,
        ))
    return out


@dataclass(frozen=True)
class Selection:
    """Which questions of the set to ask: all, or by ids, tags and a limit (applied in order)."""

    ids: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    limit: int | None = None


@dataclass(frozen=True)
class RunSettings:
    """Everything `run_eval` needs; the CLI builds it from flags, a script by hand."""

    backend: str
    options: dict[str, Any] = field(default_factory=dict)
    """The backend's raw options (validated by its `Options` model)."""
    mode: str = "closed-book"
    selection: Selection = Selection()
    repeats: int = 1
    temperature: float = 0.0
    max_tokens: int = 128
    confidence: bool = False
    concurrency: int = 8
    run_id: str | None = None
    """Name of the run; None: derived from backend, model and mode."""
    resume: bool = False
    """Insist on an existing journal."""
    fresh: bool = False
    """Discard an earlier journal of this run."""
    out_dir: Path = Path("results")
    questions: Path | None = None
    """Question set; None: the default one."""
    seeds: Path | None = None
    """Folder of articles; None: the default one."""
    graders: GraderSettings = field(default_factory=GraderSettings)
    template: PromptTemplate = DEFAULT_TEMPLATE
    """How questions are put to the model (`--prompt-template`, `--system-prompt`)."""


@dataclass(frozen=True)
class RunOutcome:
    """What a finished run produced."""

    result: ResultFile
    path: Path
    journal_path: Path


class Interrupted(BenchError):
    """Ctrl-C during a run: the finished answers are safe in the journal."""

    exit_code = 130

    def __init__(self, run_id: str, saved: int, total: int, journal_path: Path):
        super().__init__(f"interrupted; {saved} of {total} answers are saved in {journal_path}")
        self.run_id, self.saved, self.total = run_id, saved, total


class NothingAnswered(BenchError):
    """Every call of a run failed: no result file is written, the journal keeps the errors."""

    exit_code = 5


def run_eval(settings: RunSettings, progress: Progress | None = None) -> RunOutcome:
    """Ask the backend every selected question, journal each answer, grade, write the result."""
    s = settings
    if s.concurrency < 1 or s.repeats < 1:
        raise UsageError("--concurrency and --repeats must be at least 1")
    if s.resume and s.fresh:
        raise UsageError("--resume and --fresh contradict each other; pick one")
    corpus, qs = load_inputs(s.questions, s.seeds)
    sel = s.selection
    questions = select(qs, ids=None if sel.ids is None else list(sel.ids),
                       tags=None if sel.tags is None else list(sel.tags), limit=sel.limit)
    backend = registry.create(s.backend, s.options)
    graders = make_graders(s.graders, qs.questions, s.out_dir)
    public = registry.public_options(backend.options)
    model = backend.model_name or public.get("model")
    subset = len(questions) < len(qs.questions)
    selection = selection_sha256(q.id for q in questions)
    run_id = check_run_id(s.run_id or default_run_id(
        s.backend, model, s.mode, len(questions) if subset else None))
    path = s.out_dir / f"{run_id}.json"
    ensure_writable(s.out_dir)
    check_overwrite(path, selection, len(questions), s.fresh)
    # Only what changes the answers must match to resume: a longer timeout may be tried.
    journal_settings = {
        "backend": s.backend, "options": registry.answer_options(backend.options),
        "mode": s.mode,
        "prompt_sha256": s.template.sha256, "questions_sha256": qs.sha256,
        "corpus_sha256": corpus.sha256,
        "temperature": s.temperature, "max_tokens": s.max_tokens,
        "confidence": s.confidence,
    }
    journal_path = s.out_dir / f"{run_id}.journal.jsonl"
    if s.resume and not journal_path.exists():
        raise UsageError(f"--resume: no journal of run {run_id} at {journal_path}; "
                         "check --run-id and --out, or run without --resume")
    progress = progress or NoProgress()
    if journal_path.exists() and not (s.resume or s.fresh):
        progress.note(f"continuing run {run_id} from {journal_path} (--fresh starts over)")
    journal = Journal(journal_path, journal_settings, fresh=s.fresh)
    items = plan(questions, s.mode, corpus, s.repeats, s.confidence, s.template)
    done = journal.done()
    todo = [it for it in items if (it.question.id, it.sample) not in done]
    progress.start(len(items), len(items) - len(todo))
    start = time.perf_counter()
    try:
        asyncio.run(ask_all(
            todo, backend, journal, concurrency=s.concurrency, policy=backend.retry_policy(),
            progress=progress, temperature=s.temperature, max_tokens=s.max_tokens,
            mode=s.mode, confidence=s.confidence, stop=s.template.stop))
    except KeyboardInterrupt:
        progress.close()
        journal.close(time.perf_counter() - start)
        n = len(journal.done() & {(it.question.id, it.sample) for it in items})
        raise Interrupted(run_id, n, len(items), journal_path) from None
    progress.close()
    wall = time.perf_counter() - start
    journal.close(wall)
    answers = answers_from(journal, items)
    if all(a.response is None for a in answers):
        failed = Counter(a.error or "no response" for a in answers).most_common(1)[0]
        raise NothingAnswered(
            f"every call failed ({len(answers)} of {len(answers)}), most often: {failed[0]} "
            f"({failed[1]}x). No result file was written; the errors are in {journal_path}. "
            "Fix the cause and run the same command again: only failed questions are asked.")
    records = asyncio.run(grade_answers(answers, graders, concurrency=s.concurrency))
    result = build_result(
        {"run_id": run_id, "kind": "run", "questions_sha256": qs.sha256,
         "questions_path": qs.path, "corpus_sha256": corpus.sha256, "model": model,
         "backend": s.backend, "backend_options": public, "mode": s.mode,
         "prompt_version": s.template.version, "prompt_sha256": s.template.sha256,
         "repeats": s.repeats, "temperature": s.temperature, "max_tokens": s.max_tokens,
         "concurrency": s.concurrency,
         "wall_s": round(journal.previous_wall_s + wall, 3),
         "n_questions_total": len(qs.questions), "selection_sha256": selection,
         "selected_ids": sorted(q.id for q in questions), "subset": subset,
         "sent": backend.sent_settings()},
        records, graders, s.graders.penalty_k, backend.prices(),
    )
    atomic_write_json(path, result.model_dump(mode="json"))
    return RunOutcome(result, path, journal_path)
