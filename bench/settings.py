"""What a run is asked to do, as typed values: built by the CLI from flags, by a script by
hand, and stored in the journal of a batch run so that an import needs only the run id."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bench import defaults
from bench.prompts import DEFAULT_TEMPLATE, PromptTemplate

GraderKind = Literal["rules", "llm", "both", "hybrid"]


class GraderSettings(BaseModel):
    """Which graders to use, and how to reach the LLM judge when one is asked for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: GraderKind = "rules"
    """rules (offline), llm (the judge on every answer), hybrid (the judge only where the
    rules are undecided) or both (rules and judge side by side, with their agreement)."""
    judge_backend: str = "openai"
    """The backend the judge calls."""
    judge_model: str | None = None
    """The judge's model name (needed by model-serving backends such as openai)."""
    judge_base_url: str | None = None
    """An OpenAI-compatible judge server's URL."""
    judge_cache: Path | None = None
    """Where judge replies are cached; None: `<results>/.cache/judge`."""
    penalty_k: float = defaults.PENALTY_K
    """Cost of an incorrect answer in the penalty score."""
    judge_options: dict[str, Any] = Field(default_factory=dict)
    """`max_tokens` of the judge's reply; every other key is an option of the judge's backend
    (`api_key_env`, `timeout_s`, `attempts`, ...)."""
    judge_template: Path | None = None
    """The judge's prompt of one's own (hashed into the grader spec)."""


class Selection(BaseModel):
    """Which questions of the set to ask: all, or by ids, tags and a limit (applied in order)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ids: tuple[str, ...] | None = None
    """Only these question ids."""
    tags: tuple[str, ...] | None = None
    """Only questions with one of these tags."""
    limit: int | None = None
    """The first N of what is left."""


class RunSettings(BaseModel):
    """Everything `run_eval` needs."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    backend: str
    """Backend name (`openai`, `local`, ...)."""
    options: dict[str, Any] = Field(default_factory=dict)
    """The backend's raw options (validated by its `Options` model)."""
    mode: str = "closed-book"
    """closed-book, open-book or corpus."""
    selection: Selection = Selection()
    """Which questions to ask."""
    repeats: int = 1
    """Samples per question."""
    temperature: float = 0.0
    """Sampling temperature."""
    max_tokens: int = defaults.MAX_TOKENS
    """Token budget of each answer."""
    confidence: bool = False
    """Ask for a confidence as well."""
    cite: bool = False
    """Ask for the supporting sentences after the answer, and check them against the articles
    and the gold citations (open-book and corpus modes)."""
    confidence_target: float | None = Field(default=None, ge=0, lt=1)
    """The stated price of a wrong answer: the prompt asks the model to answer only when more
    than this sure, and the result is scored at it (`bench.targets`); None: no target."""
    concurrency: int = defaults.CONCURRENCY
    """Requests in flight at once."""
    run_id: str | None = None
    """Name of the run; None: derived from backend, model and mode."""
    resume: bool = False
    """Insist on an existing journal."""
    fresh: bool = False
    """Discard an earlier journal of this run."""
    out_dir: Path = defaults.RESULTS
    """The results folder."""
    questions: Path | None = None
    """Question set; None: the default one."""
    seeds: Path | None = None
    """Folder of articles; None: the default one."""
    graders: GraderSettings = Field(default_factory=GraderSettings, exclude=True)
    """How answers are graded (not stored: an import may grade another way)."""
    template: PromptTemplate = DEFAULT_TEMPLATE
    """How questions are put to the model (a template of one's own, a system prompt)."""
