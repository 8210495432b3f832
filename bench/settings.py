"""What a run is asked to do, as one typed value: built by the CLI from flags, by a script by
hand, and stored in the journal of a batch run so that an import needs only the run id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bench.pipeline.result import GraderSettings
from bench.prompts import DEFAULT_TEMPLATE, PromptTemplate


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
    max_tokens: int = 128
    """Token budget of each answer."""
    confidence: bool = False
    """Ask for a confidence as well."""
    concurrency: int = 8
    """Requests in flight at once."""
    run_id: str | None = None
    """Name of the run; None: derived from backend, model and mode."""
    resume: bool = False
    """Insist on an existing journal."""
    fresh: bool = False
    """Discard an earlier journal of this run."""
    out_dir: Path = Path("results")
    """The results folder."""
    questions: Path | None = None
    """Question set; None: the default one."""
    seeds: Path | None = None
    """Folder of articles; None: the default one."""
    graders: GraderSettings = Field(default_factory=GraderSettings, exclude=True)
    """How answers are graded (not stored: an import may grade another way)."""
    template: PromptTemplate = DEFAULT_TEMPLATE
    """How questions are put to the model (`--prompt-template`, `--system-prompt`)."""
