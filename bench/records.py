"""Records that cross a boundary: predictions in, graded records and result files out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bench.evidence.models import EvidenceCheck, Quote
from bench.figures import (
    Breakdown,
    Calibration,
    Evidence,
    Metrics,
    Selective,
    TargetScore,
    Unreported,
)
from bench.verdicts import Grade, Verdict

__all__ = [
    "READABLE_SCHEMA_VERSIONS",
    "SCHEMA_VERSION",
    "Agreement",
    "Breakdown",
    "Calibration",
    "Evidence",
    "EvidenceCheck",
    "JudgeUsage",
    "Metrics",
    "Prediction",
    "Quote",
    "Record",
    "ResultFile",
    "RunInfo",
    "Selective",
    "TargetScore",
    "Unreported",
    "Usage",
]

SCHEMA_VERSION: Literal[2] = 2
READABLE_SCHEMA_VERSIONS = (1, 2)
"""Result files this version reads: version 1 lacks the coverage fields and reads as unknown."""

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Prediction(BaseModel):
    """One saved answer of another system, as `bench grade` reads it."""

    model_config = _FROZEN

    id: str
    """Question id."""
    answer: str
    """The system's free-form answer."""
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    """The system's probability that its answer is correct."""
    citations: tuple[str, ...] | None = None
    """Document ids the system cites for its answer."""
    evidence: list[Quote] | None = None
    """The quotes the system gives for its answer: `{"doc"?, "quote"}` objects, checked
    against the articles and the gold citations like a run's with `--cite`."""


class Usage(BaseModel):
    """Token counts reported by a backend."""

    model_config = _FROZEN

    prompt_tokens: int = 0
    """Tokens in the prompt."""
    completion_tokens: int = 0
    """Tokens in the completion, reasoning included."""
    reasoning_tokens: int | None = None
    """Of the completion tokens, those spent on reasoning, when the server reports them."""
    cached_tokens: int | None = None
    """Of the prompt tokens, those served from the server's cache, when it reports them."""


class Record(BaseModel):
    """One graded answer (or failed call) in a result file."""

    model_config = _FROZEN

    id: str
    """Question id."""
    sample: int = 0
    """Sample index when a question is asked several times (`--repeats`)."""
    response: str | None
    """The model's answer; null when the call failed."""
    verdict: Verdict
    """The primary grader's verdict; `error` when no answer could be had, `truncated` when
    the reply was cut off by the token limit."""
    rule: str | None = None
    """The grader's stable rule identifier (null in files of schema 1)."""
    reason: str
    """Why the verdict was given, or the error."""
    gold: str | None
    """The gold answer (null for an unreported question)."""
    answer_type: str
    """The question's answer type."""
    tags: tuple[str, ...] = ()
    """The question's tags, so that breakdowns need no question file."""
    judge: Grade | None = None
    """The LLM judge's grade, when grading with both graders."""
    confidence: float | None = None
    """The model's stated confidence in [0, 1], when it gave one."""
    citations: tuple[str, ...] | None = None
    """Documents the model cited, when it cited any."""
    citation_ok: bool | None = None
    """Whether the cited documents include one the question cites."""
    finish_reason: str | None = None
    """Why the model stopped (`stop`, `length`, ...), as the server said; null when unknown."""
    reasoning: str | None = None
    """Reasoning the model produced besides its answer: kept, never graded."""
    latency_s: float | None = None
    """Wall time of the successful call, seconds."""
    usage: Usage | None = None
    """Token usage of the call."""
    attempts: int | None = None
    """Calls made for this answer, retries included."""
    decided: bool | None = None
    """Whether the rule grader was sure of its verdict (False: its best guess, sent to the judge
    under `--grader hybrid`); null when the rule grader did not grade."""
    extracted: str | None = None
    """The final-answer span the rule grader graded (reasoning, markup and citation markers
    removed), beside the full `response`; null when nothing was graded."""
    evidence: list[EvidenceCheck] | None = None
    """The quotes given for the answer, each checked against the articles and the question's
    gold citations; [] when evidence was asked for (or given elsewhere) and none came; null
    when none was asked for."""
    truncated: bool = False
    """Cut off by the token limit (`finish_reason` length) after a complete, committed answer:
    its complete sentences were graded, the fragment after them was not."""


class RunInfo(BaseModel):
    """What produced a result: enough to reproduce it and to know what may be ranked together."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    """Name of the run; the result file is `<run_id>.json`."""
    kind: Literal["run", "grade"]
    """`run`: answers from `bench run`; `grade`: saved answers graded by `bench grade`."""
    questions_sha256: str
    """Hash of the question set; only results sharing it are ranked together."""
    questions_path: str
    """Where the question set was read from."""
    corpus_sha256: str | None = None
    """Hash of the articles the prompts were built from."""
    grader: str
    """Grader spec, e.g. `rules-v1`, `llm-v1:openai/gpt-4o-mini`, `both:...`."""
    bench_version: str
    """Version of bench that produced the file."""
    created_at: str
    """UTC time the file was written, ISO 8601."""
    model: str | None = None
    """Model name, as the backend reports it."""
    backend: str | None = None
    """Backend name (`openai`, `local`, `retrieval`, ...)."""
    backend_options: dict[str, Any] = {}
    """The backend's options, never secrets."""
    mode: str | None = None
    """closed-book, open-book or corpus."""
    prompt_version: str | None = None
    """Version of the prompt template."""
    prompt_sha256: str | None = None
    """Hash of what was sent: the prompt template and, at a confidence target, the target."""
    template_sha256: str | None = None
    """Hash of the prompt template alone: runs at several confidence targets share it."""
    cite: bool = False
    """The prompt asked for the supporting sentences after the answer (`--cite`)."""
    confidence_target: float | None = None
    """The confidence target the model was told (or, for `bench grade`, the one the user says
    it was prompted with); null: none."""
    predictions_path: str | None = None
    """For `bench grade`: the predictions file graded."""
    repeats: int = 1
    """Samples per question."""
    temperature: float | None = None
    """Sampling temperature."""
    concurrency: int | None = None
    """Requests in flight at once."""
    penalty_k: float = 1.0
    """Cost of an incorrect answer in the penalty score."""
    wall_s: float | None = None
    """Wall time of the run, seconds (across resumes: the sum)."""
    n_questions_total: int | None = None
    """Questions in the whole set (null in files of schema 1)."""
    selection_sha256: str | None = None
    """Hash of the sorted ids of the questions asked: runs are ranked only with runs over the
    same selection."""
    selected_ids: list[str] | None = None
    """The ids of the questions asked, sorted."""
    subset: bool = False
    """Whether only part of the set was asked (`--limit`, `--ids`, `--tags`)."""
    selection: dict[str, Any] | None = None
    """How the part was chosen: `ids`, `tags`, `limit` as given; null for the whole set (and
    in older files)."""
    max_tokens: int | None = None
    """Token budget of each answer."""
    sent: dict[str, Any] = {}
    """What the backend actually sent where it adapted to the server (e.g. a renamed token
    limit), beyond the options above."""


class JudgeUsage(BaseModel):
    """What the LLM judge cost a grading, counted apart from the graded system's own calls."""

    model_config = _FROZEN

    judge: str
    """The judge's spec, as in the grader spec."""
    calls: int = 0
    """Calls made to the judge (an unparseable reply asked again counts twice)."""
    cache_hits: int = 0
    """Grades read from the judge cache: no call, no tokens, no cost."""
    prompt_tokens: int = 0
    """Prompt tokens of the calls made."""
    completion_tokens: int = 0
    """Completion tokens of the calls made, reasoning included."""
    reasoning_tokens: int | None = None
    """Of those, reasoning tokens, when the judge's server reported them."""
    cached_tokens: int | None = None
    """Prompt tokens served from the server's prompt cache, when reported."""
    cost: float | None = None
    """What the judge's calls cost at the prices given to it (`--judge-option
    price_in_per_mtok=...`); null when none were."""


class Agreement(BaseModel):
    """How two graders agree on the same records (`--grader both`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n: int
    """Records both graders scored."""
    percent: float | None
    """Share of those with the same verdict, 0-100."""
    kappa: float | None
    """Cohen's kappa."""
    disagreements: list[dict[str, Any]] = []
    """id, sample, rules verdict, judge verdict, response."""


class ResultFile(BaseModel):
    """A result file, `results/<run_id>.json`, as written by `bench run` and `bench grade`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1, 2] = SCHEMA_VERSION
    run: RunInfo
    metrics: Metrics
    judge_metrics: Metrics | None = None
    """With `--grader both`: the metrics by the LLM judge's verdicts."""
    agreement: Agreement | None = None
    judge_usage: JudgeUsage | None = None
    """With an LLM judge: its calls, tokens and cost, apart from the run's own."""
    records: list[Record]
