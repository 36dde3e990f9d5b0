"""``konnekt_arcade.testing`` as a game developer uses it: real game views on a ``MockWindow``,
``SessionGroup``, ``wait_until`` driving hooks, and ``Players`` — a window and a ``LobbyView``
per player, driven frame by frame."""

from __future__ import annotations

import arcade
import pytest

from konnekt_arcade import LobbyView, SessionHook
from konnekt_arcade.testing import (
    MockWindow,
    Players,
    SessionGroup,
    memory_builder,
    wait_until,
)


class GameView(arcade.View):
    """What a game's view does in ``__init__`` and ``on_draw``: OpenGL all the way."""

    def __init__(self) -> None:
        super().__init__()
        self.sprites = arcade.SpriteList()
        texture = arcade.make_soft_square_texture(32, arcade.color.RED)
        self.sprites.append(arcade.Sprite(texture, center_x=100, center_y=100))
        self.label = arcade.Text("score: 0", 10, 10)
        self.frames_drawn = 0

    def on_draw(self) -> None:
        self.clear()
        self.sprites.draw()
        self.label.draw()
        arcade.draw_lbwh_rectangle_filled(0, 0, 10, 10, arcade.color.BLUE)
        self.frames_drawn += 1


def test_a_real_game_view_runs_on_the_mock_window(mock_window: MockWindow) -> None:
    view = GameView()
    mock_window.show_view(view)
    assert view.window is mock_window and mock_window.ctx is view.sprites.ctx
    mock_window.draw()
    mock_window.draw()
    assert view.frames_drawn == 2
    assert mock_window.rect.width == mock_window.width


def test_a_group_without_guests_says_so() -> None:
    group = SessionGroup(memory_builder(), "memory://")
    try:
        with pytest.raises(LookupError, match=r"add_guest\(\)"):
            _ = group.guest
        bob = group.add_guest("Bob")
        assert group.guest is bob
    finally:
        group.close()


def test_wait_until_updates_hooks_so_callbacks_fire(memory_sessions: SessionGroup) -> None:
    host, guest = SessionHook(memory_sessions.host), SessionHook(memory_sessions.guest)
    heard: list[str] = []
    guest.push_handlers(on_chat=lambda message: heard.append(message.text))
    host.chat("hello")
    wait_until(lambda: heard == ["hello"], 10, host, guest, what="the chat callback")

    joined: list[str] = []
    host.push_handlers(on_guest_joined=lambda participant: joined.append(participant.name))
    memory_sessions.add_guest("Carol")
    memory_sessions.wait_until(lambda: joined == ["Carol"], hooks=[host])


def test_three_players_each_with_a_window_and_a_lobby_view(players: Players) -> None:
    alice = players.host("Alice")
    bob = players.join("Bob")
    carol = players.join("Carol", host=alice)
    assert len({id(p.window) for p in players}) == 3
    for player in players:
        assert player.window.current_view is player.view
        assert isinstance(player.view, LobbyView)
        assert [p.name for p in player.lobby().participants] == ["Alice", "Bob", "Carol"]
    assert alice.session.is_host() and not bob.session.is_host()

    bob.type("chat", "hi all")
    bob.press_key(arcade.key.ENTER)
    players.run_until(lambda: [m.text for m in carol.lobby().chat] == ["hi all"],
                      what="Bob's chat line at Carol")
    for player in players:
        player.draw()  # the lobby UI draws headless, through the shared context
    with pytest.raises(AssertionError, match="never"):
        players.run_until(lambda: False, timeout=0.05, what="never")


def test_a_player_before_hosting_has_no_session(players: Players) -> None:
    dave = players.add("Dave")
    assert dave.view.screen.name == "start"
    with pytest.raises(LookupError, match="host"):
        _ = dave.session
