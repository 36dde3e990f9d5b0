"""Commands in flight across a host change, over real WebRTC between real processes: a guest
chats while the host is frozen (SIGSTOP) and then killed (SIGKILL). After the migration every
line appears exactly once on every survivor, in the order it was sent, and none failed — the
old host's sequenced lines are recognised, the rest re-sent to the new host (issue 16)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from childproc import ChildProcess
from konnekt_arcade.net import SignallingServer

from .conftest import converge_on, lobby

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]

#: A command timeout long enough for a frozen host plus an election on a busy machine: the
#: test asserts that no command fails, so it must not fail on the clock.
PATIENT = '{"command_timeout": 120}'


@pytest.fixture
def patient() -> Iterator[list[ChildProcess]]:
    started: list[ChildProcess] = []
    try:
        for _ in range(3):
            p = ChildProcess("session", PATIENT)
            started.append(p)
            p.wait_for(lambda e: e["event"] == "started", timeout=60)
        yield started
    finally:
        for p in started:
            p.stop()  # thaws a frozen one first


def test_chat_while_the_host_is_frozen_then_killed_lands_once_in_order(
        signalling: SignallingServer, patient: list[ChildProcess]) -> None:
    host, ann, ben = patient
    t0 = time.monotonic()
    lobby(signalling.url, host, [ann, ben], ["Ann", "Ben"])
    ann.command(cmd="chat", text="warm-", count=1)
    converge_on([host, ann, ben], lambda s: s["chat"] == ["warm-0"], timeout=60)
    # How long this machine takes for a join round: every deadline below is a generous
    # multiple of it (or of the sync timeouts), never a guess at how fast things are.
    setup = time.monotonic() - t0
    patience = max(60.0, 10 * setup)
    mark = ann.mark()

    ann.command(cmd="chat", text="a-", count=5)  # racing the freeze: some may be sequenced
    host.freeze()
    ann.command(cmd="chat", text="b-", count=5)  # to a frozen host: never answered
    ann.notice("HostLost", after=mark, timeout=patience)
    ann.command(cmd="chat", text="c-", count=5)  # while the survivors elect
    host.kill()  # SIGKILL; the frozen process dies without a word
    for p in (ann, ben):
        p.wait_for(lambda e: e.get("event") == "notice" and e["type"] == "HostChanged",
                   timeout=patience, after=mark if p is ann else 0)
    ann.command(cmd="chat", text="d-", count=2)  # under the new host

    expected = ["warm-0", *(f"{k}-{i}" for k in "abc" for i in range(5)), "d-0", "d-1"]
    states = converge_on([ann, ben], lambda s: len(s["chat"]) >= len(expected),
                         timeout=patience)
    for s in states:
        assert s["chat"] == expected, s["chat"]
    assert sum(bool(s["is_host"]) for s in states) == 1
    failed = [e for e in ann.events if e.get("event") == "domain"
              and e.get("type") == "CommandFailed"]
    assert not failed, failed
