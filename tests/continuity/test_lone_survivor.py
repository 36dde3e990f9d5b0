"""Two players is a lobby: when the host of a two-player lobby goes, the guest left alone
becomes the host of a live lobby (stage SYNCED, ``is_host()``) — whether the host quit
(``session.close()``) or its process was killed, and whether the signalling server lived
elsewhere or died with the host. Real aiortc peers in separate processes (issue 23).

Each test prints how long the hand-over took (from the quit or the kill to the survivor's
``HostChanged(is_local=True)``); the assertion bounds are deadlines against a hang on a busy
machine, the printed figure is the measurement.
"""

from __future__ import annotations

import time

import pytest

from konnekt_arcade.net import SignallingServer

from .conftest import Proc, Procs, lobby

pytestmark = [pytest.mark.network, pytest.mark.timeout(180)]

#: Generous against a busy 2-core machine; the protocol's own figure is printed.
TAKE_OVER = 20.0


def took_over(survivor: Proc, mark: int, since: float) -> float:
    """Seconds from ``since`` until ``survivor`` said it is host; then it must be the host
    of a live lobby (stage synced, is_host)."""
    notice = survivor.notice("HostChanged", timeout=TAKE_OVER, after=mark, is_local=True)
    deadline = time.monotonic() + TAKE_OVER
    while True:
        state = survivor.state()
        if state["is_host"] and state["stage"] == "synced":
            break
        assert time.monotonic() < deadline, f"not a live host: {state}"
        time.sleep(0.1)
    seconds = float(notice["t"]) - since
    print(f"hand-over: {seconds:.2f} s")
    # Still host a moment later: not a reconnect that ends in FAILED.
    time.sleep(1.0)
    state = survivor.state()
    assert state["is_host"] and state["stage"] == "synced", state
    survivor.command(cmd="chat", text="alone-", count=1)
    deadline = time.monotonic() + TAKE_OVER
    while "alone-0" not in survivor.state()["chat"]:
        assert time.monotonic() < deadline, "the new host does not run its lobby"
        time.sleep(0.1)
    return seconds


def test_host_quits_with_a_separate_server(signalling: SignallingServer, procs: Procs) -> None:
    host, guest = procs.new(2)
    lobby(signalling.url, host, [guest], ["Gus"])
    mark = guest.mark()
    quit_at = time.monotonic()
    host.ask_exit()  # session.close(), as closing the window does
    took_over(guest, mark, quit_at)


def test_host_killed_with_a_separate_server(signalling: SignallingServer,
                                            procs: Procs) -> None:
    host, guest = procs.new(2)
    lobby(signalling.url, host, [guest], ["Gus"])
    mark = guest.mark()
    host.kill()
    took_over(guest, mark, time.monotonic())


def test_host_quits_taking_its_signalling_server(procs: Procs) -> None:
    host, guest = procs.new(2)
    url = host.request("signalling", cmd="signalling")["url"]
    lobby(url, host, [guest], ["Gus"])
    mark = guest.mark()
    quit_at = time.monotonic()
    host.ask_exit()
    took_over(guest, mark, quit_at)


def test_host_killed_with_its_signalling_server(procs: Procs) -> None:
    host, guest = procs.new(2)
    url = host.request("signalling", cmd="signalling")["url"]
    lobby(url, host, [guest], ["Gus"])
    mark = guest.mark()
    host.kill()
    took_over(guest, mark, time.monotonic())
