"""The LLM judge: a SimpleQA-style grading prompt, last-grade parsing, and a reply cache on disk."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from bench.backends.base import Backend, Request
from bench.backends.call import Model
from bench.backends.retry import RetryPolicy
from bench.dataset import Question
from bench.errors import BackendCallError, ConfigError, UsageError
from bench.fileio import atomic_write_text
from bench.records import JudgeUsage
from bench.verdicts import Grade, Verdict

JUDGE_VERSION = "judge-v1"
UNPARSEABLE_RETRIES = 1
"""An unparseable reply is asked again this many times before the item is unscored."""

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
FIELDS = ("{question}", "{gold}", "{response}")


def load_template(path: str | Path) -> str:
    """A judge template of one's own (`--judge-template FILE`): plain text in which
    `{question}`, `{gold}` and `{response}` are replaced, and which asks for a `GRADE:` line.

    Only those three placeholders are replaced, so other braces (JSON examples) are safe."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise UsageError(f"{path}: cannot read the judge template ({why}); check "
                         "{judge_template}", params=("judge_template",)) from None
    missing = [f for f in FIELDS if f not in text]
    if missing:
        raise ConfigError(f"{path}: the judge template lacks {', '.join(missing)}; it needs "
                          f"{', '.join(FIELDS)} where the question, gold answer and response go")
    if not _GRADE_WORD.search(text):
        raise ConfigError(f"{path}: the judge template never asks for a GRADE line; end it by "
                          'asking for "GRADE: A", "GRADE: B" or "GRADE: C" (correct, incorrect, '
                          "not attempted), the line bench reads")
    return text


_GRADE_WORD = re.compile(r"\bGRADE\b")


def judge_prompt(question: Question, response: str, template: str = TEMPLATE) -> str:
    if question.answer is None:
        gold = "NOT DISCLOSED"
    else:
        gold = question.answer
        if question.aliases:
            gold += " (also accepted: " + "; ".join(question.aliases) + ")"
    # One pass, so a response that contains "{gold}" is not filled in turn.
    values = {"{question}": question.question, "{gold}": gold, "{response}": response.strip()}
    return re.sub(r"\{(?:question|gold|response)\}", lambda m: values[m.group(0)], template)


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
    """Grades through any backend, by the model-call layer (the backend's retry policy, its
    `attempts` option included); replies are cached on disk by (judge, prompt)."""

    def __init__(self, backend: Backend, judge_id: str, cache_dir: str | Path | None,
                 policy: RetryPolicy | None = None, max_tokens: int = 256,
                 cache_scope: str = "", template: str = TEMPLATE):
        self.backend = backend
        self.model = Model(backend, policy)
        self.judge_id = judge_id
        self.template = template
        # Where the judge runs (a server URL): one model name on two servers is two judges
        # for the cache, but one grader spec for ranking.
        self.cache_scope = cache_scope
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.max_tokens = max_tokens
        self.cache_hits = 0

    @property
    def spec(self) -> str:
        """`llm-judge-v1:BACKEND/MODEL`; a template of one's own adds its hash, so results
        graded with it are ranked apart."""
        version = JUDGE_VERSION
        if self.template != TEMPLATE:
            version += "+template-" + hashlib.sha256(self.template.encode()).hexdigest()[:12]
        return f"llm-{version}:{self.judge_id}"

    @property
    def calls(self) -> int:
        """Calls made to the judge's model so far (cache hits not included)."""
        return self.model.tally.calls

    def usage(self) -> JudgeUsage:
        """Calls, cache hits, tokens and cost of this judge so far."""
        t = self.model.tally
        return JudgeUsage(
            judge=self.spec, calls=t.calls, cache_hits=self.cache_hits,
            prompt_tokens=t.prompt_tokens, completion_tokens=t.completion_tokens,
            reasoning_tokens=t.reasoning_tokens, cached_tokens=t.cached_tokens,
            cost=self.model.cost())

    async def aclose(self) -> None:
        await self.model.aclose()

    def _cache_path(self, prompt: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.judge_id}\0{self.cache_scope}\0{prompt}".encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.json"

    async def grade(self, question: Question, response: str) -> Grade:
        prompt = judge_prompt(question, response, self.template)
        path = self._cache_path(prompt)
        if path is not None and path.exists():
            try:
                entry = json.loads(path.read_text(encoding="utf-8"))
                cached = parse_grade(entry["reply"]).model_copy(
                    update={"reasoning": entry.get("reasoning")})
            except (ValueError, KeyError, OSError):
                cached = None  # a damaged cache entry is asked again
            if cached is not None and cached.verdict.graded:
                self.cache_hits += 1
                return cached
        request = Request(messages=[{"role": "user", "content": prompt}], temperature=0.0,
                          max_tokens=self.max_tokens)
        graded = None
        # An unparseable reply is asked once more; it is never cached, so a later run asks too.
        for _ in range(1 + UNPARSEABLE_RETRIES):
            try:
                completion, _ = await self.model.generate(request)
            except BackendCallError as exc:
                return Grade(verdict=Verdict.UNSCORED, rule="judge.failed",
                             reason=f"judge call failed: {exc}")
            graded = parse_grade(completion.text).model_copy(
                update={"reasoning": completion.reasoning})
            if graded.verdict.graded:
                if path is not None:
                    entry = {"judge": self.judge_id, "reply": completion.text}
                    if completion.reasoning:
                        entry["reasoning"] = completion.reasoning
                    atomic_write_text(path, json.dumps(entry))
                return graded
        assert graded is not None
        return graded
