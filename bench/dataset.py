"""The question set: its record model, a streaming loader that reports every problem, its hash."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bench.corpus import Corpus, load_corpus
from bench.errors import DataError, UsageError, field_path
from bench.fileio import canonical_json, jsonl_objects
from bench.text.normalize import fold, parse_date_answer, parse_number_answer, phrase_key

AnswerType = Literal["number", "date", "entity", "text", "yes_no"]


class Citation(BaseModel):
    """Where a gold answer comes from: an exact quote of one article."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc: str = Field(min_length=1)
    """Document id (file stem in `seeds/`)."""
    quote: str = Field(min_length=1)
    """An exact substring of that document supporting the gold (or saying it was not disclosed)."""


class Question(BaseModel):
    """One benchmark question with its gold answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Stable id, unique in the set."""
    question: str = Field(min_length=1)
    """Self-contained question text naming the event, place and time."""
    answer: str | None
    """Canonical gold answer; null when the sources say the fact was not disclosed."""
    aliases: tuple[str, ...] = ()
    """Other accepted forms of the gold (spellings, full names)."""
    answer_type: AnswerType
    """Drives the matcher: number, date, entity, text or yes_no."""
    citations: tuple[Citation, ...] = Field(min_length=1)
    """Exact quotes supporting the gold."""
    tags: tuple[str, ...] = ()
    """Topic and skill tags."""
    tolerance: float | None = Field(default=None, ge=0)
    """Relative tolerance for number answers; None means exact."""
    group: str | None = Field(default=None, min_length=1)
    """Questions sharing a group hinge on one fact: bootstrap intervals resample them
    together, so that one fact asked nine ways does not count as nine."""

    @field_validator("answer")
    @classmethod
    def _answer_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("empty answer; use null for an unreported question")
        return value

    @property
    def unreported(self) -> bool:
        return self.answer is None

    def canonical(self) -> dict[str, Any]:
        # Sets without groups hash as they did before the field existed.
        return self.model_dump(mode="json", exclude={"group"} if self.group is None else None)


@dataclass(frozen=True)
class QuestionSet:
    """A validated question set and where it came from."""

    path: str
    questions: tuple[Question, ...]
    warnings: tuple[str, ...] = ()
    """`file:line: field: what` lines about harmless problems (a redundant alias): printed by
    `bench validate`, never a reason to refuse the set."""

    @property
    def sha256(self) -> str:
        return questions_sha256(self.questions)

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}


def questions_sha256(questions: tuple[Question, ...] | list[Question]) -> str:
    """sha256 over the canonical records sorted by id: file order and formatting do not count."""
    digest = hashlib.sha256()
    for q in sorted(questions, key=lambda q: q.id):
        digest.update(canonical_json(q.canonical()).encode("utf-8") + b"\n")
    return digest.hexdigest()


M = TypeVar("M", bound=BaseModel)


def validation_lines(exc: ValidationError) -> list[str]:
    """`field: message` lines, without follow-on errors of a field whose parts already failed."""
    errors = exc.errors()
    locs = [tuple(e["loc"]) for e in errors]
    out = []
    for err, loc in zip(errors, locs, strict=True):
        if any(other != loc and other[: len(loc)] == loc for other in locs):
            continue  # "citations: too short" after "citations[0].quote: missing"
        out.append(f"{field_path(loc)}: {err['msg'].removeprefix('Value error, ')}")
    return out


def jsonl_models(path: str | Path, model: type[M], param: str,
                 problems: list[str]) -> Iterator[tuple[str, M]]:
    """The records of a JSONL file as `model`s, each with its `file:line`; every line that is
    not JSON or not a valid record adds its problem lines to `problems`, in file order (so a
    caller's own checks of the records it is given fall in place between them). A file that
    cannot be read is a `UsageError` naming `param`, the setting that gave it."""
    shown = str(path)
    try:
        raw = Path(path).read_bytes().splitlines()
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read ({exc.strerror}); check {{{param}}}",
                         params=(param,)) from None
    for where, data, problem in jsonl_objects(raw, shown):
        if problem:
            problems.append(problem)
            continue
        try:
            item = model.model_validate(data)
        except ValidationError as exc:
            problems.extend(f"{where}: {line}" for line in validation_lines(exc))
            continue
        yield where, item


def _records(path: Path, shown: str) -> Iterator[tuple[str, Any]]:
    """Yield (where, raw record) pairs; `where` is `file:line` for JSONL, `file:row N` otherwise."""
    if path.is_dir() or path.suffix == ".parquet":
        yield from _dataset_records(path, shown)
        return
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read ({exc.strerror}); check the path") from None
    with fh:
        head = fh.read(64).lstrip()
        fh.seek(0)
        if head.startswith(b"["):
            try:
                rows = json.loads(fh.read().decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise DataError([f"{shown}: not a valid JSON list ({exc})"]) from None
            for n, row in enumerate(rows, 1):
                yield f"{shown}:row {n}", row
            return
        for where, value, problem in jsonl_objects(fh, shown):
            yield where, DataError([problem]) if problem else value


def _dataset_records(path: Path, shown: str) -> Iterator[tuple[str, Any]]:
    import datasets  # heavy: only for sets brought as parquet or a saved dataset

    datasets.disable_progress_bars()
    if path.is_dir() and not (path / "dataset_info.json").exists() \
            and not (path / "dataset_dict.json").exists():
        raise UsageError(f"{shown}: a folder, not a question set; give a JSONL, JSON or parquet "
                         "file or a folder saved by datasets, as {questions}",
                         params=("questions",))
    try:
        if path.is_dir():
            ds = datasets.load_from_disk(str(path))
        else:
            ds = datasets.Dataset.from_parquet(str(path))
    except Exception as exc:  # datasets raises many types for a bad file
        raise DataError([f"{shown}: cannot read as a dataset ({exc})"]) from None
    for n, row in enumerate(ds, 1):
        # Columnar formats fill absent optional fields with null; drop those, keep answer.
        yield f"{shown}:row {n}", {
            k: v for k, v in row.items() if v is not None or k == "answer"
        }


def selection_sha256(ids: Iterable[str]) -> str:
    """Hash of the sorted question ids asked: the key that makes two runs comparable."""
    return hashlib.sha256("\n".join(sorted(set(ids))).encode("utf-8")).hexdigest()


def default_questions_path() -> Path:
    """`questions.jsonl` of the working directory, else the one beside the installed package."""
    here = Path("questions.jsonl")
    if here.exists():
        return here
    return Path(__file__).resolve().parent.parent / "questions.jsonl"


def load_inputs(
    questions: str | Path | None, seeds: str | Path | None
) -> tuple[Corpus, QuestionSet]:
    """The articles and the question set checked against them (defaults when None)."""
    corpus = load_corpus(seeds)
    return corpus, load_questions(questions or default_questions_path(), corpus)


def load_questions(path: str | Path, corpus: Corpus | None) -> QuestionSet:
    """Load and check a question set; raise DataError listing every problem found."""
    shown = str(path)
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{shown}: no such file; check {{questions}}", params=("questions",))
    problems: list[str] = []
    warnings: list[str] = []
    questions: list[Question] = []
    first_seen: dict[str, str] = {}
    for where, raw in _records(path, shown):
        if isinstance(raw, DataError):
            problems.extend(raw.problems)
            continue
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a JSON object, got {type(raw).__name__}")
            continue
        try:
            q = Question.model_validate(raw)
        except ValidationError as exc:
            problems.extend(f"{where}: {line}" for line in validation_lines(exc))
            continue
        if q.id in first_seen:
            problems.append(f"{where}: id: duplicate id {q.id!r} (first at {first_seen[q.id]})")
            continue
        first_seen[q.id] = where
        problems.extend(f"{where}: {p}" for p in check_question(q, corpus))
        warnings.extend(f"{where}: warning: {w}" for w in alias_warnings(q))
        questions.append(q)
    if not questions and not problems:
        problems.append(f"{shown}: no questions (the file is empty); add one JSON object a line")
    if problems:
        raise DataError(problems)
    return QuestionSet(path=shown, questions=tuple(questions), warnings=tuple(warnings))


def check_question(q: Question, corpus: Corpus | None) -> list[str]:
    """Content checks beyond the schema: citations, gold consistent with its type, aliases."""
    problems: list[str] = []
    if corpus is not None:
        for n, cit in enumerate(q.citations):
            text = corpus.texts.get(cit.doc)
            if text is None:
                problems.append(f"citations[{n}].doc: unknown document {cit.doc!r}")
            elif cit.quote not in text:
                problems.append(f"citations[{n}].quote: not found in {cit.doc}")
    if q.answer is not None:
        if q.answer_type == "number" and parse_number_answer(q.answer) is None:
            problems.append(f"answer: {q.answer!r} is not a single number (answer_type number)")
        elif q.answer_type == "date" and parse_date_answer(q.answer) is None:
            problems.append(f"answer: {q.answer!r} is not a date such as 2020-11-09")
        elif q.answer_type == "yes_no" and fold(q.answer).strip() not in ("yes", "no"):
            problems.append(f"answer: {q.answer!r} must be yes or no (answer_type yes_no)")
        if phrase_key(q.answer).strip() == "":
            problems.append(f"answer: {q.answer!r} has no words or numbers to match")
    elif q.aliases:
        problems.append("aliases: an unreported question (answer null) takes no aliases")
    if q.tolerance is not None and q.answer_type != "number":
        problems.append("tolerance: only number questions take a tolerance")
    for n, alias in enumerate(q.aliases):
        if not phrase_key(alias).strip():
            problems.append(f"aliases[{n}]: empty alias")
    return problems


def alias_warnings(q: Question) -> list[str]:
    """Aliases that fold to the key of the answer or of an earlier alias: redundant, and
    harmless (the grader matches them all the same)."""
    out: list[str] = []
    gold_key = phrase_key(q.answer) if q.answer is not None else None
    seen: set[str] = set()
    for n, alias in enumerate(q.aliases):
        key = phrase_key(alias)
        if not key.strip():
            continue
        if key == gold_key:
            out.append(f"aliases[{n}]: {alias!r} repeats the answer")
        elif key in seen:
            out.append(f"aliases[{n}]: {alias!r} repeats another alias")
        seen.add(key)
    return out


def summary(qs: QuestionSet) -> dict[str, Any]:
    types = Counter(q.answer_type for q in qs.questions)
    tags = Counter(t for q in qs.questions for t in q.tags)
    return {
        "questions": len(qs.questions),
        "unreported": sum(q.unreported for q in qs.questions),
        "by_type": dict(sorted(types.items())),
        "by_tag": dict(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))),
        "sha256": qs.sha256,
    }


def export_questions(qs: QuestionSet, fmt: str, out: str | Path) -> None:
    """Write the set as a `datasets.Dataset`: parquet file or `save_to_disk` folder."""
    import datasets

    datasets.disable_progress_bars()
    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "question": datasets.Value("string"),
            "answer": datasets.Value("string"),
            "aliases": datasets.Sequence(datasets.Value("string")),
            "answer_type": datasets.Value("string"),
            "citations": [{"doc": datasets.Value("string"), "quote": datasets.Value("string")}],
            "tags": datasets.Sequence(datasets.Value("string")),
            "tolerance": datasets.Value("float64"),
            "group": datasets.Value("string"),
        }
    )
    rows = [q.model_dump(mode="json") for q in qs.questions]
    ds = datasets.Dataset.from_list(rows, features=features)
    write_dataset(ds, fmt, out)


def write_dataset(ds: Any, fmt: str, out: str | Path) -> None:
    """Save a dataset as parquet or with `save_to_disk`, never leaving a half-written output."""
    import shutil
    import tempfile

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        if fmt == "parquet":
            target = tmp / "data.parquet"
            ds.to_parquet(str(target))
            target.replace(out)
        elif fmt == "hf":
            target = tmp / "dataset"
            ds.save_to_disk(str(target))
            if out.exists():
                shutil.rmtree(out) if out.is_dir() else out.unlink()
            target.replace(out)
        else:
            raise UsageError(f"unknown export format {fmt!r}; use parquet or hf")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
