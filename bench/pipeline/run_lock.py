"""One writer per run id: a second process asking the same run's questions would pay for every
answer twice and interleave two journals. The lock is an advisory `flock` on
`<run id>.lock` beside the journal, so the kernel drops it when its process dies (a kill -9
leaves nothing to clean up: the next run takes it over)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
from pathlib import Path

from bench.errors import UsageError


class RunLock:
    """Held while a process writes a run; `release` (or the process ending) lets it go."""

    def __init__(self, path: Path, run_id: str):
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise UsageError(f"run {run_id} is being written by {holder}; wait for it to "
                             "finish or stop it, or choose another {run_id}",
                             params=("run_id",)) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()} {int(time.time())}\n".encode())
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)  # closing drops the lock
        self._fd = None


def _holder(fd: int) -> str:
    """Who holds the lock, as its file says: "process 1234 on host (since 12:00:05)"."""
    try:
        pid, host, since = os.pread(fd, 200, 0).decode().split()[:3]
        started = time.strftime("%H:%M:%S", time.localtime(int(since)))
        return f"process {pid} on {host} (since {started})"
    except (OSError, ValueError, UnicodeDecodeError):
        return "another process"
