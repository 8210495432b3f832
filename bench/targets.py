"""Confidence targets: the stated price of a wrong answer, one rule for prompts, scores and names.

With a target t, a correct answer earns 1, "I don't know" earns 0 and a wrong answer costs
t / (1 - t): answering pays off exactly when one is more than t sure (Kalai, Nachum, Vempala and
Zhang, "Why Language Models Hallucinate", 2025). t = 0 is plain accuracy, where guessing is free.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

THRESHOLDS = (0.5, 0.75, 0.9)
"""The targets a run with stated confidences is also scored at (`metrics.selective`)."""


def check_target(t: float) -> float:
    """`t` itself, or ValueError with what is wrong: a target is a probability in [0, 1)."""
    if not math.isfinite(t) or not 0 <= t < 1:
        raise ValueError(f"a confidence target is a number from 0 up to (not including) 1, "
                         f"not {t:g}")
    return t


def check_targets(targets: Iterable[float]) -> tuple[float, ...]:
    """Several targets, each checked, none repeated, in the order given."""
    out: list[float] = []
    for t in targets:
        check_target(t)
        if t in out:
            raise ValueError(f"the confidence target {t:g} is given twice")
        out.append(t)
    if not out:
        raise ValueError("no confidence target given")
    return tuple(out)


def penalty(t: float) -> float:
    """What a wrong answer costs at target t: t / (1 - t) (0 at t = 0, 3 at 0.75, 9 at 0.9)."""
    return t / (1 - t)


def target_score(correct: int, incorrect: int, n: int, t: float) -> float | None:
    """(correct - penalty x incorrect) / n over every selected record; None for no records."""
    return (correct - penalty(t) * incorrect) / n if n else None


def shown(value: float) -> str:
    """A target or penalty as people write it: 0.75, 3, 9, 0.333333."""
    return f"{round(value, 6):g}"


def run_id_suffix(t: float) -> str:
    """The suffix naming a run at target t: `-t0.75`."""
    return f"-t{shown(t)}"
