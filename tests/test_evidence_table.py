"""Replies to `--cite` written by someone who had not read the parser (`tests/data/
cite_replies.jsonl`, 81 replies in eleven styles), each split into its answer and quotes.

First seen, 72 of 81 were split as labelled (inline quotes beside an id, ids in markdown
before a quote, a `Source:` line with a quote were missed); all are now."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench.evidence import split_evidence
from bench.prompts import split_confidence

TABLE = Path(__file__).parent / "data" / "cite_replies.jsonl"
ROWS = [json.loads(line) for line in TABLE.read_text(encoding="utf-8").splitlines() if line]


def norm(text: str | None) -> str:
    """Compared as a reader would: quote marks, spacing, case and a final stop aside (the
    checker folds them too)."""
    text = re.sub(r"[“”„‟«»\"'‘’`]", "", text or "")
    return re.sub(r"\s+", " ", text).strip().strip(".").lower()


@pytest.mark.parametrize("row", ROWS, ids=[f"{i + 1}-{r['style']}" for i, r in enumerate(ROWS)])
def test_a_labelled_reply_splits_as_labelled(row: dict[str, Any]) -> None:
    answer, quotes = split_evidence(row["reply"])
    answer, _ = split_confidence(answer)
    assert norm(answer) == norm(row["answer"])
    assert [(q.doc, norm(q.quote)) for q in quotes] == \
        [(q["doc"], norm(q["quote"])) for q in row["quotes"]]
