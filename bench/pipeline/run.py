"""One run from settings to result file: prepare (inputs, run id, journal), ask (live calls,
or a batch elsewhere), finish (grade and write). `run_eval` is the three in a row."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import backends as registry
from bench.backends import Backend
from bench.backends.call import Model
from bench.corpus import Corpus
from bench.dataset import Question, QuestionSet, load_inputs, selection_sha256
from bench.errors import BenchError, UsageError
from bench.fileio import atomic_write_json
from bench.grading.graders import Grader, make_grader
from bench.pipeline.ask import NoProgress, Progress, answers_from, ask_all
from bench.pipeline.journal import Journal
from bench.pipeline.plan import Item, plan, select
from bench.pipeline.result import build_result, grade_answers
from bench.pipeline.run_lock import RunLock
from bench.pipeline.run_paths import check_overwrite, check_run_id, default_run_id, ensure_writable
from bench.records import ResultFile
from bench.settings import RunSettings
from bench.targets import check_targets, run_id_suffix


@dataclass(frozen=True)
class RunOutcome:
    """What a finished run produced."""

    result: ResultFile
    path: Path
    journal_path: Path


class Interrupted(BenchError):
    """Ctrl-C during a run: the finished answers are safe in the journal."""

    exit_code = 130

    def __init__(self, run_id: str, saved: int, total: int, journal_path: Path,
                 note: str = ""):
        super().__init__(f"interrupted; {saved} of {total} answers are saved in "
                         f"{journal_path}{note}")
        self.run_id, self.saved, self.total = run_id, saved, total


class NothingAnswered(BenchError):
    """Every call of a run failed: no result file is written, the journal keeps the errors."""

    exit_code = 5


@dataclass
class Prepared:
    """A run ready to ask: its questions in order, its journal open, its graders built."""

    settings: RunSettings
    corpus: Corpus
    questions_set: QuestionSet
    questions: list[Question]
    options: Any
    """The backend's validated options."""
    backend: Backend | None
    """None when the answers come from elsewhere (batch files)."""
    grader: Grader
    run_id: str
    path: Path
    journal: Journal
    items: list[Item]
    model: str | None
    lock: RunLock
    """Held until the run is finished or stopped: one writer per run id."""

    @property
    def todo(self) -> list[Item]:
        done = self.journal.done()
        return [it for it in self.items if (it.question.id, it.sample) not in done]

    def close(self, wall_s: float) -> None:
        """Close the journal (recording the wall time) and let the run id go."""
        try:
            self.journal.close(wall_s)
        finally:
            self.lock.release()

    def saved(self) -> int:
        return len(self.journal.done() & {(it.question.id, it.sample) for it in self.items})


def prepare(s: RunSettings, progress: Progress, *, live: bool = True) -> Prepared:
    """Load and check everything, and open the journal, before anything is paid for."""
    if s.concurrency < 1 or s.repeats < 1:
        raise UsageError("{concurrency} and {repeats} must be at least 1",
                         params=("concurrency", "repeats"))
    if s.cite and s.mode == "closed-book":
        raise UsageError("{cite} needs articles to quote: use it with {mode} open-book or "
                         "corpus", params=("cite", "mode"))
    if s.resume and s.fresh:
        raise UsageError("{resume} and {fresh} contradict each other; pick one",
                         params=("resume", "fresh"))
    corpus, qs = load_inputs(s.questions, s.seeds)
    questions = select(qs, s.selection)
    backend = registry.create(s.backend, s.options) if live else None
    options = backend.options if backend else registry.validate_options(s.backend, s.options)
    grader = make_grader(s.graders, qs.questions, s.out_dir)
    model = (backend.model_name if backend else None) or getattr(options, "model", None)
    subset = len(questions) < len(qs.questions)
    run_id = check_run_id(s.run_id or default_run_id(
        s.backend, model, s.mode, len(questions) if subset else None, s.confidence_target))
    path = s.out_dir / f"{run_id}.json"
    ensure_writable(s.out_dir)
    lock = RunLock(s.out_dir / f"{run_id}.lock", run_id)
    try:
        journal, items = _open(s, progress, run_id, path, corpus, qs, questions, options)
    except BaseException:
        lock.release()
        raise
    return Prepared(s, corpus, qs, questions, options, backend, grader, run_id, path,
                    journal, items, model, lock)


def _open(s: RunSettings, progress: Progress, run_id: str, path: Path, corpus: Corpus,
          qs: QuestionSet, questions: list[Question],
          options: Any) -> tuple[Journal, list[Item]]:
    """The run's journal, checked against its settings, and its items in order."""
    check_overwrite(path, selection_sha256(q.id for q in questions), len(questions), s.fresh)
    # Only what changes the answers must match to resume: a longer timeout may be tried.
    journal_settings = {
        "backend": s.backend, "options": registry.answer_options(options), "mode": s.mode,
        "prompt_sha256": s.template.sha256_at(s.confidence_target, s.cite),
        "questions_sha256": qs.sha256,
        "corpus_sha256": corpus.sha256, "temperature": s.temperature,
        "max_tokens": s.max_tokens, "confidence": s.confidence,
    }
    journal_path = s.out_dir / f"{run_id}.journal.jsonl"
    if s.resume and not journal_path.exists():
        raise UsageError(f"{{resume}}: no journal of run {run_id} at {journal_path}; check "
                         "{run_id} and {out_dir}, or run without {resume}",
                         params=("resume", "run_id", "out_dir"))
    if journal_path.exists() and not (s.resume or s.fresh):
        progress.note(f"continuing run {run_id} from {journal_path} (fresh starts over)")
    journal = Journal(journal_path, journal_settings, fresh=s.fresh)
    return journal, plan(questions, s.mode, corpus, s.repeats, s.confidence, s.template,
                         s.confidence_target, s.cite)


def ask_live(p: Prepared, model: Model, progress: Progress) -> float:
    """Ask every unanswered item through the model; the wall time spent."""
    todo = p.todo
    progress.start(len(p.items), len(p.items) - len(todo))
    start = time.perf_counter()
    try:
        asyncio.run(ask_all(todo, model, p.journal, p.settings, progress))
    except KeyboardInterrupt:
        progress.close()
        p.close(time.perf_counter() - start)
        raise Interrupted(p.run_id, p.saved(), len(p.items), p.journal.path) from None
    progress.close()
    return time.perf_counter() - start


def finish(p: Prepared, wall: float, *, sent: dict[str, Any] | None = None,
           prices: tuple[float, float] | None = None) -> RunOutcome:
    """Grade what the journal holds and write the result file (none if every call failed);
    the run id is let go once that is done."""
    try:
        return _finish(p, wall, sent, prices)
    finally:
        p.lock.release()


def _finish(p: Prepared, wall: float, sent: dict[str, Any] | None,
            prices: tuple[float, float] | None) -> RunOutcome:
    s, qs = p.settings, p.questions_set
    p.journal.close(wall)
    answers = answers_from(p.journal, p.items)
    if all(a.response is None for a in answers):
        failed = Counter(a.error or "no response" for a in answers).most_common(1)[0]
        raise NothingAnswered(
            f"every call failed ({len(answers)} of {len(answers)}), most often: {failed[0]} "
            f"({failed[1]}x). No result file was written; the errors are in "
            f"{p.journal.path}. Fix the cause and run the same command again: only failed "
            "questions are asked.")
    records = asyncio.run(grade_answers(answers, p.grader, concurrency=s.concurrency,
                                        texts=p.corpus.texts))
    result = build_result(
        {"run_id": p.run_id, "kind": "run", "questions_sha256": qs.sha256,
         "questions_path": qs.path, "corpus_sha256": p.corpus.sha256, "model": p.model,
         "backend": s.backend, "backend_options": registry.public_options(p.options),
         "mode": s.mode, "prompt_version": s.template.version,
         "prompt_sha256": s.template.sha256_at(s.confidence_target, s.cite),
         "cite": s.cite,
         "template_sha256": s.template.sha256, "confidence_target": s.confidence_target,
         "repeats": s.repeats,
         "temperature": s.temperature, "max_tokens": s.max_tokens,
         "concurrency": s.concurrency, "wall_s": round(p.journal.previous_wall_s + wall, 3),
         "n_questions_total": len(qs.questions),
         "selection_sha256": selection_sha256(q.id for q in p.questions),
         "selected_ids": sorted(q.id for q in p.questions),
         "subset": len(p.questions) < len(qs.questions), "sent": sent or {},
         "selection": s.selection.model_dump(mode="json", exclude_none=True)
         if len(p.questions) < len(qs.questions) else None},
        records, p.grader, qs.questions, s.graders.penalty_k, prices,
    )
    atomic_write_json(p.path, result.model_dump(mode="json"))
    return RunOutcome(result, p.path, p.journal.path)


def sweep(settings: RunSettings, targets: Sequence[float]) -> list[RunSettings]:
    """One run's settings per confidence target, each its own resumable run: a given run id
    is suffixed `-t<target>`, a derived one gets the suffix anyway (`default_run_id`)."""
    return [settings.model_copy(update={
        "confidence_target": t,
        "run_id": settings.run_id + run_id_suffix(t) if settings.run_id else None})
        for t in check_targets(targets)]


def run_eval(settings: RunSettings, progress: Progress | None = None) -> RunOutcome:
    """Ask the backend every selected question, journal each answer, grade, write the result."""
    progress = progress or NoProgress()
    p = prepare(settings, progress)
    assert p.backend is not None
    model = Model(p.backend)
    try:
        wall = ask_live(p, model, progress)
    except BaseException:
        p.lock.release()  # a caller in the same process may try this run again
        raise
    return finish(p, wall, sent=model.sent_settings(), prices=p.backend.prices())
