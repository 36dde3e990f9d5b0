"""LobbyView flows driven by simulated clicks and typing in a real headless window."""

from __future__ import annotations

from typing import Any

import arcade
import pytest
from pyglet.event import EventDispatcher

from konnekt_arcade import ActivityRegistry, LobbyTheme, LobbyView, SessionHook
from konnekt_arcade.testing import click, press_key, type_text

from ._lobby_helpers import DiceView, host, join, make_view, memory_builder, pump


@pytest.fixture
def registry() -> ActivityRegistry:
    registry = ActivityRegistry()
    registry.register("dice", "Dice Duel", DiceView, config={"sides": 6})
    return registry


def names(view: LobbyView) -> list[str]:
    lobby = view.hook.lobby
    return [p.name for p in lobby.participants] if lobby else []


def test_host_join_ready_chat_kick_make_host_activity_leave(window: arcade.Window,
                                                            registry: ActivityRegistry) -> None:
    builder = memory_builder()
    alice = host(window, builder, registry=registry)
    click(window, alice.screen.widgets["copy"])
    session_id = str(alice.hook.session.session_id)
    invite = f"memory:///{session_id}"  # the whole invite: where the host is, and the id
    assert LobbyView.clipboard == invite

    # Bob pastes the invite with Ctrl+V.
    bob = make_view(window, builder, registry=registry)
    type_text(window, bob.screen.widgets["name"], "Bob")
    click(window, bob.screen.widgets["session_id"])
    press_key(window, arcade.key.V, arcade.key.MOD_CTRL)
    assert bob.screen.widgets["session_id"].text == invite
    click(window, bob.screen.widgets["join"])
    pump(lambda: bob.screen.name == "lobby", alice, bob, what="Bob in the lobby")
    carol = join(window, builder, session_id, "Carol", alice, bob, registry=registry)
    pump(lambda: names(alice) == ["Alice", "Bob", "Carol"], alice, bob, carol)

    window.show_view(bob)
    click(window, bob.screen.widgets["ready"])
    pump(lambda: alice.hook.lobby.participants[1].ready, alice, bob, carol, what="Bob ready")
    click(window, bob.screen.widgets["spectate"])
    pump(lambda: not alice.hook.lobby.participants[1].is_active, alice, bob, carol)
    click(window, bob.screen.widgets["spectate"])
    type_text(window, bob.screen.widgets["chat"], "hello all")
    press_key(window, arcade.key.ENTER)
    pump(lambda: [m.text for m in carol.hook.lobby.chat] == ["hello all"], alice, bob, carol)

    # A guest has no host controls; the host kicks Carol.
    assert "kick:Carol" not in bob.screen.widgets
    window.show_view(alice)
    click(window, alice.screen.widgets["kick:Carol"])
    pump(lambda: carol.screen.name == "start", alice, bob, carol, what="Carol kicked")
    assert "removed you" in carol.message and names(alice) == ["Alice", "Bob"]

    # Queue and start an activity: the activity View is shown, and the lobby comes back.
    click(window, alice.screen.widgets["queue:dice"])
    pump(lambda: alice.hook.lobby.activity_queue, alice, bob)
    pump(lambda: bob.hook.lobby.participants[1].is_active, alice, bob)
    click(window, alice.screen.widgets["start"])
    pump(lambda: alice.activity_view and bob.activity_view, alice, bob, what="run started")
    assert isinstance(window.current_view, DiceView)
    assert bob.activity_view.context.config == {"sides": 6}
    alice.activity_view.context.submit_result(score=3)
    bob.activity_view.context.submit_result(score=9)
    pump(lambda: alice.activity_view is None and bob.activity_view is None, alice, bob,
         what="run ended")
    assert isinstance(window.current_view, LobbyView)
    scores = {e.name: e.score for e in alice.hook.lobby.leaderboard}
    assert scores["Alice"] == 3 and scores["Bob"] == 9

    # Bob leaves; Dave joins and Alice makes him host.
    window.show_view(bob)
    click(window, bob.screen.widgets["leave"])
    assert bob.screen.name == "start" and bob.hook.session is None
    pump(lambda: names(alice) == ["Alice"], alice, what="Bob gone")
    dave = join(window, builder, session_id, "Dave", alice, registry=registry)
    window.show_view(alice)
    click(window, alice.screen.widgets["make_host:Dave"])
    pump(lambda: dave.hook.is_host() and "kick:Alice" in dave.screen.widgets, alice, dave,
         what="Dave is host, with host controls")
    assert not alice.hook.is_host() and "kick:Dave" not in alice.screen.widgets
    # The old host leaves: the new host sequences her departure.
    window.show_view(alice)
    click(window, alice.screen.widgets["leave"])
    pump(lambda: names(dave) == ["Dave"], dave, what="Alice gone from Dave's lobby")
    alice.close()
    dave.close()


def test_bad_session_id_and_unreachable_host(window: arcade.Window) -> None:
    builder = memory_builder().connection_timeout(0.2)
    view = make_view(window, builder)
    type_text(window, view.screen.widgets["session_id"], "not-an-id")
    click(window, view.screen.widgets["join"])
    assert view.screen.name == "start" and "doesn't look right" in view.message

    type_text(window, view.screen.widgets["session_id"], "123e4567-e89b-12d3-a456-426614174000")
    click(window, view.screen.widgets["join"])
    assert view.screen.name == "connecting"
    pump(lambda: "Couldn't reach the host" in view.message, view, what="friendly error")
    assert "back" in view.screen.widgets
    click(window, view.screen.widgets["back"])
    assert view.screen.name == "start" and view.hook.session is None


def test_resize_and_theme(window: arcade.Window, monkeypatch: pytest.MonkeyPatch) -> None:
    theme = LobbyTheme(background=(90, 20, 20), accent=(20, 160, 60))
    view = make_view(window, memory_builder(), theme=theme)
    assert view.background_color[:3] == (90, 20, 20)
    assert view.screen.widgets["host"].get_current_style().bg[:3] == (20, 160, 60)
    # A headless window cannot change size, so pretend it did, as the OS would report it.
    monkeypatch.setattr(type(window), "width", property(lambda self: 520))
    monkeypatch.setattr(type(window), "height", property(lambda self: 560))
    monkeypatch.setattr(window, "get_size", lambda: (520, 560))
    EventDispatcher.dispatch_event(window, "on_resize", 520, 560)
    view.ui.execute_layout()
    panel = view.screen.root.children[0]
    assert panel.left >= 0 and panel.right <= 520 and panel.bottom >= 0 and panel.top <= 560
    assert abs(panel.center_x - 260) <= 2
    assert view.screen.widgets["name"].width < 460  # the fields shrank with the window
    monkeypatch.undo()
    EventDispatcher.dispatch_event(window, "on_resize", 1024, 720)


def test_lobby_view_of_a_running_session(window: arcade.Window, memory_sessions: Any) -> None:
    view = LobbyView(memory_sessions.guest)
    window.show_view(view)
    assert view.screen.name == "lobby" and view.role == "guest"
    assert "kick:Host" not in view.screen.widgets


def test_session_events_change_text_in_place_and_new_players_rebuild(
        window: arcade.Window, memory_sessions: Any) -> None:
    """A chat line or a ready flag sets a label's text; the widgets stay (a half-typed chat
    line keeps its field). A player who joins needs new widgets: the screen is rebuilt."""
    view = LobbyView(memory_sessions.host)
    window.show_view(view)
    screen, field = view.screen, view.screen.widgets["chat"]
    type_text(window, field, "half a sente")
    guest = SessionHook(memory_sessions.guest)
    guest.chat("hello")
    guest.set_ready(True)
    pump(lambda: "Guest 1: hello" in view.screen.chat_log.text
         and "Guest 1 · playing · ready" in [r.text for r in view.screen.row_labels],
         view, guest, what="chat line and ready flag shown")
    assert view.screen is screen and view.screen.widgets["chat"] is field
    assert field.text == "half a sente" and view.screen.active_field() == "chat"

    memory_sessions.add_guest("Carol")
    pump(lambda: "kick:Carol" in view.screen.widgets, view, guest, what="Carol's row")
    assert view.screen is not screen
    assert view.screen.widgets["chat"].text == "half a sente"  # kept across the rebuild
    assert [r.text for r in view.screen.row_labels][-1] == "Carol · playing · not ready"


def test_participant_list_scrolls_when_the_lobby_outgrows_the_window(
        window: arcade.Window, registry: ActivityRegistry) -> None:
    builder = memory_builder()
    alice = host(window, builder, registry=registry)
    sid = str(alice.hook.session.session_id)
    guests: list[LobbyView] = []
    for n in range(11):
        guests.append(join(window, builder, sid, f"G{n}", alice, *guests, registry=registry))
    pump(lambda: len(names(alice)) == 12, alice, *guests, what="12 participants")
    window.show_view(alice)
    alice.on_update(0)
    widgets = alice.screen.widgets
    assert "players_down" in widgets and "players_up" not in widgets
    assert "kick:G0" in widgets and "kick:G10" not in widgets
    alice.ui.execute_layout()
    for key in ("start", "leave", "ready", "players_down"):  # nothing pushed off-screen
        rect = widgets[key].rect
        assert rect.bottom >= 0 and rect.top <= window.height, key

    for _ in range(20):  # the wheel scrolls; it stops at the end of the list
        alice.on_mouse_scroll(100, 300, 0, -1)
        alice.on_update(0)
    widgets = alice.screen.widgets
    assert "kick:G10" in widgets and "kick:G0" not in widgets
    assert "players_up" in widgets and "players_down" not in widgets
    click(window, widgets["players_up"])
    alice.on_update(0)
    shown = len([k for k in alice.screen.widgets if k.startswith("kick:")])
    assert alice.participant_offset == 12 - 1 - shown
    # A game that draws its own panel under the lobby keeps room for it: fewer rows.
    alice.reserved_height += 3 * 34
    alice.rebuild()
    assert len([k for k in alice.screen.widgets if k.startswith("kick:")]) == shown - 3
    for view in (*reversed(guests), alice):
        view.close()


def test_cancel_run_is_offered_only_while_a_run_is_on(window: arcade.Window,
                                                      registry: ActivityRegistry) -> None:
    """The host's "Cancel run" is there while a run is on (a host looking at the lobby
    meanwhile ends it with one click), not when there is nothing to cancel."""
    builder = memory_builder()
    alice = host(window, builder, registry=registry)
    bob = join(window, builder, str(alice.hook.session.session_id), "Bob", alice,
               registry=registry)
    window.show_view(alice)
    assert "start" in alice.screen.widgets and "cancel" not in alice.screen.widgets
    click(window, alice.screen.widgets["queue:dice"])
    pump(lambda: alice.hook.lobby.activity_queue, alice, bob)
    click(window, alice.screen.widgets["start"])
    pump(lambda: alice.activity_view is not None, alice, bob, what="run started")
    window.show_view(alice)  # the host back at the lobby while the others play
    pump(lambda: "cancel" in alice.screen.widgets, alice, bob, what="Cancel run offered")
    click(window, alice.screen.widgets["cancel"])
    pump(lambda: alice.hook.lobby.current_run is None, alice, bob, what="run cancelled")
    window.show_view(alice)
    pump(lambda: "cancel" not in alice.screen.widgets, alice, bob, what="Cancel run gone")
