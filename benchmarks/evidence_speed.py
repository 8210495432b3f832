"""Evidence checking: replies split into answer and quotes, and quotes located in the articles,
per second, on realistic replies to `--cite` over the real question set.

The quotes are of five kinds in equal parts: a gold citation verbatim, the same retyped (curly
quotes, other case), one with a typo (the near-verbatim path, the slow one), another sentence
of the article, and a fabricated sentence (searched everywhere, found nowhere). One core.

    python benchmarks/evidence_speed.py [N]
"""

from __future__ import annotations

import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import load_corpus
from bench.dataset import Question, load_questions
from bench.evidence import check_quotes, split_evidence

ROOT = Path(__file__).resolve().parent.parent
FABRICATED = ("Officials in Yerevan said on Tuesday that an inquiry into the incident had been "
              "opened by the military prosecutor.")


def replies(n: int) -> list[tuple[Question, str]]:
    corpus = load_corpus(ROOT / "seeds")
    qs = load_questions(ROOT / "questions.jsonl", corpus).questions
    rng = random.Random(0)
    out = []
    for k in range(n):
        q = qs[k % len(qs)]
        c = q.citations[0]
        text = corpus.texts[c.doc]
        kind = k % 5
        if kind == 0:
            quote, doc = c.quote, c.doc
        elif kind == 1:
            quote, doc = c.quote.upper().replace("'", "’"), None
        elif kind == 2:
            i = rng.randrange(len(c.quote))
            quote, doc = c.quote[:i] + "x" + c.quote[i + 1:], c.doc
        elif kind == 3:
            sentences = re.findall(r"[A-Z][^.\n]{30,200}\.", text)
            quote, doc = rng.choice(sentences), c.doc
        else:
            quote, doc = FABRICATED, None
        tag = f" [{doc}]" if doc else ""
        out.append((q, f"{q.answer or 'Not disclosed'}\n\nEvidence{tag}: “{quote}”"))
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    corpus = load_corpus(ROOT / "seeds")
    shown = tuple(corpus.ordered_ids())
    work = replies(n)
    start = time.perf_counter()
    split = [(q, split_evidence(r)) for q, r in work]
    parsed = time.perf_counter()
    found = 0
    for q, (_, quotes) in split:
        found += sum(e.found for e in check_quotes(quotes, q, corpus.texts, shown))
    done = time.perf_counter()
    print(f"{n} replies: split {n / (parsed - start):,.0f}/s, "
          f"located {n / (done - parsed):,.0f}/s ({found} of {n} quotes found, "
          f"{1e3 * (done - start) / n:.2f} ms a reply in all)")


if __name__ == "__main__":
    main()
