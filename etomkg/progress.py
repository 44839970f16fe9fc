"""A progress bar on stderr for work that takes more than a second, and only on a terminal.

Pipes and CI logs get no bar (nothing to erase there); the summary at the end
is printed either way.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``progress.step("reading workbook", done, total)``; ``progress.done()`` clears the line."""

    def __init__(self, stream: TextIO | None = None, *, delay: float = 1.0, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.delay = delay
        self.enabled = enabled if enabled is not None else _is_tty(self.stream)
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False
        self.phase = ""

    def step(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        self.phase = phase
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.delay or (now - self._last_draw < 0.1 and done != total):
            return
        self._last_draw = now
        elapsed = now - self.started
        if done is not None and total:
            width = 30
            filled = int(width * min(done, total) / total)
            bar = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        else:
            bar = "…"
        self.stream.write(f"\r\x1b[2K{phase} {bar} {elapsed:.0f} s")
        self.stream.flush()
        self._drawn = True

    def callback(self, phase: str):
        """A ``(done, total)`` callback for library functions that report their progress."""
        return lambda done, total: self.step(phase, done, total)

    def done(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._drawn = False


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Silent(Progress):
    def __init__(self) -> None:
        super().__init__(enabled=False)
