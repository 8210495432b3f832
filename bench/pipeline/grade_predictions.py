"""Grading another system's saved answers: predictions in, a result file out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from bench.backends.reasoning import split_reasoning
from bench.dataset import load_inputs, selection_sha256
from bench.errors import UsageError
from bench.fileio import atomic_write_json
from bench.grading.graders import make_grader
from bench.pipeline.answer import Answer
from bench.pipeline.plan import select
from bench.pipeline.result import build_result, grade_answers
from bench.pipeline.run_paths import check_run_id, ensure_writable
from bench.predictions import load_predictions
from bench.records import ResultFile
from bench.settings import GraderSettings, Selection
from bench.targets import check_target


@dataclass(frozen=True)
class GradeSettings:
    """What `grade_predictions` needs."""

    predictions: Path
    """JSONL, one `{"id", "answer", "confidence"?, "citations"?, "evidence"?}` a line."""
    questions: Path | None = None
    seeds: Path | None = None
    out: Path | None = None
    """Result file; None: `results/<run_id>.json`."""
    run_id: str | None = None
    """Name of the result; None: the predictions file's stem."""
    model: str | None = None
    """Name of the graded system."""
    graders: GraderSettings = field(default_factory=GraderSettings)
    selection: Selection = field(default_factory=Selection)
    """Which questions the predictions answer (ids, tags, a limit): only these are graded,
    and a prediction for any other question is left out."""
    confidence_target: float | None = None
    """The confidence target the system was prompted with, as the user states it: recorded,
    and the result scored at it."""


@dataclass(frozen=True)
class GradeOutcome:
    result: ResultFile
    path: Path
    missing: list[str]
    """Questions with no prediction: graded not attempted, never sent to a judge."""


def grade_predictions(settings: GradeSettings) -> GradeOutcome:
    """Grade saved answers against the question set and write the result file."""
    s = settings
    if s.confidence_target is not None:
        try:
            check_target(s.confidence_target)
        except ValueError as exc:
            raise UsageError(f"{{confidence_target}}: {exc}",
                             params=("confidence_target",)) from None
    corpus, qs = load_inputs(s.questions, s.seeds)
    preds = load_predictions(s.predictions, {q.id for q in qs.questions})
    questions = select(qs, s.selection)
    by_id = {p.id: p for p in preds}
    # Evidence given for some answers is owed by all: one without any has it missing.
    cited = any(p.evidence is not None for p in preds)
    every_doc = tuple(corpus.ordered_ids())
    missing = [q.id for q in questions if q.id not in by_id]
    answers = []
    for q in questions:
        p = by_id.get(q.id)
        if p is None:
            answers.append(Answer(question=q, sample=0, response="", missing=True))
            continue
        # Saved answers of reasoning models carry their <think> blocks: never graded.
        split = split_reasoning(p.answer)
        answers.append(Answer(question=q, sample=0, response=split.answer,
                              reasoning=split.reasoning, confidence=p.confidence,
                              citations=p.citations,
                              evidence=tuple(p.evidence or ()) if cited else None,
                              shown=every_doc))
    run_id = check_run_id(s.run_id or (s.out.stem if s.out else s.predictions.stem))
    out = s.out or Path("results") / f"{run_id}.json"
    ensure_writable(out.parent)  # before any judge call is paid for
    grader = make_grader(s.graders, qs.questions, out.parent)
    records = asyncio.run(grade_answers(answers, grader, texts=corpus.texts))
    result = build_result(
        {"run_id": run_id, "kind": "grade", "questions_sha256": qs.sha256,
         "questions_path": qs.path, "corpus_sha256": corpus.sha256,
         "predictions_path": str(s.predictions), "model": s.model,
         "confidence_target": s.confidence_target, "cite": cited,
         "n_questions_total": len(qs.questions),
         "selection_sha256": selection_sha256(q.id for q in questions),
         "selected_ids": sorted(q.id for q in questions),
         "subset": len(questions) < len(qs.questions),
         "selection": s.selection.model_dump(mode="json", exclude_none=True)
         if len(questions) < len(qs.questions) else None},
        records, grader, qs.questions, s.graders.penalty_k,
    )
    atomic_write_json(out, result.model_dump(mode="json"))
    return GradeOutcome(result, out, missing)
