"""The lobby view tells the truth when the session stops being live: in front of the game,
with the real reason, no live-looking buttons; and Enter in the chat field sends the line.

The in-memory network loses every message to and from a guest (``network.loss``) to make it
lose the lobby (its silence check starts a reconnection: a third player is in the lobby, so it
rejoins rather than take over), and gives them back to let it rejoin.
"""

from __future__ import annotations

from typing import Any

import arcade
import pytest
from pyglet.event import EventDispatcher

from konnekt_arcade import ActivityRegistry, DomainCommand, LobbyView, ReconnectPolicy
from konnekt_arcade.engine import friendly_error
from konnekt_arcade.engine._continuity import Verdict, after_stage
from konnekt_arcade.session import ConnectionFailed, ConnectionStage, PeerIdTimeout
from konnekt_arcade.testing import click, type_text

from ._lobby_helpers import DiceView, host, join, memory_builder, pump

#: Quick to notice the silence, quick to give up: the test waits on conditions, not on time.
POLICY = ReconnectPolicy(silence=0.4, backoff=(0.2,), give_up_after=3.0)


@pytest.fixture
def registry() -> ActivityRegistry:
    registry = ActivityRegistry()
    registry.register("dice", "Dice Duel", DiceView)
    return registry


def in_a_round(window: arcade.Window, registry: ActivityRegistry) -> tuple[Any, LobbyView,
                                                                           LobbyView]:
    """Alice hosts, Bob and Cid join; a round starts and Bob's game view is in front. (Alone
    with the host, Bob would take over when it goes silent instead of reconnecting.)"""
    plain = memory_builder()
    builder = (plain.reconnect_policy(POLICY).peer_id_timeout(0.5).connection_timeout(0.5)
               .sync_timeout(0.5))
    alice = host(window, builder, registry=registry)
    bob = join(window, builder, str(alice.hook.session.session_id), "Bob", alice,
               registry=registry)
    cid = builder.start_session_guest("memory://", alice.hook.session.session_id, [])
    OTHERS[:] = [Polled(cid)]
    pump(lambda: cid.lobby_id() is not None and cid.get_lobby() is not None, alice, bob,
         *OTHERS, what="Cid synced")  # type: ignore[arg-type]
    cid.submit_command(DomainCommand.JoinLobby(lobby_id=cid.lobby_id(), guest_name="Cid"))
    pump(lambda: len(alice.hook.lobby.participants) == 3, alice, bob, *OTHERS,
         what="Cid joined")  # type: ignore[arg-type]
    window.show_view(alice)
    click(window, alice.screen.widgets["queue:dice"])
    pump(lambda: alice.hook.lobby.activity_queue and bob.hook.lobby.activity_queue, alice, bob,
         what="the round queued")
    click(window, alice.screen.widgets["start"])
    pump(lambda: bob.activity_view is not None, alice, bob, what="Bob's round started")
    window.show_view(bob.activity_view)  # one window: the guest's game is what we look at
    return plain.network, alice, bob  # type: ignore[attr-defined]


class Shown:
    """Frames as the window runs them: only the view in front gets ``on_update`` (a game view
    polls Bob's session through the hook it was attached to, the lobby view itself)."""

    def __init__(self, window: arcade.Window) -> None:
        self.window = window

    def on_update(self, delta_time: float) -> None:
        self.window.current_view.on_update(delta_time)


class Polled:
    """A player without a window (Cid): its frames only poll its session."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def on_update(self, delta_time: float) -> None:
        self.session.poll()

    def close(self) -> None:
        self.session.close()


#: The third player of ``in_a_round`` (Cid), whose frames run too.
OTHERS: list[Polled] = []


def frames(condition: Any, window: arcade.Window, alice: LobbyView, what: str) -> None:
    """Frames of Bob's window (whatever is in front), of Alice's lobby and of Cid's."""
    pump(condition, Shown(window), alice, *OTHERS, what=what)  # type: ignore[arg-type]


def cut_off(bob: LobbyView) -> Any:
    """A loss rule: every message to or from Bob's current peer id (it changes as it
    reconnects) is lost."""
    def lost(sender: str, receiver: str, *_: object) -> bool:
        session = bob.hook.session
        return session is not None and session.local_peer_id() in (sender, receiver)
    return lost


def test_a_lost_lobby_comes_in_front_of_the_game_and_the_game_comes_back(
        window: arcade.Window, registry: ActivityRegistry) -> None:
    network, alice, bob = in_a_round(window, registry)
    game = bob.activity_view
    network.loss = cut_off(bob)
    frames(lambda: bob.hook.session.stage is ConnectionStage.RECONNECTING, window, alice,
           what="Bob reconnecting")
    frames(lambda: window.current_view is bob, window, alice, what="Bob's lobby in front")
    assert bob.screen.name == "lobby" and "reconnecting" in bob.message.lower()
    widgets = bob.screen.widgets
    for key in ("ready", "spectate", "send"):
        assert widgets[key].disabled, key  # type: ignore[attr-defined]
    assert not widgets["leave"].disabled  # type: ignore[attr-defined]
    type_text(window, widgets["chat"], "anyone there?")
    press_enter(window)  # Enter while reconnecting sends nothing and says why
    assert "reconnecting" in bob.message.lower()
    assert [m.text for m in bob.hook.lobby.chat] == []

    network.loss = None
    frames(lambda: bob.hook.session.stage is ConnectionStage.SYNCED, window, alice,
           what="Bob back in the lobby")
    frames(lambda: window.current_view is game, window, alice, what="Bob's game back in front")
    assert bob.activity_view is game
    for view in (bob, *OTHERS, alice):
        view.close()


def test_a_lobby_lost_for_good_goes_to_the_start_screen_with_the_real_reason(
        window: arcade.Window, registry: ActivityRegistry) -> None:
    network, alice, bob = in_a_round(window, registry)
    network.loss = cut_off(bob)
    frames(lambda: bob.hook.session is None or bob.hook.session.stage is ConnectionStage.FAILED,
           window, alice, what="Bob's session failed")
    frames(lambda: window.current_view is bob, window, alice, what="Bob's lobby in front")
    assert bob.screen.name == "start" and bob.hook.session is None
    assert bob.activity_view is None
    assert "Lost the lobby" in bob.message and "didn't answer" in bob.message
    assert "signalling server" not in bob.message  # the server was never the problem
    network.loss = None
    for view in (*OTHERS, alice):
        view.close()


def press_enter(window: arcade.Window) -> None:
    """Enter as a real window delivers it: the key, then the text "\\r", then the release."""
    EventDispatcher.dispatch_event(window, "on_key_press", arcade.key.ENTER, 0)
    EventDispatcher.dispatch_event(window, "on_text", "\r")
    EventDispatcher.dispatch_event(window, "on_key_release", arcade.key.ENTER, 0)


def test_enter_in_the_chat_field_sends_the_line(window: arcade.Window) -> None:
    builder = memory_builder()
    alice = host(window, builder)
    bob = join(window, builder, str(alice.hook.session.session_id), "Bob", alice)
    window.show_view(bob)
    field = bob.screen.widgets["chat"]
    type_text(window, field, "hello all")
    press_enter(window)
    pump(lambda: [m.text for m in alice.hook.lobby.chat] == ["hello all"], alice, bob,
         what="the line at the host")
    bob.on_update(0)
    assert bob.screen.widgets["chat"].text == ""  # no line break left in the field
    type_text(window, bob.screen.widgets["chat"], "two")
    press_enter(window)
    pump(lambda: [m.text for m in alice.hook.lobby.chat] == ["hello all", "two"], alice, bob,
         what="the second line")
    assert [m.text for m in bob.hook.lobby.chat] == ["hello all", "two"]  # each once
    bob.close()
    alice.close()


class Away:
    """A host's session as it would be while not live (no path reaches this on a host yet:
    a host never reconnects today; the lobby screen must still not pretend)."""

    stage = ConnectionStage.RECONNECTING

    def __init__(self, session: Any) -> None:
        self.session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def test_host_controls_are_never_live_on_a_session_that_is_not(
        window: arcade.Window, registry: ActivityRegistry, memory_sessions: Any) -> None:
    view = LobbyView(memory_sessions.host, registry=registry)
    window.show_view(view)
    assert not view.screen.widgets["kick:Guest 1"].disabled  # type: ignore[attr-defined]
    view.hook.session = Away(memory_sessions.host)  # type: ignore[assignment]
    view.on_connection_stage(ConnectionStage.RECONNECTING, None)
    view.on_update(0)
    widgets = view.screen.widgets
    for key in ("kick:Guest 1", "make_host:Guest 1", "queue:dice", "start", "ready", "send"):
        assert widgets[key].disabled, key  # type: ignore[attr-defined]
    click(window, widgets["queue:dice"])
    view.on_update(0)
    assert not memory_sessions.host.get_lobby().activity_queue


@pytest.mark.parametrize(("stage", "live", "lost", "error", "expected"), [
    (ConnectionStage.RECONNECTING, True, "no peer answered for 2 s", None,
     Verdict(to_front=True)),
    (ConnectionStage.FAILED, True, "the lobby did not answer in time",
     ConnectionFailed.rejoin("s", 30, 3, "the lobby did not answer in time"),
     Verdict(True, True, "Lost the lobby and couldn't get back in: the lobby didn't answer in "
                         "time — the host may have closed the game or lost its network. Host "
                         "a new lobby, or join another.")),
    (ConnectionStage.CLOSED, True, "", None, Verdict(True, True, "The lobby was closed.")),
    (ConnectionStage.FAILED, False, "", PeerIdTimeout("ws://x", 5),
     Verdict(message="Couldn't reach the signalling server at ws://x — check the address and "
                     "that the server is running.")),
    (ConnectionStage.SYNCED, True, "", None, Verdict()),
])
def test_after_stage(stage: ConnectionStage, live: bool, lost: str, error: Any,
                     expected: Verdict) -> None:
    assert after_stage(stage, error, was_live=live, lost_because=lost,
                       signalling_url="ws://x") == expected


def test_a_rejoin_that_failed_is_not_called_a_signalling_server_problem() -> None:
    """Without the reconnection's reason at hand, the error's own text still gives it."""
    error = ConnectionFailed.rejoin("s", 30, 3, "the lobby did not answer in time")
    assert friendly_error(error).startswith("Lost the lobby and couldn't get back in: the "
                                            "lobby didn't answer in time")
