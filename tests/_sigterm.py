"""A SIGTERM to pytest tears the suite down like Ctrl-C does.

Pytest runs fixture finalizers on ``KeyboardInterrupt`` (the session's teardown closes every
fixture still set up) but not on SIGTERM, the signal CI runners and ``timeout`` send: coturn,
``konnekt-signal`` child processes and network namespaces that fixtures made were left behind
and broke the next run (a port or a namespace name still taken).
"""

from __future__ import annotations

import signal
from types import FrameType

import pytest


def _interrupt(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends us at once
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _interrupt)
