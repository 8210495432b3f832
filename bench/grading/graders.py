"""The one grader protocol, and the graders a command may ask for, built from settings once.

Every grader answers `await grade(question, response) -> Grade`. `rules` reads the response
offline; `llm` asks the judge; `hybrid` asks the judge only where the rules are undecided;
`both` grades with the rules and keeps the judge's grade beside them, for their agreement."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Protocol

from bench import defaults
from bench.dataset import Question
from bench.errors import ConfigError
from bench.grading.judge import TEMPLATE, Judge, load_template
from bench.grading.rules import RULES_SPEC, RuleGrader
from bench.records import JudgeUsage
from bench.settings import GraderSettings
from bench.verdicts import Grade


class Grader(Protocol):
    """What the pipeline grades with."""

    compares: ClassVar[bool]
    """Whether every record also carries a second grader's grade, so that results report
    the second grader's metrics and the two graders' agreement (`both`)."""

    @property
    def spec(self) -> str:
        """What graded, for result files: results are ranked only with the same spec."""
        ...

    async def grade(self, question: Question, response: str) -> Grade:
        """The grade of one response; `unscored` where it could not be had, never a default."""
        ...

    def usage(self) -> JudgeUsage | None:
        """The judge's calls, tokens and cost so far; None without a judge."""
        ...

    async def aclose(self) -> None:
        """Release the judge's connections."""
        ...


class RulesOnly:
    """The rule grader alone: deterministic and offline."""

    compares: ClassVar[bool] = False

    def __init__(self, rules: RuleGrader):
        self.rules = rules

    @property
    def spec(self) -> str:
        return RULES_SPEC

    async def grade(self, question: Question, response: str) -> Grade:
        return self.rules.graded(question, response)

    def usage(self) -> JudgeUsage | None:
        return None

    async def aclose(self) -> None:
        return None


class _WithJudge(abc.ABC):
    """A grader that asks the judge: shares its spec, usage and closing."""

    compares: ClassVar[bool] = False
    kind: ClassVar[str]

    def __init__(self, rules: RuleGrader, judge: Judge):
        self.rules = rules
        self.judge = judge

    @property
    def spec(self) -> str:
        return f"{self.kind}:{RULES_SPEC}+{self.judge.spec}"

    def usage(self) -> JudgeUsage | None:
        return self.judge.usage()

    @abc.abstractmethod
    async def grade(self, question: Question, response: str) -> Grade:
        """The grade of one response, from the rules, the judge or both."""

    async def aclose(self) -> None:
        await self.judge.aclose()


class JudgeOnly(_WithJudge):
    """The judge decides every answer; the rules only extract the span kept in the record."""

    kind = "llm"

    @property
    def spec(self) -> str:
        return self.judge.spec

    async def grade(self, question: Question, response: str) -> Grade:
        g = await self.judge.grade(question, response)
        extracted = self.rules.assess(question, response).extracted
        return g.model_copy(update={"extracted": extracted, "judge": g})


class Hybrid(_WithJudge):
    """The rules where they are decided, the judge where they only have a best guess."""

    kind = "hybrid"

    async def grade(self, question: Question, response: str) -> Grade:
        r = self.rules.graded(question, response)
        if r.decided:
            return r
        g = await self.judge.grade(question, response)
        return Grade(verdict=g.verdict, rule=g.rule, decided=False, extracted=r.extracted,
                     reason=f"{g.reason} (rules undecided: {r.verdict.value}, {r.rule})",
                     judge=g)


class Both(_WithJudge):
    """The rules decide; the judge grades every answer too, for the agreement of the two."""

    kind = "both"
    compares = True

    async def grade(self, question: Question, response: str) -> Grade:
        r = self.rules.graded(question, response)
        return r.model_copy(update={"judge": await self.judge.grade(question, response)})


_COMBINED: dict[str, type[_WithJudge]] = {"llm": JudgeOnly, "hybrid": Hybrid, "both": Both}


def make_grader(settings: GraderSettings, questions: Sequence[Question],
                results_dir: Path) -> Grader:
    """The grader the settings name; a judge's backend is created (and checked) here."""
    rules = RuleGrader(tuple(questions))
    if settings.kind == "rules":
        return RulesOnly(rules)
    return _COMBINED[settings.kind](rules, make_judge(settings, results_dir))


def make_judge(settings: GraderSettings, results_dir: Path) -> Judge:
    from bench import backends

    cls = backends.backend_class(settings.judge_backend)
    if getattr(cls, "is_baseline", False):
        raise ConfigError(f"{{judge_backend}} {settings.judge_backend} is a baseline that "
                          "never reads the response, so it cannot judge; use a model backend "
                          "(openai with {judge_model}, or local)",
                          params=("judge_backend", "judge_model"))
    if not settings.judge_model and getattr(cls, "needs_model_name", False):
        raise ConfigError(f"{{grader}} {settings.kind} needs {{judge_model}} NAME (the model "
                          "that grades)", params=("grader", "judge_model"))
    template = load_template(settings.judge_template) if settings.judge_template else TEMPLATE
    options = dict(settings.judge_options)
    max_tokens = options.pop("max_tokens", defaults.JUDGE_MAX_TOKENS)
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise ConfigError(f"{{judge_options}} max_tokens={max_tokens!r}: a positive integer",
                          params=("judge_options",))
    if settings.judge_model:
        options["model"] = settings.judge_model
    if settings.judge_base_url:
        options["base_url"] = settings.judge_base_url
    backend = backends.create(settings.judge_backend, options)
    judge_id = f"{settings.judge_backend}/{settings.judge_model or 'default'}"
    cache = settings.judge_cache or results_dir / ".cache" / "judge"
    return Judge(backend, judge_id, cache, cache_scope=settings.judge_base_url or "",
                 max_tokens=max_tokens, template=template)
