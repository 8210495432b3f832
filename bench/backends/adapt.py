"""Fitting a request to what a server accepts, learnt from its own 400 replies.

No lists of model names: when a server rejects a parameter it says which one (OpenAI's error
body has `param` and a `code` such as `unsupported_parameter`/`unsupported_value`; others say
it in the message), and the request is changed the one way that keeps its meaning:
`max_tokens` becomes `max_completion_tokens` (or back, for servers that only know the older
name), `temperature` and `seed` are left out (the server's default applies), and `stop` is left
out and applied to the text on our side. The change is remembered for the rest of the run and
reported in the result, so results say what was actually sent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TOKEN_PARAMS = ("max_tokens", "max_completion_tokens")
DROPPABLE = ("temperature", "stop", "seed")
"""Parameters bench sends by default and may leave out; explicit user options never are."""
_REJECTS = re.compile(
    r"unsupported|not supported|unknown|unrecognized|unexpected|not permitted|not allowed|"
    r"extra (?:inputs?|fields?)|invalid|does not support|only the default", re.IGNORECASE)


@dataclass
class Adapter:
    """The request shape a server accepts, learnt as the run goes."""

    token_param: str = "max_tokens"
    dropped: set[str] = field(default_factory=set)
    fixed_token_param: bool = False
    """The user chose the token parameter (`-o max_tokens_param=`): never change it."""

    def shape(self, body: dict[str, Any], max_tokens: int) -> dict[str, Any]:
        """`body` with the token limit under the right name and dropped parameters left out."""
        out = {k: v for k, v in body.items() if k not in self.dropped}
        out[self.token_param] = max_tokens
        return out

    def learn(self, body: dict[str, Any], param: str | None, code: str | None,
              message: str) -> str | None:
        """Change the shape after a 400 about `body`.

        Returns the parameter at fault when a retry with the (new) shape is worth it, None when
        the reply names nothing we may change."""
        name = self._culprit(body, param, code, message)
        if name is None:
            return None
        if name in TOKEN_PARAMS:
            if self.fixed_token_param:
                return None
            if self.token_param == name:  # else a concurrent request already switched it
                self.token_param = TOKEN_PARAMS[1] if name == TOKEN_PARAMS[0] else TOKEN_PARAMS[0]
            return name
        self.dropped.add(name)
        return name

    def _culprit(self, body: dict[str, Any], param: str | None, code: str | None,
                 message: str) -> str | None:
        adaptable = [p for p in (*TOKEN_PARAMS, *DROPPABLE) if p in body]
        if param in adaptable:
            return param
        if code not in (None, "", "unsupported_parameter", "unsupported_value") \
                and not _REJECTS.search(message):
            return None
        if not _REJECTS.search(message):
            return None
        # The first parameter the message names: "'max_tokens' is not supported ... use
        # 'max_completion_tokens'" names the culprit first.
        found = [(m.start(), p) for p in adaptable
                 if (m := re.search(rf"(?<![\w]){re.escape(p)}(?![\w])", message))]
        return min(found)[1] if found else None

    def settings(self) -> dict[str, Any]:
        """What was adapted, for the result file; empty when nothing was."""
        out: dict[str, Any] = {}
        if self.token_param != "max_tokens":
            out["max_tokens_param"] = self.token_param
        if self.dropped:
            out["omitted"] = sorted(self.dropped)
        if "stop" in self.dropped:
            out["stop_applied"] = "client"
        return out
