"""The child processes report every error, and a test cannot look past one.

A helper used to turn an exception into an event that a later ``wait_for(after=mark)`` never
looked at, so a test could pass while its helper had failed a command."""

from __future__ import annotations

import pytest

from childproc import ChildProcess, stop_all

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("role", ["session", "transport", "lan"])
def test_an_error_before_the_mark_still_fails_the_wait(role: str) -> None:
    proc = ChildProcess(role)
    try:
        proc.command(cmd="no-such-command")
        with pytest.raises(AssertionError, match="helper error"):
            proc.wait_for(lambda e: e.get("event") == "error", timeout=30)
        mark = proc.mark()  # after the error event
        with pytest.raises(AssertionError, match="helper error"):
            proc.wait_for(lambda e: True, timeout=30, after=mark)
        with pytest.raises(AssertionError, match="helper error"):
            stop_all([proc])
    finally:
        proc.kill()
