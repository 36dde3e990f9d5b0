"""Logging that an attacker cannot turn into a disk-filling amplifier.

A refused request costs the attacker one packet; a log line per refusal (worse, a traceback)
costs the server a write. ``Refusals`` counts every refusal by cause and logs each cause at
most once per ``interval`` with the count since the last line; ``QuietFilter`` does the same
for a library's own lines (websockets' per-connection records) and strips their tracebacks.
Both count what they suppressed, for ``GET /metrics``. Time comes from an injected clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

#: One line per cause per minute is enough to see an attack in the log; the counts are exact
#: in ``GET /metrics`` anyway.
LOG_INTERVAL = 60.0


class Refusals:
    """Counts refusals by cause; logs the first of each cause, then one summary per interval."""

    def __init__(self, logger: logging.Logger, interval: float = LOG_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._logger = logger
        self._interval = interval
        self._clock = clock
        #: cause -> refusals since start (exported by /metrics).
        self.counts: dict[str, int] = {}
        self._pending: dict[str, int] = {}
        self._last: dict[str, float] = {}
        #: Refusals not written to the log (folded into a later summary line).
        self.suppressed = 0

    def refuse(self, cause: str, detail: str) -> None:
        """Count one refusal of ``cause``; ``detail`` (who, what) goes into the log line."""
        self.counts[cause] = self.counts.get(cause, 0) + 1
        now = self._clock()
        if now - self._last.get(cause, float("-inf")) < self._interval:
            self._pending[cause] = self._pending.get(cause, 0) + 1
            self.suppressed += 1
            return
        folded = self._pending.pop(cause, 0)
        self._last[cause] = now
        more = f" (+{folded} more in the last {self._interval:.0f} s)" if folded else ""
        self._logger.warning("refused (%s): %s%s", cause, detail[:200], more)


class QuietFilter(logging.Filter):
    """For a logger that writes a record per connection: each message template passes at most
    once per ``interval``, without its traceback; the rest are counted in ``suppressed``."""

    def __init__(self, interval: float = LOG_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._interval = interval
        self._clock = clock
        self._last: dict[str, float] = {}
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = self._clock()
        key = f"{record.levelno}:{record.msg}"
        if now - self._last.get(key, float("-inf")) < self._interval:
            self.suppressed += 1
            return False
        if len(self._last) > 256:  # templates are few; bound the dict anyway
            self._last.clear()
        self._last[key] = now
        if record.exc_info:  # keep the one-line reason, drop the traceback
            record.msg = f"{record.getMessage()}: {record.exc_info[1]!r}"
            record.args = None
            record.exc_info = None
        return True
