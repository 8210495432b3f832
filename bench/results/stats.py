"""Paired significance tests: a seeded bootstrap of the F-score difference, and McNemar's test."""

from __future__ import annotations

import math
import random
import sys
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

RESAMPLES = 1000
EXACT_BELOW = 25
"""McNemar: exact binomial test below this many discordant pairs, chi-square from it on."""

_PLANES = 3
"""Bits per bootstrap weight: weights are capped at 7."""


def _poisson_table() -> bytes:
    """Poisson(1) quantiles of the 65,536 midpoints of 16-bit uniforms (inversion method).

    Only the last entry would be 8 (probability 1.5e-5); it is capped at 7 so that a weight
    fits three bits.
    """
    out = bytearray(65536)
    k, pmf, cdf = 0, math.exp(-1.0), math.exp(-1.0)
    for u in range(65536):
        while (u + 0.5) / 65536 > cdf:
            k += 1
            pmf /= k
            cdf += pmf
        out[u] = min(k, 7)
    return bytes(out)


_POISSON = _poisson_table()
# bytes.translate tables turning each weight byte into the ASCII digit of one of its bits,
# so that int(..., 2) builds a bitmask in C rather than in a Python loop.
_BIT_DIGITS = [bytes(48 + ((v >> k) & 1) for v in range(256)) for k in range(8)]


def _mask_from_bytes(values: bytes, bit: int = 0) -> int:
    if not values:
        return 0
    return int(values.translate(_BIT_DIGITS[bit]), 2)


def f_from_counts(correct: int, attempted: int, graded: int) -> float:
    """SimpleQA's F-score, the harmonic mean of C/G and C/A, which reduces to 2C / (G + A)."""
    return 2 * correct / (graded + attempted) if correct else 0.0


def score_from_counts(correct: int, attempted: int, asked: int, penalty: float) -> float:
    """The target score, (correct - penalty x incorrect) / asked; 0 when nothing was asked."""
    return (correct - penalty * (attempted - correct)) / asked if asked else 0.0


@dataclass(frozen=True)
class FDiff:
    """F(A) - F(B) (or target score A - B) on the questions both runs answered, with its
    bootstrap percentile interval."""

    diff: float
    lo: float
    hi: float
    n_shared: int

    @property
    def significant(self) -> bool:
        return self.lo > 0 or self.hi < 0


@dataclass(frozen=True)
class Encoded:
    """One run's per-question counts as bitmasks over the bootstrap's question positions."""

    present: int
    """Questions with at least one graded answer."""
    correct: tuple[tuple[int, int], ...]
    attempted: tuple[tuple[int, int], ...]
    graded: tuple[tuple[int, int], ...]
    """Each a tuple of (bit, mask): the count is the sum over bits of 2**bit * [in mask]."""


class PairedBootstrap:
    """A Poisson bootstrap over n questions, shared by every pair of runs compared on them.

    Each resample gives every question a weight drawn from Poisson(1) (the large-n limit of
    the classical multinomial resample); a pair of runs is compared on the questions both
    answered, under the same weights, so the comparison is paired. Poisson weights stay a
    valid bootstrap when restricted to any subset of questions, which lets one set of draws
    serve all pairs of a group. Weights are kept as bit planes so that a weighted count is a
    few `&` and `bit_count()` on Python ints instead of a loop over questions: about 200 runs x
    1,000 questions x 1,000 resamples run in well under a second.
    """

    def __init__(self, n: int, *, resamples: int = RESAMPLES, seed: int = 0):
        self.n = n
        self.resamples = resamples
        rng = random.Random(seed)
        self._planes: list[tuple[int, ...]] = []
        for _ in range(resamples):
            raw = array("H", rng.randbytes(2 * n))
            if sys.byteorder == "big":  # the same draws on every machine
                raw.byteswap()
            weights = bytes(map(_POISSON.__getitem__, raw))
            self._planes.append(tuple(_mask_from_bytes(weights, bit) for bit in range(_PLANES)))
        self._sums: dict[int, list[int]] = {}

    def encode(self, counts: Sequence[tuple[int, int, int] | None]) -> Encoded:
        """Encode (correct, attempted, graded) per question position; None: not answered."""
        if len(counts) != self.n:
            raise ValueError(f"expected {self.n} questions, got {len(counts)}")
        rows = [c if c is not None and c[2] > 0 else (0, 0, 0) for c in counts]
        present = _mask_from_bytes(bytes(1 if r[2] else 0 for r in rows))

        def planes(col: int) -> tuple[tuple[int, int], ...]:
            top = max((r[col] for r in rows), default=0).bit_length()
            values = [r[col] for r in rows]
            out = []
            for bit in range(top):
                flags = bytes((v >> bit) & 1 for v in values)
                if mask := _mask_from_bytes(flags):
                    out.append((bit, mask))
            return tuple(out)

        return Encoded(present, planes(0), planes(1), planes(2))

    def _weighted(self, mask: int) -> list[int]:
        """Per resample: the total weight of the questions in `mask` (cached by mask)."""
        sums = self._sums.get(mask)
        if sums is None:
            # Unrolled over the three weight bits: this loop is the leaderboard's hot spot.
            sums = [
                (w0 & mask).bit_count() + ((w1 & mask).bit_count() << 1)
                + ((w2 & mask).bit_count() << 2)
                for w0, w1, w2 in self._planes
            ]
            self._sums[mask] = sums
        return sums

    def _total(self, planes: tuple[tuple[int, int], ...], shared: int) -> tuple[int, list[int]]:
        point = 0
        boot = [0] * self.resamples
        for bit, mask in planes:
            m = mask & shared
            point += m.bit_count() << bit
            boot = [x + (y << bit) for x, y in zip(boot, self._weighted(m), strict=True)]
        return point, boot

    def _figure(self, enc: Encoded, shared: int,
                figure: Callable[[int, int, int], float]) -> tuple[float, list[float]]:
        """A figure of (correct, attempted, graded) on the shared questions, and per resample."""
        c, cb = self._total(enc.correct, shared)
        a, ab = self._total(enc.attempted, shared)
        g, gb = self._total(enc.graded, shared)
        boot = [figure(x, y, z) for x, y, z in zip(cb, ab, gb, strict=True)]
        return figure(c, a, g), boot

    def intervals(self, enc: Encoded, level: float = 0.95,
                  penalty: float | None = None) -> dict[str, tuple[float, float]]:
        """Percentile intervals of one run's correct rate, accuracy given attempted and F, and
        with a `penalty`, of its target score (correct - penalty x incorrect) / asked."""
        everything = enc.present
        _, cb = self._total(enc.correct, everything)
        _, ab = self._total(enc.attempted, everything)
        _, gb = self._total(enc.graded, everything)
        # A resample that drew no question (or no attempted one) has no rate at all: it is
        # left out, not counted as 0 (with two questions, one resample in seven is empty).
        series = {
            "correct_rate": [c / g for c, g in zip(cb, gb, strict=True) if g],
            "accuracy_given_attempted": [c / a for c, a in zip(cb, ab, strict=True) if a],
            "f_score": [f_from_counts(c, a, g) for c, a, g in zip(cb, ab, gb, strict=True) if g],
        }
        if penalty is not None:
            series["target_score"] = [score_from_counts(c, a, g, penalty)
                                      for c, a, g in zip(cb, ab, gb, strict=True) if g]
        return {name: self._percentiles(values, level)
                for name, values in series.items() if values}

    def _percentiles(self, values: list[float], level: float) -> tuple[float, float]:
        values = sorted(values)
        tail = (1 - level) / 2
        return (values[int(tail * len(values))],
                values[max(0, math.ceil((1 - tail) * len(values)) - 1)])

    def f_diff(self, a: Encoded, b: Encoded, level: float = 0.95,
               penalty: float | None = None) -> FDiff | None:
        """F(a) - F(b) over the questions both answered, or with a `penalty` the difference of
        their target scores; None when they share no question."""
        shared = a.present & b.present
        if not shared:
            return None
        figure: Callable[[int, int, int], float] = f_from_counts if penalty is None else (
            lambda c, at, g: score_from_counts(c, at, g, penalty))
        fa, boot_a = self._figure(a, shared, figure)
        fb, boot_b = self._figure(b, shared, figure)
        lo, hi = self._percentiles([x - y for x, y in zip(boot_a, boot_b, strict=True)], level)
        return FDiff(fa - fb, lo, hi, shared.bit_count())


def paired_bootstrap_f(
    a: Sequence[tuple[int, int, int] | None],
    b: Sequence[tuple[int, int, int] | None],
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> FDiff | None:
    """F-score difference of two runs given aligned per-question (correct, attempted, graded)."""
    boot = PairedBootstrap(len(a), resamples=resamples, seed=seed)
    return boot.f_diff(boot.encode(a), boot.encode(b))


@dataclass(frozen=True)
class McNemar:
    """McNemar's test on paired correct / not-correct outcomes."""

    b: int
    """Pairs where A is correct and B is not."""
    c: int
    """Pairs where B is correct and A is not."""
    method: str
    """`exact` (two-sided binomial) or `chi2-cc` (chi-square, 1 df, continuity-corrected)."""
    statistic: float | None
    """The chi-square statistic; None for the exact test."""
    p_value: float


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact p: twice the binomial(b + c, 1/2) tail of the smaller count, at most 1."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1))
    return min(1.0, 2 * tail / float(2**n))


def mcnemar_chi2(b: int, c: int) -> tuple[float, float]:
    """(chi2, p) with Edwards' continuity correction: (|b - c| - 1)^2 / (b + c), 1 df."""
    n = b + c
    if n == 0:
        return 0.0, 1.0
    chi2 = max(abs(b - c) - 1, 0) ** 2 / n
    return chi2, chi2_sf_1df(chi2)


def chi2_sf_1df(x: float) -> float:
    """P(X > x) for chi-square with 1 df: P(|Z| > sqrt(x)) = erfc(sqrt(x / 2))."""
    return math.erfc(math.sqrt(x / 2))


def mcnemar(b: int, c: int) -> McNemar:
    """Exact test when the discordant pairs are fewer than 25, else the corrected chi-square."""
    if b + c < EXACT_BELOW:
        return McNemar(b, c, "exact", None, mcnemar_exact(b, c))
    chi2, p = mcnemar_chi2(b, c)
    return McNemar(b, c, "chi2-cc", chi2, p)


def percent_and_kappa(pairs: list[tuple[str, str]]) -> tuple[float | None, float | None]:
    """Percent agreement and Cohen's kappa over (verdict A, verdict B) pairs.

    Kappa is None when chance agreement is 1 (both sides gave one and the same label
    throughout): it is undefined there, and reporting 1.0 would claim skill not shown."""
    n = len(pairs)
    if not n:
        return None, None
    observed = sum(a == b for a, b in pairs) / n
    labels = {a for a, _ in pairs} | {b for _, b in pairs}
    expected = sum(
        (sum(a == k for a, _ in pairs) / n) * (sum(b == k for _, b in pairs) / n) for k in labels
    )
    kappa = None if expected >= 1 - 1e-12 else (observed - expected) / (1 - expected)
    return 100 * observed, kappa
