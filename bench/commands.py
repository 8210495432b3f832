"""Handlers of `bench validate`, `grade`, `backends`, `export` and `run`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bench.corpus import Corpus, load_corpus
from bench.dataset import QuestionSet, load_questions, summary
from bench.errors import UsageError
from bench.files import atomic_write_json
from bench.records import ResultFile
from bench.table import fmt_ci, pct, render


def default_questions_path() -> Path:
    here = Path("questions.jsonl")
    if here.exists():
        return here
    return Path(__file__).resolve().parent.parent / "questions.jsonl"


def load_inputs(args: argparse.Namespace) -> tuple[Corpus, QuestionSet]:
    corpus = load_corpus(args.seeds)
    path = args.questions or default_questions_path()
    return corpus, load_questions(path, corpus)


def cmd_validate(args: argparse.Namespace) -> int:
    _corpus, qs = load_inputs(args)
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


def headline_table(results: list[ResultFile]) -> str:
    rows = []
    for r in results:
        m = r.metrics
        rows.append([
            r.run.run_id, pct(m.correct_rate), pct(m.incorrect_rate), pct(m.not_attempted_rate),
            pct(m.accuracy_given_attempted), f"{pct(m.f_score)} {fmt_ci(m.ci95.get('f_score'))}",
            pct(m.unreported.get("correct_rate")), pct(m.unreported.get("hallucination_rate")),
            m.errors,
        ])
    return render(["run", "correct%", "incorr%", "n/a%", "acc|att%", "F [95% CI]",
                   "unrep ok%", "halluc%", "errors"], rows)


def print_result(result: ResultFile, path: Path) -> None:
    m = result.metrics
    print(headline_table([result]))
    extra = []
    if m.calibration:
        extra.append(f"ECE {m.calibration['ece']:.3f}, Brier {m.calibration['brier']:.3f}")
    if m.penalty_score is not None:
        extra.append(f"penalty score (k={m.penalty_k:g}) {m.penalty_score:+.3f}")
    if m.citation_accuracy is not None:
        extra.append(f"citation accuracy {pct(m.citation_accuracy)}%")
    if m.unscored:
        extra.append(f"{m.unscored} unscored by the judge (excluded from the rates)")
    if result.agreement is not None:
        a = result.agreement
        kappa = "-" if a.kappa is None else f"{a.kappa:.3f}"
        agree = "-" if a.percent is None else f"{a.percent:.1f}%"
        extra.append(f"rules vs judge: {agree} agreement, kappa {kappa}, "
                      f"{len(a.disagreements)} disagreements")
    for line in extra:
        print(line)
    if result.agreement and result.agreement.disagreements:
        print(render(["id", "rules", "judge", "response"],
                     [[d["id"], d["rules"], d["judge"], d["response"]]
                      for d in result.agreement.disagreements[:20]]))
    print(f"wrote {path}")


def cmd_grade(args: argparse.Namespace) -> int:
    from bench.evaluate import Answer, build_result, grade_answers, make_graders
    from bench.predictions import load_predictions

    corpus, qs = load_inputs(args)
    preds = load_predictions(args.predictions, {q.id for q in qs.questions})
    by_id = {p.id: p for p in preds}
    missing = [q.id for q in qs.questions if q.id not in by_id]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        print(f"bench: warning: {len(missing)} questions have no prediction and are graded "
              f"not_attempted: {shown}", file=sys.stderr)
    answers = [
        Answer(question=q, sample=0, response=p.answer, confidence=p.confidence,
               citations=p.citations)
        if (p := by_id.get(q.id)) is not None
        else Answer(question=q, sample=0, response="", missing=True)
        for q in qs.questions
    ]
    out = Path(args.out) if args.out else Path("results") / f"{Path(args.predictions).stem}.json"
    args.results_dir = str(out.parent)
    graders = make_graders(args, qs.questions)
    records = asyncio.run(grade_answers(answers, graders))
    result = build_result(
        {"run_id": args.run_id or out.stem, "kind": "grade", "questions_sha256": qs.sha256,
         "questions_path": qs.path, "corpus_sha256": corpus.sha256,
         "predictions_path": str(args.predictions), "model": args.model},
        records, graders, args.penalty_k,
    )
    atomic_write_json(out, result.model_dump(mode="json"))
    print_result(result, out)
    return 0


def cmd_backends(args: argparse.Namespace) -> int:
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


def cmd_export(args: argparse.Namespace) -> int:
    if args.results is not None:
        from bench.export import export_results

        n = export_results(args.results, args.format, args.out)
        print(f"wrote {n} records to {args.out} ({args.format})")
        return 0
    from bench.dataset import export_questions

    _corpus, qs = load_inputs(args)
    export_questions(qs, args.format, args.out)
    print(f"wrote {len(qs.questions)} questions to {args.out} ({args.format})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bench.runner import run_command

    return run_command(args)


def parse_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise UsageError(f"empty list {value!r}")
    return items
