"""The seed's API over real aiortc on loopback with the embedded signalling server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from konnekt_arcade import (
    ConnectionFailed,
    ConnectionStage,
    ConnectionTimeout,
    DomainCommand,
    DomainEvent,
    IceServer,
    InvalidSessionId,
    P2PLoopBuilder,
    PeerIdTimeout,
    SessionLoop,
    SyncTimeout,
)
from konnekt_arcade.net import SignallingServer

from .conftest import wait_until

pytestmark = [pytest.mark.network, pytest.mark.timeout(240)]


@contextmanager
def pumping(session: SessionLoop) -> Iterator[None]:
    """Poll ``session`` on a helper thread (the host's game loop) while the test blocks."""
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            session.poll()
            time.sleep(0.005)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(2)


def join(host: SessionLoop, guest: SessionLoop, name: str) -> None:
    guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(), guest_name=name))
    wait_until(lambda: guest.local_participant_id() is not None, 60, host, guest, what="welcome")


def collect(sessions: list[SessionLoop], seen: dict[int, list[object]]) -> Callable[[], None]:
    def drain() -> None:
        for i, s in enumerate(sessions):
            seen.setdefault(i, []).extend(s.domain().drain_events())
    return drain


def test_default_stun_servers_still_connect(signalling: SignallingServer) -> None:
    """Offline machine, the seed's Google STUN list: the builders succeed within the seed's
    timeouts (how fast is the benchmark's business)."""
    builder = P2PLoopBuilder()
    host, sid = builder.build_session_host(signalling.url, IceServer.default_stun_servers(),
                                           "My Lobby", "Alice")
    with host:
        assert host.is_host() and host.local_peer_id() and host.get_lobby() is not None
        with pumping(host):
            guest, lobby_id = builder.build_session_guest(
                signalling.url, str(sid), IceServer.default_stun_servers())
        with guest:
            assert lobby_id == sid.uuid
            assert guest.get_lobby() is not None and guest.get_lobby().name == "My Lobby"
            assert guest.connected_peers() == [host.local_peer_id()]
            join(host, guest, "Bob")
            # the Welcome travels just ahead of the GuestJoined event: wait for both
            wait_until(lambda: host.state_hash() == guest.state_hash(), 60, host, guest,
                       what="the same lobby on both")


def test_delegate_host_and_new_host_runs_next_activity(signalling: SignallingServer) -> None:
    builder = P2PLoopBuilder()
    host, sid = builder.build_session_host(signalling.url, [], "My Lobby", "Alice")
    guest = builder.start_session_guest(signalling.url, sid, [])
    with host, guest:
        wait_until(lambda: guest.is_ready, 60, host, guest, what="guest sync")
        join(host, guest, "Bob")
        my_id, guest_id = host.local_participant_id(), guest.local_participant_id()
        host.submit_command(DomainCommand.DelegateHost(
            lobby_id=sid.uuid, current_host_id=my_id, new_host_id=guest_id))
        wait_until(lambda: guest.is_host() and not host.is_host(), 60, host, guest,
                   what="delegation")
        assert host.get_lobby().host_id == guest_id  # type: ignore[union-attr]

        # The new host queues and starts the next activity; both submit.
        guest.submit_command(DomainCommand.QueueActivity(
            lobby_id=sid.uuid, host_id=guest_id, activity_type="quiz", name="Round 1"))
        guest.submit_command(DomainCommand.StartNextRun(lobby_id=sid.uuid, host_id=guest_id))
        wait_until(lambda: host.get_lobby().current_run is not None, 60, host, guest,  # type: ignore[union-attr]
                   what="run started on the old host")
        run_id = guest.get_lobby().current_run.id  # type: ignore[union-attr]
        for session, pid, score in ((guest, guest_id, 3), (host, my_id, 5)):
            session.submit_command(DomainCommand.SubmitResult(
                lobby_id=sid.uuid, run_id=run_id, participant_id=pid, score=score))
        seen: dict[int, list[object]] = {}
        drain = collect([host, guest], seen)

        def ended_everywhere() -> bool:
            drain()
            return all(any(isinstance(e, DomainEvent.RunEnded) for e in seen.get(i, []))
                       for i in (0, 1))

        wait_until(ended_everywhere, 60, host, guest, what="RunEnded on both")
        wait_until(lambda: host.sequence() == guest.sequence(), 60, host, guest)
        assert host.state_hash() == guest.state_hash()
        assert not any(isinstance(e, DomainEvent.CommandFailed) for es in seen.values()
                       for e in es)


def test_no_signalling_server() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises((ConnectionFailed, PeerIdTimeout)) as info:
        P2PLoopBuilder().peer_id_timeout(2).build_session_host(
            f"ws://127.0.0.1:{port}", [], "My Lobby", "Alice")
    # It gives up (the refused connection, or at the latest the peer-id timeout) instead of
    # retrying forever; the test's own timeout catches a hang.
    assert f"127.0.0.1:{port}" in str(info.value) and "Check" in str(info.value)


def test_session_without_host_times_out_waiting_for_sync(signalling: SignallingServer) -> None:
    builder = P2PLoopBuilder().connection_timeout(1.0).sync_timeout(1.0)
    sid = str(uuid.uuid4())
    with pytest.raises(SyncTimeout) as info:
        builder.build_session_guest(signalling.url, sid, [])
    assert isinstance(info.value, ConnectionTimeout)
    text = str(info.value)
    assert sid in text and "Host is running" in text and "ICE servers reachable" in text


def test_malformed_session_id(signalling: SignallingServer) -> None:
    with pytest.raises(InvalidSessionId, match="abc-123"):
        P2PLoopBuilder().build_session_guest(signalling.url, "abc-123", [])


def test_nonblocking_start_reports_stages(signalling: SignallingServer) -> None:
    builder = P2PLoopBuilder()
    host, sid = builder.start_session_host(signalling.url, [], "My Lobby", "Alice")
    assert host.stage is ConnectionStage.SIGNALLING and host.get_lobby() is None
    guest = builder.start_session_guest(signalling.url, sid, [])
    stages = []
    with host, guest:
        def synced() -> bool:
            if not stages or stages[-1] is not guest.stage:
                stages.append(guest.stage)
            return guest.stage is ConnectionStage.SYNCED

        wait_until(synced, 60, host, guest, what="stages")
    assert stages[0] is ConnectionStage.SIGNALLING and stages[-1] is ConnectionStage.SYNCED
    assert guest.stage is ConnectionStage.CLOSED


def test_nonblocking_failure_sets_error(signalling: SignallingServer) -> None:
    guest = P2PLoopBuilder().connection_timeout(0.5).start_session_guest(
        signalling.url, uuid.uuid4(), [])
    wait_until(lambda: guest.stage is ConnectionStage.FAILED, 60, guest)
    assert isinstance(guest.error, ConnectionTimeout)
    assert guest.poll() == 0
    guest.close()


def test_async_builders(signalling: SignallingServer) -> None:
    async def main() -> None:
        builder = P2PLoopBuilder()
        host, sid = await builder.build_session_host_async(signalling.url, [], "L", "Alice")
        stop = asyncio.Event()

        async def host_loop() -> None:
            while not stop.is_set():
                host.poll()
                await asyncio.sleep(0.005)

        task = asyncio.create_task(host_loop())
        guest, lobby_id = await builder.build_session_guest_async(signalling.url, sid, [])
        stop.set()
        await task
        assert lobby_id == sid.uuid and guest.get_lobby() is not None
        guest.close()
        host.close()

    asyncio.run(main())


def test_default_stun_servers_with_hanging_dns(signalling: SignallingServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS for the STUN hosts never answers (a common offline-LAN failure): the probe gives up
    after its budget and the peers still connect over host candidates."""
    import socket as socket_module

    from konnekt_arcade.session import clear_probe_cache

    real = socket_module.getaddrinfo
    release = threading.Event()
    asked: list[str] = []

    def hanging(host: object, *args: object, **kwargs: object) -> object:
        if isinstance(host, str) and host.endswith("google.com"):
            asked.append(host)
            release.wait(120)  # never answers while the sessions are being built
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket_module, "getaddrinfo", hanging)
    clear_probe_cache()
    builder = P2PLoopBuilder()
    try:
        host, sid = builder.build_session_host(signalling.url, IceServer.default_stun_servers(),
                                               "My Lobby", "Alice")
        with host:
            with pumping(host):
                guest, _ = builder.build_session_guest(signalling.url, sid,
                                                       IceServer.default_stun_servers())
            with guest:
                assert guest.get_lobby() is not None
        # Both sessions were built and synced while every lookup they started still hung:
        # nothing waited for DNS (how fast it was is the benchmark's to report).
        assert asked and not release.is_set()
    finally:
        release.set()
        clear_probe_cache()
