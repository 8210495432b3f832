"""An OpenAI-compatible chat server on 127.0.0.1 with fault injection, for tests and benchmarks.

The model name picks the behaviour: `ok`, `flaky-429` (first call per prompt: 429 with
Retry-After), `flaky-500`, `always-500`, `always-400`, `hang`, `malformed`, `drop`, `drop-once`,
`mostly-400` (400 except for the questions in `only_answer`), `null-content` (content null),
`empty` (content ""), `refusal`, `truncate` (cut off: finish_reason length), `cut` (the answer
cut at four characters a token of `max_tokens`), `targeted` (answers above the confidence
target its system message states), and reasoning
models: `reasoning-content` / `reasoning-field` (vLLM's `reasoning_content` / `reasoning`),
`think` (`<think>` in content, with blank lines: a `stop` of "\n\n" cuts it), `think-bare`
(only the closing tag), `think-truncated` (cut off inside `<think>`), `o-series` (like
OpenAI's reasoning models: 400 for `max_tokens`, a non-default `temperature` and `stop`;
reasoning and cached token counts), `no-seed` (vLLM-style 400 for `seed`, no code), and
`ollama-old` (400 for `max_completion_tokens`).
Run as a script to serve from another process: `python tests/fakeserver.py --latency 0.05`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import threading
from collections import Counter
from pathlib import Path

_QUESTION = re.compile(r"Question: (.*?)\n", re.S)


class FakeOpenAIServer:
    def __init__(self, answers: dict[str, str] | None = None, latency_s: float = 0.0,
                 retry_after: str = "1", log_path: str | None = None):
        self.answers = answers or {}
        self.latency_s = latency_s
        self.retry_after = retry_after
        self.log_path = log_path
        self.seen: Counter[tuple[str, str]] = Counter()
        self.requests: list[tuple[str, str]] = []
        self.bodies: list[dict[str, object]] = []
        self.only_answer: set[str] = set()
        self.slow: dict[str, float] = {}
        """Question -> extra seconds before answering it."""
        self.confident: dict[str, tuple[str, float]] = {}
        """For the model `targeted`: question -> (answer, its confidence in it). It answers when
        that confidence is above the confidence target its system message states, and says
        "I don't know" otherwise (a model that follows the target)."""
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._log = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def serve(self, port: int = 0) -> None:
        self._server = await asyncio.start_server(self._conn, "127.0.0.1", port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    def start(self) -> FakeOpenAIServer:
        ready = threading.Event()

        def run() -> None:
            self._loop = loop = asyncio.new_event_loop()
            loop.run_until_complete(self.serve())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(5)
        return self

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _targeted(self, question: str, req: dict[str, object]) -> str:
        answer, confidence = self.confident.get(question, ("I don't know.", 0.0))
        return answer if confidence > _stated_target(req) else "I don't know."

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        if self._log:
            self._log.close()

    async def _conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                if not await self._handle(method, path, body, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError,
                asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def _send(self, writer: asyncio.StreamWriter, status: int, body: bytes,
              headers: dict[str, str] | None = None) -> None:
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests",
                  500: "Internal Server Error"}.get(status, "Status")
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n".encode() + body
        )

    async def _handle(self, method: str, path: str, body: bytes,
                      writer: asyncio.StreamWriter) -> bool:
        if method == "GET" and path.endswith("/models"):
            self._send(writer, 200, b'{"object":"list","data":[{"id":"ok","object":"model"}]}')
            return True
        if not path.endswith("/chat/completions"):
            self._send(writer, 404, b'{"error":{"message":"not found"}}')
            return True
        req = json.loads(body)
        self.bodies.append(req)
        model = req.get("model", "ok")
        prompt = req["messages"][-1]["content"]
        m = _QUESTION.search(prompt)
        question = m.group(1).strip() if m else prompt
        key = (model, question)
        self.seen[key] += 1
        first = self.seen[key] == 1
        self.requests.append(key)
        if self._log:
            self._log.write(json.dumps({"model": model, "question": question}) + "\n")
            self._log.flush()
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        if question in self.slow:
            await asyncio.sleep(self.slow[question])
        if model == "hang":
            await asyncio.sleep(3600)
        if model == "drop" or (model == "drop-once" and first):
            return False
        if model == "always-400" or (model == "mostly-400" and question not in self.only_answer):
            self._send(writer, 400, b'{"error":{"message":"bad request: unknown parameter"}}')
            return True
        rejected = _rejected(model, req)
        if rejected is not None:
            self._send(writer, 400, json.dumps(rejected).encode())
            return True
        if model == "always-500" or (model == "flaky-500" and first):
            self._send(writer, 500, b'{"error":{"message":"internal error"}}')
            return True
        if model == "fail-twice" and self.seen[key] <= 2:  # a server overloaded for a moment
            self._send(writer, 503, b'{"error":{"message":"overloaded"}}', {"Retry-After": "0"})
            return True
        if model == "flaky-429" and first:
            self._send(writer, 429, b'{"error":{"message":"rate limited"}}',
                       {"Retry-After": self.retry_after})
            return True
        if model == "malformed":
            self._send(writer, 200, b'{"id": "x", "choices": [')
            return True
        text = self.answers.get(question, "I don't know.")
        if model == "targeted":
            text = self._targeted(question, req)
        message, finish, usage = _reply(model, text, req)
        usage = {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(text) // 4,
                 "total_tokens": (len(prompt) + len(text)) // 4, **usage}
        out = {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", **message}}],
            "usage": usage,
        }
        self._send(writer, 200, json.dumps(out).encode())
        return True


_TARGET = re.compile(r"more than (\d*\.?\d+) confident")


def _stated_target(req: dict[str, object]) -> float:
    messages = req.get("messages")
    system = messages[0]["content"] if isinstance(messages, list) and messages else ""
    m = _TARGET.search(system if isinstance(system, str) else "")
    return float(m.group(1)) if m else 0.0


THINKING = "The question asks for a count.\n\nThe articles say two crewmen died.\n\nSo: two."


def _openai_error(message: str, param: str | None, code: str | None) -> dict[str, object]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param,
                      "code": code}}


def _rejected(model: str, req: dict[str, object]) -> dict[str, object] | None:
    """The 400 body a picky server sends for this request, or None."""
    if model == "o-series":
        if "max_tokens" in req:
            return _openai_error(
                "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                "'max_completion_tokens' instead.", "max_tokens", "unsupported_parameter")
        if req.get("temperature", 1) != 1:
            return _openai_error(
                f"Unsupported value: 'temperature' does not support {req['temperature']} with "
                "this model. Only the default (1) value is supported.", "temperature",
                "unsupported_value")
        if "stop" in req:
            return _openai_error("Unsupported parameter: 'stop' is not supported with this "
                                 "model.", "stop", "unsupported_parameter")
    if model == "no-seed" and "seed" in req:
        return {"object": "error", "type": "BadRequestError", "param": None, "code": 400,
                "message": "[{'type': 'extra_forbidden', 'loc': ('body', 'seed'), 'msg': "
                "'Extra inputs are not permitted', 'input': 1}]"}
    if model == "ollama-old" and "max_completion_tokens" in req:
        return {"error": {"message": "json: unknown field \"max_completion_tokens\""}}
    return None


def _cut(text: str, req: dict[str, object]) -> tuple[str, str]:
    """Apply the request's stop sequences as a server does: (text, finish_reason)."""
    stops = req.get("stop") or []
    cuts = [i for s in stops if isinstance(s, str) and (i := text.find(s)) != -1]
    return (text[: min(cuts)], "stop") if cuts else (text, "stop")


def _reply(model: str, text: str,
           req: dict[str, object]) -> tuple[dict[str, object], str, dict[str, object]]:
    """(message fields, finish_reason, extra usage) of the reply `model` gives."""
    if model == "null-content":
        return {"content": None}, "stop", {}
    if model == "empty":
        return {"content": ""}, "stop", {}
    if model == "refusal":
        return {"content": None, "refusal": "I can't help with that."}, "stop", {}
    if model == "truncate":
        return {"content": "Well, according to the first of the"}, "length", {}
    if model == "cut":  # the reply cut at four characters a token, as a token limit would
        limit = 4 * int(str(req.get("max_tokens") or req.get("max_completion_tokens") or 0))
        if len(text) > limit:
            return {"content": text[:limit]}, "length", {}
    if model in ("reasoning-content", "reasoning-field"):
        key = "reasoning_content" if model == "reasoning-content" else "reasoning"
        return {"content": text, key: THINKING}, "stop", {
            "completion_tokens_details": {"reasoning_tokens": 17}}
    if model == "think":
        content, finish = _cut(f"<think>{THINKING}</think>\n{text}", req)
        return {"content": content}, finish, {}
    if model == "think-bare":
        return {"content": f"{THINKING}</think>\n\n{text}"}, "stop", {}
    if model == "think-truncated":
        return {"content": "<think>The question asks for a count. The articles"}, "length", {}
    if model == "o-series":
        return {"content": text}, "stop", {
            "completion_tokens_details": {"reasoning_tokens": 64},
            "prompt_tokens_details": {"cached_tokens": 8}}
    return {"content": text}, "stop", {}


def gold_answers(questions_path: str | Path) -> dict[str, str]:
    """Question text -> gold answer ("not disclosed" when unreported), as an oracle server."""
    out = {}
    for line in Path(questions_path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            out[q["question"]] = q["answer"] if q["answer"] is not None else "Not disclosed."
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--questions", default=None, help="answer with these golds")
    parser.add_argument("--log", default=None, help="append each request to this JSONL file")
    args = parser.parse_args()
    answers = gold_answers(args.questions) if args.questions else {}
    server = FakeOpenAIServer(answers, args.latency, log_path=args.log)

    async def run() -> None:
        await server.serve(args.port)
        print(server.port, flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
