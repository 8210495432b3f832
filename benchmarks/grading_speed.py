"""Rule-grader throughput on 100,000 (question, response) pairs, beside SQuAD 2.0's EM/F1.

Responses are realistic: short answers, sentences with context, wrong numbers, hedges,
abstentions, verbose multi-sentence replies. One core, one process. The two graders take
turns on chunks of 1,000 pairs, so that a busy machine slows both alike.
"""

from __future__ import annotations

import collections
import random
import re
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import load_corpus
from bench.dataset import load_questions
from bench.grading.rules import RuleGrader

ROOT = Path(__file__).resolve().parent.parent
N = 100_000
CHUNK = 1_000
TEMPLATES = [
    "{a}", "{a}.", "The answer is {a}.", "**{a}**", "I think it was {a}.",
    "According to the article, {a}.", "It was {a}, according to Moscow.",
    "{a}. The incident happened near the border with Azerbaijan's Nakhchivan exclave on "
    "Monday, 9 November 2020, while the helicopter escorted a convoy.",
    "Not {a}.", "I don't know.", "The article does not say.", "{w} or {a}", "Probably {w}.",
    "The figure was not disclosed by the Russian Defense Ministry.", "{w}",
    "Reports differ, but {a} is the most widely cited figure in the coverage I have seen, "
    "though officials in Baku and Yerevan gave different accounts at the time.",
]
WRONG = ["three", "12", "190", "Stepanakert", "2019-10-01", "1,500", "no", "Baku", "45 km"]


# The official SQuAD 2.0 evaluation script's normaliser and EM/F1.
def normalize_answer(s: str) -> str:
    def remove_articles(text: str) -> str:
        return re.sub(re.compile(r"\b(a|an|the)\b", re.UNICODE), " ", text)

    def white_space_fix(text: str) -> str:
        return " ".join(text.split())

    def remove_punc(text: str) -> str:
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def get_tokens(s: str) -> list[str]:
    return normalize_answer(s).split() if s else []


def compute_exact(a_gold: str, a_pred: str) -> int:
    return int(normalize_answer(a_gold) == normalize_answer(a_pred))


def compute_f1(a_gold: str, a_pred: str) -> float:
    gold_toks, pred_toks = get_tokens(a_gold), get_tokens(a_pred)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    num_same = sum(common.values())
    if len(gold_toks) == 0 or len(pred_toks) == 0:
        return float(gold_toks == pred_toks)
    if num_same == 0:
        return 0.0
    precision = num_same / len(pred_toks)
    recall = num_same / len(gold_toks)
    return (2 * precision * recall) / (precision + recall)


def main() -> None:
    qs = load_questions(ROOT / "questions.jsonl", load_corpus(ROOT / "seeds"))
    rng = random.Random(0)
    pairs = []
    for _ in range(N):
        q = rng.choice(qs.questions)
        gold = q.answer if q.answer is not None else "not disclosed"
        answer = rng.choice([gold, *q.aliases]) if q.aliases and rng.random() < 0.3 else gold
        text = rng.choice(TEMPLATES).format(a=answer, w=rng.choice(WRONG))
        pairs.append((q, text))
    mean_len = sum(len(t) for _, t in pairs) / N
    grader = RuleGrader(qs.questions)
    for q in qs.questions:  # compile matchers outside the timed loop: once per question
        grader.matcher(q)

    verdicts: collections.Counter[str] = collections.Counter()
    rules_s = squad_s = 0.0
    for k in range(0, N, CHUNK):
        chunk = pairs[k: k + CHUNK]
        start = time.perf_counter()
        grades = [grader.grade(q, t) for q, t in chunk]
        rules_s += time.perf_counter() - start
        verdicts.update(g.verdict for g in grades)  # counting is no part of grading
        start = time.perf_counter()
        for q, t in chunk:
            gold = q.answer or ""
            compute_exact(gold, t)
            compute_f1(gold, t)
        squad_s += time.perf_counter() - start

    print(f"pairs: {N:,} (mean response {mean_len:.0f} chars); verdicts {dict(verdicts)}")
    print(f"rule grader      {N / rules_s:10,.0f} pairs/s  ({1e6 * rules_s / N:.1f} us/pair)")
    print(f"SQuAD 2.0 EM+F1  {N / squad_s:10,.0f} pairs/s  ({1e6 * squad_s / N:.1f} us/pair)")
    print(f"ratio rules/SQuAD: {squad_s / rules_s:.2f}x; "
          f"target >= 20,000 pairs/s: {'met' if N / rules_s >= 20_000 else 'MISSED'}")


if __name__ == "__main__":
    main()
