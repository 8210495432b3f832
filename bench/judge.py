"""The LLM judge: a SimpleQA-style grading prompt, last-grade parsing, and a reply cache on disk."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from bench.backends.base import Backend, Request
from bench.dataset import Question
from bench.errors import BackendCallError
from bench.files import atomic_write_text
from bench.retry import RetryPolicy, with_retries
from bench.verdicts import Grade, Verdict

JUDGE_VERSION = "judge-v1"

TEMPLATE = """\
You grade answers to factual questions about news articles. Give one grade:
A = CORRECT, B = INCORRECT, C = NOT_ATTEMPTED.

Rules when the question has a gold answer:
- CORRECT: the response gives the gold answer (or an accepted alias or an equivalent form) and \
nothing that contradicts it. Ignore case, punctuation, articles and diacritics; numbers may be \
digits or words ("two" = "2", "6.5 thousand" = "6,500"); dates may be in any common format. A \
qualifier in the gold ("more than 1,200") must be kept in other words ("over 1,200"). Extra \
correct context is fine, and so is a hedge that still commits to one answer ("I think it was two").
- INCORRECT: the response commits to a different answer, offers several candidates ("two or \
three"), contradicts itself, gives the opposite qualifier ("fewer than 1,200"), or the same \
number with another unit ("45 km" for "45 miles").
- NOT_ATTEMPTED: the response gives no answer ("I don't know", "the article does not say").

Rules when the gold is "NOT DISCLOSED" (the sources say the fact was never disclosed or confirmed):
- CORRECT: the response says the fact was not disclosed, not reported, not confirmed or is \
unknown, or abstains. Mentioning a specific claim is fine when the response marks it unconfirmed.
- INCORRECT: the response asserts a specific value as fact.

Examples.
Question: How many Russian servicemen were killed when a Russian Mi-24 helicopter was shot down \
over Armenia on 9 November 2020?
Gold: 2
Response: Of the three crew, two were killed and one was wounded.
Reasoning: The response commits to two killed; the three crew is context.
GRADE: A

Question: How many Armenian troops had Armenia said were killed in the 2020 war by 9 November 2020?
Gold: more than 1,200
Response: Fewer than 1,200.
Reasoning: The opposite qualifier contradicts the gold.
GRADE: B

Question: Which town did Azerbaijan say it captured in Nagorno-Karabakh on 9 November 2020?
Gold: Shusha (also accepted: Shushi)
Response: It was either Shusha or Stepanakert.
Reasoning: Two candidates are offered, so the response does not commit to the gold.
GRADE: B

Question: How many Russian peacekeepers were killed near Dzhanyatag in Nagorno-Karabakh in \
September 2023?
Gold: NOT DISCLOSED
Response: A Telegram channel said two, but Russia's Defense Ministry did not give the number.
Reasoning: The figure is marked as an unconfirmed claim and the response says it was not disclosed.
GRADE: A

Question: How many Russian peacekeepers were killed near Dzhanyatag in Nagorno-Karabakh in \
September 2023?
Gold: NOT DISCLOSED
Response: Two peacekeepers were killed.
Reasoning: The response asserts a figure the sources never disclosed.
GRADE: B

Question: In what year did the truce that ended the first Nagorno-Karabakh war take effect?
Gold: 1994
Response: The article does not say.
Reasoning: No answer is given.
GRADE: C

Now grade this one. Think in one or two sentences, then end with a line "GRADE: A", "GRADE: B" \
or "GRADE: C" and nothing after it.

Question: {question}
Gold: {gold}
Response: {response}
Reasoning:"""

_GRADE = re.compile(
    r"GRADE\s*[:=]\s*\**\s*\(?(A|B|C|CORRECT|INCORRECT|NOT[_ ]ATTEMPTED)\b", re.IGNORECASE
)
_VERDICTS = {"a": Verdict.CORRECT, "correct": Verdict.CORRECT, "b": Verdict.INCORRECT,
             "incorrect": Verdict.INCORRECT, "c": Verdict.NOT_ATTEMPTED,
             "not_attempted": Verdict.NOT_ATTEMPTED, "not attempted": Verdict.NOT_ATTEMPTED}
PROMPT_SHA256 = hashlib.sha256(TEMPLATE.encode()).hexdigest()


def judge_prompt(question: Question, response: str) -> str:
    if question.answer is None:
        gold = "NOT DISCLOSED"
    else:
        gold = question.answer
        if question.aliases:
            gold += " (also accepted: " + "; ".join(question.aliases) + ")"
    return TEMPLATE.format(question=question.question, gold=gold, response=response.strip())


def parse_grade(reply: str | None) -> Grade:
    """The *last* `GRADE: X` in the reply decides; none means `unscored`, never a default."""
    if not reply or not reply.strip():
        return Grade(verdict=Verdict.UNSCORED, rule="judge.empty",
                     reason="judge gave an empty reply", reply=reply)
    found = _GRADE.findall(reply)
    if not found:
        snippet = " ".join(reply.split())[:80]
        return Grade(verdict=Verdict.UNSCORED, rule="judge.unparseable",
                     reason=f"no GRADE line in the judge's reply: {snippet!r}", reply=reply)
    verdict = _VERDICTS[found[-1].lower()]
    return Grade(verdict=verdict, rule="judge.grade", reason=f"judge: GRADE {found[-1].upper()}",
                 reply=reply)


class Judge:
    """Grades through any backend; replies are cached on disk by (judge, prompt)."""

    def __init__(self, backend: Backend, judge_id: str, cache_dir: str | Path | None,
                 policy: RetryPolicy | None = None, max_tokens: int = 256,
                 cache_scope: str = ""):
        self.backend = backend
        self.judge_id = judge_id
        # Where the judge runs (a server URL): one model name on two servers is two judges
        # for the cache, but one grader spec for ranking.
        self.cache_scope = cache_scope
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.policy = policy or RetryPolicy()
        self.max_tokens = max_tokens
        self.calls = 0
        self.cache_hits = 0

    @property
    def spec(self) -> str:
        return f"llm-{JUDGE_VERSION}:{self.judge_id}"

    def _cache_path(self, prompt: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.judge_id}\0{self.cache_scope}\0{prompt}".encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.json"

    async def grade(self, question: Question, response: str) -> Grade:
        prompt = judge_prompt(question, response)
        path = self._cache_path(prompt)
        if path is not None and path.exists():
            try:
                reply = json.loads(path.read_text(encoding="utf-8"))["reply"]
                self.cache_hits += 1
                return parse_grade(reply)
            except (ValueError, KeyError, OSError):
                pass  # a damaged cache entry is asked again
        request = Request(messages=[{"role": "user", "content": prompt}], temperature=0.0,
                          max_tokens=self.max_tokens)
        try:
            completion, _ = await with_retries(lambda: self.backend.complete(request), self.policy)
        except BackendCallError as exc:
            return Grade(verdict=Verdict.UNSCORED, rule="judge.failed",
                         reason=f"judge call failed: {exc}")
        self.calls += 1
        if path is not None:
            atomic_write_text(path, json.dumps({"judge": self.judge_id, "reply": completion.text}))
        return parse_grade(completion.text)


def agreement(pairs: list[tuple[str, str]]) -> tuple[float | None, float | None]:
    """Percent agreement and Cohen's kappa over (verdict A, verdict B) pairs."""
    n = len(pairs)
    if not n:
        return None, None
    observed = sum(a == b for a, b in pairs) / n
    labels = {a for a, _ in pairs} | {b for _, b in pairs}
    expected = sum(
        (sum(a == k for a, _ in pairs) / n) * (sum(b == k for _, b in pairs) / n) for k in labels
    )
    kappa = 1.0 if expected == 1 else (observed - expected) / (1 - expected)
    return 100 * observed, kappa
