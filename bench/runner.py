"""`bench run`: ask a backend every question concurrently, journal each answer, grade, write."""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import backends as registry
from bench.backends import Request
from bench.corpus import Corpus
from bench.dataset import Question, QuestionSet
from bench.errors import BackendCallError, UsageError
from bench.evaluate import Answer
from bench.journal import Journal
from bench.prompts import (
    PROMPT_SHA256,
    PROMPT_VERSION,
    STOP,
    build_messages,
    context_docs,
    split_confidence,
)
from bench.records import Usage
from bench.retry import RetryPolicy, with_retries


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
         confidence: bool) -> list[Item]:
    """Items ordered so that questions sharing a context run back to back (prompt-cache reuse)."""
    order = sorted(range(len(questions)),
                   key=lambda i: (context_docs(questions[i], mode, corpus), i))
    items = []
    for i in order:
        q = questions[i]
        messages = build_messages(q, mode, corpus, confidence)
        items.extend(Item(q, s, messages) for s in range(repeats))
    return items


class Progress:
    """tqdm on stderr, or nothing; counts answers and errors."""

    def __init__(self, total: int, done: int, enabled: bool):
        self.errors = 0
        self.bar = None
        if enabled:
            from tqdm import tqdm

            # disable=None: a bar on a terminal, nothing in a log file or CI output.
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


async def ask_all(items: list[Item], backend: Any, journal: Journal, *, concurrency: int,
                  policy: RetryPolicy, progress: Progress, temperature: float,
                  max_tokens: int, mode: str, confidence: bool) -> None:
    """Ask every item not yet in the journal; each outcome is journaled as soon as it is known."""
    sem = asyncio.Semaphore(concurrency)
    rng = random.Random()

    async def one(item: Item) -> None:
        request = Request(messages=item.messages, question=item.question, mode=mode,
                          temperature=temperature, max_tokens=max_tokens,
                          seed=item.sample if item.sample else None, stop=STOP)
        async with sem:
            try:
                completion, attempts = await with_retries(
                    lambda: backend.complete(request), policy, rng=rng)
            except BackendCallError as exc:
                journal.record({"id": item.question.id, "sample": item.sample, "response": None,
                                "error": str(exc), "attempts": getattr(exc, "attempts", None)})
                progress.update(error=True)
                return
        text, conf = split_confidence(completion.text) if confidence else (completion.text, None)
        journal.record({
            "id": item.question.id, "sample": item.sample, "response": text,
            "confidence": conf, "latency_s": round(completion.latency_s, 4),
            "prompt_tokens": completion.prompt_tokens,
            "completion_tokens": completion.completion_tokens,
            "attempts": attempts, "model": completion.model,
        })
        progress.update(error=False)

    tasks = [asyncio.ensure_future(one(item)) for item in items]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        close = getattr(backend, "aclose", None)
        if close is not None:
            await close()


def answers_from(journal: Journal, items: list[Item]) -> list[Answer]:
    out = []
    for item in sorted(items, key=lambda it: (it.question.id, it.sample)):
        e = journal.entries.get((item.question.id, item.sample))
        if e is None:
            continue
        usage = None
        if e.get("response") is not None:
            usage = Usage(prompt_tokens=e.get("prompt_tokens") or 0,
                          completion_tokens=e.get("completion_tokens") or 0)
        out.append(Answer(
            question=item.question, sample=item.sample, response=e.get("response"),
            error=e.get("error"), confidence=e.get("confidence"),
            latency_s=e.get("latency_s"), usage=usage, attempts=e.get("attempts"),
        ))
    return out


def default_run_id(backend: str, model: str | None, mode: str) -> str:
    stem = Path(model).stem if model else "default"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", f"{backend}-{stem}-{mode}").strip("-").lower()


def run_command(args: argparse.Namespace) -> int:
    from bench.commands import load_inputs, parse_list, print_result
    from bench.evaluate import build_result, grade_answers, make_graders
    from bench.files import atomic_write_json

    if args.concurrency < 1 or args.repeats < 1:
        raise UsageError("--concurrency and --repeats must be at least 1")
    if args.resume and args.fresh:
        raise UsageError("--resume and --fresh contradict each other; pick one")
    corpus, qs = load_inputs(args)
    questions = select(qs, ids=parse_list(args.ids), tags=parse_list(args.tags), limit=args.limit)
    options = registry.parse_options(args.option)
    if args.model is not None:
        options["model"] = args.model
    if args.base_url is not None:
        options["base_url"] = args.base_url
    backend = registry.create(args.backend, options)
    args.results_dir = args.out
    graders = make_graders(args, qs.questions)
    public = registry.public_options(backend.options)
    model = getattr(backend, "model_name", None) or public.get("model")
    run_id = args.run_id or default_run_id(args.backend, model, args.mode)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", run_id):
        raise UsageError(f"--run-id {run_id!r}: use letters, digits, '.', '_' and '-'")
    out_dir = Path(args.out)
    settings = {
        "backend": args.backend, "options": public, "mode": args.mode,
        "prompt_sha256": PROMPT_SHA256, "questions_sha256": qs.sha256,
        "corpus_sha256": corpus.sha256,
        "temperature": args.temperature, "max_tokens": args.max_tokens,
        "confidence": args.confidence,
    }
    journal_path = out_dir / f"{run_id}.journal.jsonl"
    if args.resume and not journal_path.exists():
        raise UsageError(f"--resume: no journal of run {run_id} at {journal_path}; "
                         "check --run-id and --out, or run without --resume")
    if journal_path.exists() and not (args.resume or args.fresh):
        print(f"bench: continuing run {run_id} from {journal_path} "
              "(--fresh starts over)", file=sys.stderr)
    journal = Journal(journal_path, settings, fresh=args.fresh)
    items = plan(questions, args.mode, corpus, args.repeats, args.confidence)
    done = journal.done()
    todo = [it for it in items if (it.question.id, it.sample) not in done]
    progress = Progress(len(items), len(items) - len(todo), enabled=not args.no_progress)
    policy = RetryPolicy(**getattr(backend, "retry_overrides", {}))
    start = time.perf_counter()
    try:
        asyncio.run(ask_all(
            todo, backend, journal, concurrency=args.concurrency, policy=policy,
            progress=progress, temperature=args.temperature, max_tokens=args.max_tokens,
            mode=args.mode, confidence=args.confidence))
    except KeyboardInterrupt:
        progress.close()
        journal.close(time.perf_counter() - start)
        n = len(journal.done() & {(it.question.id, it.sample) for it in items})
        print(f"\nbench: interrupted; {n} of {len(items)} answers are saved in {journal_path}.\n"
              f"Resume with the same command and --run-id {run_id} --resume", file=sys.stderr)
        return 130
    progress.close()
    wall = time.perf_counter() - start
    journal.close(wall)
    answers = answers_from(journal, items)
    records = asyncio.run(grade_answers(answers, graders, concurrency=args.concurrency))
    result = build_result(
        {"run_id": run_id, "kind": "run", "questions_sha256": qs.sha256,
         "questions_path": qs.path, "corpus_sha256": corpus.sha256, "model": model,
         "backend": args.backend, "backend_options": public, "mode": args.mode,
         "prompt_version": PROMPT_VERSION, "prompt_sha256": PROMPT_SHA256,
         "repeats": args.repeats, "temperature": args.temperature,
         "concurrency": args.concurrency,
         "wall_s": round(journal.previous_wall_s + wall, 3)},
        records, graders, args.penalty_k,
    )
    path = out_dir / f"{run_id}.json"
    atomic_write_json(path, result.model_dump(mode="json"))
    print_result(result, path)
    return 0
