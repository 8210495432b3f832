"""The defaults every entry point shares (the CLI's flags, the library's settings), defined once.

Plain values with no imports, so that `bench --help` can show them without loading the library."""

from __future__ import annotations

from pathlib import Path

MAX_TOKENS = 128
"""Token budget of each answer."""
CITE_MAX_TOKENS = 320
"""Token budget of each answer when evidence is asked for: the answer and a sentence or two."""
CONCURRENCY = 8
"""Requests in flight at once (model calls and judge calls alike)."""
JUDGE_MAX_TOKENS = 256
"""Token budget of each judge reply."""
RESULTS = Path("results")
"""Where result files, journals and the judge's cache go."""
PENALTY_K = 1.0
"""Cost of an incorrect answer in the penalty score."""
