"""SessionHook: every callback for events arriving over a session (in-memory transport)."""

from __future__ import annotations

from typing import Any

import pytest

from konnekt_arcade import ConnectionStage, DomainCommand, SessionHook
from konnekt_arcade.domain import LeaveReason, RunStatus
from konnekt_arcade.testing import MockWindow, SessionGroup, memory_builder

#: Deadline of every wait: a guard against a hang, not a speed claim (the reconnect backoff
#: and frames run on wall-clock time, and a busy machine is slow at both).
HANG = 60.0


class Recorder:
    """Records every callback of the hooks it listens to."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("on_"):
            raise AttributeError(name)
        return lambda *args: self.calls.append((name, args))

    def listen(self, hook: SessionHook) -> Recorder:
        from konnekt_arcade.engine import EVENT_TYPES

        hook.push_handlers(**{name: getattr(self, name) for name in EVENT_TYPES})
        return self

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def args(self, name: str) -> list[tuple[Any, ...]]:
        return [args for n, args in self.calls if n == name]


def hooked(group: SessionGroup) -> tuple[SessionHook, SessionHook, Recorder, Recorder]:
    hooks = SessionHook(group.host), SessionHook(group.guest)
    recorders = Recorder().listen(hooks[0]), Recorder().listen(hooks[1])
    return hooks[0], hooks[1], recorders[0], recorders[1]


def pump(window: MockWindow, condition: Any, what: str) -> None:
    window.run_until(condition, timeout=HANG, what=what)


def test_each_callback_is_dispatched(memory_sessions: SessionGroup) -> None:
    window = MockWindow()
    host, guest, hrec, grec = hooked(memory_sessions)
    host.attach(window)
    guest.attach(window)
    window.advance()
    # The guest synced and was welcomed before the hook existed: queued notices still arrive.
    assert ("on_connection_stage", (ConnectionStage.SYNCED, None)) in grec.calls
    assert "on_lobby_synced" in grec.names() and "on_welcomed" in grec.names()
    assert grec.args("on_lobby_synced")[0][0].name == "Test Lobby"
    assert [a[0].name for a in hrec.args("on_guest_joined")] == ["Guest 1"]

    carol = memory_sessions.add_guest("Carol")
    window.advance()
    assert [a[0].name for a in grec.args("on_guest_joined")][-1] == "Carol"

    host.set_ready(True)
    guest.chat("hello")
    pump(window, lambda: grec.args("on_chat") and hrec.args("on_chat"), "chat")
    message = grec.args("on_chat")[0][0]
    assert (message.name, message.text) == ("Guest 1", "hello")
    assert any(type(a[0]).__name__ == "ReadyChanged" for a in grec.args("on_lobby_event"))

    host.queue_activity("dice", "Dice Duel", {"sides": 6})
    pump(window, lambda: grec.args("on_activity_queued"), "queued")
    assert grec.args("on_activity_queued")[0][0].activity_type == "dice"
    host.start_next_run()
    pump(window, lambda: grec.args("on_run_started"), "run started")
    run = grec.args("on_run_started")[0][0]
    guest.submit_result(score=5)
    pump(window, lambda: hrec.args("on_result_submitted"), "result")
    assert hrec.args("on_result_submitted")[0][0].score == 5
    host.cancel_run("enough")
    pump(window, lambda: grec.args("on_run_ended"), "run ended")
    assert grec.args("on_run_ended")[0] == (run.id, RunStatus.CANCELLED, "enough")

    guest.kick(carol.local_participant_id())  # not the host: refused
    pump(window, lambda: grec.args("on_command_failed"), "command failed")
    command_type, reason, request_id = grec.args("on_command_failed")[0]
    assert command_type == "KickGuest" and reason and request_id is not None

    host.kick(carol.local_participant_id())
    pump(window, lambda: grec.args("on_guest_left"), "guest left")
    assert grec.args("on_guest_left")[0] == (carol.local_participant_id(), LeaveReason.KICKED)

    guest_id = memory_sessions.guest.local_participant_id()
    host.make_host(guest_id)
    pump(window, lambda: grec.args("on_became_host"), "became host")
    from_id, to_id, _ = grec.args("on_host_delegated")[0]
    assert to_id == guest_id and guest.is_host() and not host.is_host()
    assert "on_became_host" not in hrec.names()

    memory_sessions.host.send_game_data(b"pos 1 2", reliable=True)
    pump(window, lambda: grec.args("on_game_data"), "game data")
    data = grec.args("on_game_data")[0][0]
    assert data.data == b"pos 1 2"
    assert data.participant_id == memory_sessions.host.local_participant_id()
    assert "on_error" not in hrec.names() + grec.names()


def test_disconnect_and_reconnect_callbacks() -> None:
    builder = memory_builder()
    group = SessionGroup(builder, "memory://")
    try:
        guest = group.add_guest("Bob")
        other = group.add_guest("Cid")  # alone with the host, Bob would take over instead
        hook, guest_hook = SessionHook(group.host), SessionHook(guest)
        rec, grec = Recorder().listen(hook), Recorder().listen(guest_hook)
        network = builder.network  # type: ignore[attr-defined]
        host_peer, guest_peer = group.host.local_peer_id(), guest.local_peer_id()
        network.disconnect(host_peer, guest_peer)
        network.disconnect(other.local_peer_id(), guest_peer)
        window = MockWindow()
        hook.attach(window)
        guest_hook.attach(window)
        pump(window, lambda: rec.args("on_participant_disconnected"), "disconnected")
        assert rec.args("on_participant_disconnected")[0] == (guest.local_participant_id(),)
        # The guest lost every peer: it reconnects by itself, and says so.
        window.run_until(lambda: rec.args("on_participant_reconnected")
                         and len(grec.args("on_welcomed")) == 2, timeout=HANG,
                         what="reconnected")
        attempt, delay, reason = grec.args("on_reconnecting")[0]
        assert attempt == 1 and delay > 0 and reason
        # The first join, then the rejoin (the first used to say rejoined=True as well).
        assert [w[1] for w in grec.args("on_welcomed")] == [False, True]
        assert grec.args("on_reconnected")
        assert rec.args("on_participant_reconnected")[0] == (guest.local_participant_id(),)
    finally:
        group.close()


def test_decorator_style_and_view_attach(memory_sessions: SessionGroup,
                                         mock_window: MockWindow) -> None:
    import arcade

    hook = SessionHook(memory_sessions.host)
    seen: list[str] = []

    @hook.event
    def on_chat(message: Any) -> None:
        seen.append(message.text)

    class GameView(arcade.View):
        updates = 0

        def on_update(self, delta_time: float) -> None:
            GameView.updates += 1

    view = GameView()
    hook.attach(view)
    mock_window.show_view(view)
    memory_sessions.guest.submit_command(DomainCommand.SendChat(
        lobby_id=memory_sessions.guest.lobby_id(),
        participant_id=memory_sessions.guest.local_participant_id(), text="gg"))
    mock_window.run_until(lambda: seen, timeout=HANG, what="chat")
    assert seen == ["gg"] and GameView.updates >= 1
    hook.detach()
    assert view.on_update.__func__ is GameView.on_update  # type: ignore[attr-defined]


class FakeSession:
    """The part of a SessionLoop a hook reads, with notices to hand out and a poll that may
    raise (which a real session never should)."""

    stage = ConnectionStage.SYNCED
    error = None

    def __init__(self, notices: list[Any] | None = None, poll_error: str | None = None) -> None:
        self.notices = notices or []
        self.poll_error = poll_error

    def poll(self) -> int:
        if self.poll_error:
            raise RuntimeError(self.poll_error)
        return 0

    def drain_notices(self) -> list[Any]:
        notices, self.notices = self.notices, []
        return notices

    def domain(self) -> Any:
        return self

    def drain_events(self) -> list[Any]:
        return []

    def drain_game_data(self) -> list[Any]:
        return []

    def drain_messages(self) -> list[Any]:
        return []


def test_poll_exception_becomes_on_error() -> None:
    hook = SessionHook(FakeSession(poll_error="boom"))
    errors: list[BaseException] = []
    hook.push_handlers(on_error=errors.append)
    hook.on_update(0.016)
    hook.on_update(0.016)
    assert [str(e) for e in errors] == ["boom", "boom"]


def test_failed_connection_is_a_stage_and_an_error() -> None:
    builder = memory_builder().connection_timeout(0.05)
    guest = builder.start_session_guest("memory://", "123e4567-e89b-12d3-a456-426614174000", [])
    hook = SessionHook(guest)
    rec = Recorder().listen(hook)
    window = MockWindow()
    hook.attach(window)
    try:
        pump(window, lambda: rec.args("on_error"), "failure")
        stages = [a[0] for a in rec.args("on_connection_stage")]
        assert stages[0] is ConnectionStage.SIGNALLING and stages[-1] is ConnectionStage.FAILED
        assert isinstance(rec.args("on_error")[0][0], TimeoutError)
    finally:
        guest.close()


def test_no_session_is_a_no_op() -> None:
    hook = SessionHook()
    hook.on_update(0.1)
    assert hook.lobby is None and not hook.is_host()
    with pytest.raises(Exception, match="no session"):
        hook.set_ready(True)


def test_signalling_and_transport_notices_become_callbacks() -> None:
    from konnekt_arcade import TransportNotice

    hook = SessionHook(FakeSession([TransportNotice("SignallingLost", "server closed"),
                                    TransportNotice("SignallingRestored", "peer-9"),
                                    TransportNotice("error", "peer-2: ICE failed")]))
    rec = Recorder().listen(hook)
    hook.on_update(0.016)
    assert rec.args("on_signalling_lost") == [("server closed",)]
    assert rec.args("on_signalling_restored") == [()]
    assert rec.args("on_transport_notice") == [("error", "peer-2: ICE failed")]
