"""The network thread's loop: aiortc tasks that fail only because their link closed under
them are not reported as crashes; every other unhandled task error still is."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiortc import RTCCertificate, RTCDtlsTransport, RTCIceGatherer, RTCIceTransport

from konnekt_arcade.net.loop_thread import NetworkThread, quiet_closed_links


async def _finished(coro: object) -> asyncio.Task[object]:
    task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
    await asyncio.wait([task])
    return task


def _context(task: asyncio.Task[object]) -> dict[str, object]:
    return {"message": "Task exception was never retrieved", "exception": task.exception(),
            "future": task}


def test_aiortc_send_on_a_closed_link_is_debug_only(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        dtls = RTCDtlsTransport(RTCIceTransport(RTCIceGatherer()),
                                [RTCCertificate.generateCertificate()])
        task = await _finished(dtls._send_data(b"x"))  # not connected: raises
        assert isinstance(task.exception(), ConnectionError)
        with caplog.at_level(logging.DEBUG):
            quiet_closed_links(asyncio.get_running_loop(), _context(task))

    asyncio.run(scenario())
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "ended after its link closed" in caplog.text


def test_other_task_errors_still_reach_the_default_handler(
        caplog: pytest.LogCaptureFixture) -> None:
    async def ours() -> None:
        raise ConnectionError("Cannot send data, not connected")  # same words, not aiortc

    async def scenario() -> None:
        task = await _finished(ours())
        with caplog.at_level(logging.DEBUG):
            quiet_closed_links(asyncio.get_running_loop(), _context(task))

    asyncio.run(scenario())
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "never retrieved" in errors[0].getMessage()


def test_the_network_thread_uses_it() -> None:
    net = NetworkThread("test-quiet")
    try:
        assert net.loop.get_exception_handler() is quiet_closed_links
    finally:
        net.stop()
