"""Child processes of the tests (`entraide run`, say): their output is read as it comes, and
they do not outlive the tests.

Output read only at the end fills the pipe (64 KiB) of a chatty process, which then blocks
on its next log line and stops answering, even to SIGTERM. And a process left running by a
failed test, or by a test run that was killed, would post and hold its database forever.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import subprocess
import threading
import time

_PR_SET_PDEATHSIG = 1
_started: list[Running] = []


def _die_with_the_tests() -> None:
    """In the child, before exec: Linux sends SIGKILL when the thread that started it ends."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Running:
    """A process started with ``args``; ``stdout`` and ``stderr`` are its lines so far."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: str | None = None) -> None:
        # Only from the main thread: a worker thread of the tests may end before the process.
        in_main = threading.current_thread() is threading.main_thread()
        self.process = subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_die_with_the_tests if in_main and os.name == "posix" else None,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [
            threading.Thread(target=_collect, args=(pipe, lines), daemon=True)
            for pipe, lines in (
                (self.process.stdout, self.stdout),
                (self.process.stderr, self.stderr),
            )
        ]
        for reader in self._readers:
            reader.start()
        _started.append(self)

    @property
    def logged(self) -> str:
        return "".join(self.stderr)

    def output(self) -> str:
        return f"stdout:\n{''.join(self.stdout)}\nstderr:\n{self.logged}"

    def printed(self, pattern: str, timeout: float = 30) -> re.Match:
        """The first line of stdout matching ``pattern``, waiting for it."""
        deadline = time.monotonic() + timeout
        while True:
            for line in list(self.stdout):
                if found := re.search(pattern, line):
                    return found
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._join()
                raise AssertionError(f"nothing printed matched {pattern!r}\n{self.output()}")
            time.sleep(0.02)

    def stop(self, timeout: float = 40) -> int:
        """SIGTERM, then the exit code once the process has ended."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"still running {timeout} s after SIGTERM\n{self.output()}"
            ) from None
        self._join()
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self._join()

    def _join(self) -> None:
        for reader in self._readers:
            reader.join(timeout=5)


def _collect(pipe, lines: list[str]) -> None:
    with pipe:
        for line in pipe:
            lines.append(line)


def kill_leftovers() -> None:
    """Kill what the tests started and left running (a test that failed half-way)."""
    while _started:
        running = _started.pop()
        if running.process.poll() is None:
            running.kill()
