"""The figures a result file reports (`metrics`): counts, rates, intervals, calibration, and the
scores at confidence targets; computed by `bench.results.metrics.compute`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Breakdown(BaseModel):
    """Counts and rates of one slice of the records (a tag, an answer type, the unreported)."""

    model_config = _FROZEN

    n: int
    """Records in the slice."""
    correct: int = 0
    incorrect: int = 0
    not_attempted: int = 0
    not_answered: int = 0
    """Records with no graded answer (error, truncated, unscored)."""
    correct_rate: float | None = None
    """Share of the slice's records that are correct."""
    incorrect_rate: float | None = None
    not_attempted_rate: float | None = None


class Unreported(BaseModel):
    """On unreported questions: how often the model said so, and how often it made a value up."""

    model_config = _FROZEN

    n: int = 0
    """Records of unreported questions."""
    correct_rate: float | None = None
    """Share answered "not disclosed" (or abstained)."""
    hallucination_rate: float | None = None
    """Share that asserted a value the sources never gave."""


class Calibration(BaseModel):
    """How well stated confidences match correctness (when the model gave confidences)."""

    model_config = _FROZEN

    n: int
    """Graded records with a confidence."""
    ece: float
    """Expected calibration error over equal-width bins."""
    brier: float
    """Mean squared error of the confidence against correctness."""
    bins: int = 10
    """Bins of the ECE."""


class TargetScore(BaseModel):
    """The score at a stated confidence target t: +1 correct, -t/(1-t) wrong, 0 otherwise."""

    model_config = _FROZEN

    t: float
    """The confidence target."""
    penalty: float
    """What a wrong answer costs: t / (1 - t)."""
    score: float | None
    """(correct - penalty x incorrect) / n, over every selected record (a non-answer, failed
    call or abstention counts 0)."""
    ci95: tuple[float, float] | None = None
    """Seeded bootstrap 95% interval of the score (questions of a group resampled together)."""


class Selective(BaseModel):
    """What the stated confidences are worth: how the run would fare abstaining below them."""

    model_config = _FROZEN

    n: int
    """Answers graded correct or incorrect, on answerable questions, that carry a confidence:
    the points of the risk-coverage curve."""
    aurc: float | None
    """Area under the risk-coverage curve: the mean, over k, of the share wrong among the k
    most confident of those answers (ties in confidence averaged over their orders). Lower is
    better; null without such answers."""
    threshold_scores: dict[str, float | None] = {}
    """Per target ("0.5", "0.75", "0.9"): the target score had the run abstained wherever its
    confidence was below the target."""


class Evidence(BaseModel):
    """What the quotes given for the answers are worth (`--cite`, or `evidence` in predictions)."""

    model_config = _FROZEN

    n: int
    """Answers for which evidence was asked or given."""
    quotes: int
    """Quotes given, in all."""
    missing_rate: float | None
    """Of the n answers, those with no quote."""
    fabricated_rate: float | None
    """Quotes not found in the article they name (or, naming none, in any shown) / quotes."""
    exact_rate: float | None
    """Quotes found word for word (after folding case, spaces, quote marks, dashes) / quotes."""
    supported_rate: float | None
    """Answers with at least one quote overlapping a gold citation of their question / n."""
    correct_unsupported: int
    """Answers graded correct with no quote overlapping a gold citation (none given included):
    right, but not shown to be right by the passage that says so."""


class Metrics(BaseModel):
    """Headline and breakdown figures of one result (see `bench.results.metrics.compute`)."""

    model_config = _FROZEN

    n: int
    """Records in all: every selected question times its samples. The denominator of the
    headline rates, so that failures never improve them."""
    graded: int
    """Records with a grade (correct, incorrect, not attempted)."""
    complete: bool = False
    """Every selected question has a graded answer and nothing failed: only complete runs are
    ranked."""
    correct: int
    """Records graded correct."""
    incorrect: int
    """Records graded incorrect."""
    not_attempted: int
    """Records graded not attempted."""
    errors: int
    """Failed calls: no answer, not graded."""
    unscored: int
    """Answers the judge could not grade."""
    truncated: int = 0
    """Replies cut off by the token limit before a complete answer: not graded."""
    truncated_graded: int = 0
    """Replies cut off by the token limit after a complete, committed answer, which was graded
    (counted in the verdicts too)."""
    missing: int = 0
    """Questions with no answer at all (`bench grade` without a prediction): not attempted."""
    correct_rate: float | None
    """Correct share of all records."""
    incorrect_rate: float | None
    """Incorrect share of all records."""
    not_attempted_rate: float | None
    """Not-attempted share of all records."""
    not_answered_rate: float | None = None
    """Share of all records with no graded answer (error, truncated, unscored)."""
    over_graded: Breakdown | None = None
    """The same rates over graded records only: for diagnosis, never for ranking."""
    accuracy_given_attempted: float | None
    """Correct share of the attempted (correct + incorrect) records."""
    f_score: float | None
    """Harmonic mean of correct rate and accuracy given attempted (SimpleQA)."""
    penalty_score: float | None = None
    """Mean of +1 correct, -k incorrect, 0 not attempted: rewards abstaining when unsure."""
    penalty_k: float = 1.0
    """The k of the penalty score."""
    ci95: dict[str, tuple[float, float]] = {}
    """Seeded bootstrap 95% intervals of the headline figures."""
    unreported: Unreported = Unreported()
    """On unreported questions: n, correct_rate, hallucination_rate."""
    by_tag: dict[str, Breakdown] = {}
    """Per tag: n, counts and rates."""
    by_type: dict[str, Breakdown] = {}
    """Per answer type, the same figures."""
    calibration: Calibration | None = None
    """With confidences: n, ece, brier, bins."""
    citation_accuracy: float | None = None
    """Share of answered questions citing one of the gold's documents."""
    latency_median_s: float | None = None
    """Median latency of the successful calls, seconds."""
    latency_p90_s: float | None = None
    """90th percentile latency, seconds."""
    prompt_tokens: int = 0
    """Prompt tokens over all records."""
    completion_tokens: int = 0
    """Completion tokens over all records, reasoning included."""
    reasoning_tokens: int | None = None
    """Of those, reasoning tokens, when the server reported them."""
    cached_tokens: int | None = None
    """Prompt tokens served from the server's cache, when it reported them."""
    cost: float | None = None
    """What the calls cost at the prices given (`-o price_in_per_mtok=`, `price_out_...`);
    null when no price was given."""
    consistency: float | None = None
    """With repeats: share of questions whose samples all got the same verdict."""
    over_abstention_rate: float | None = None
    """Not attempted among the records of answerable questions: abstaining where the sources
    do give the answer (the other kind of error besides hallucination); null without any."""
    target: TargetScore | None = None
    """At a confidence target: the score at its price of a wrong answer; null without one."""
    selective: Selective | None = None
    """With stated confidences: the risk-coverage area and scores at thresholds; null without."""
    evidence: Evidence | None = None
    """With evidence asked for or given: quotes missing, fabricated, supporting; null without."""
    undecided: int | None = None
    """Records the rule grader could only guess (sent to the judge under `--grader hybrid`);
    null when no record carries a rule grader's decision."""
