"""SessionHook plumbing with a real arcade window (headless): an activity's view gets its
callbacks by declaring them — connected while shown, disconnected while hidden — and every
callback has a typed, documented signature (issue 24)."""

from __future__ import annotations

import inspect
from typing import Any

import arcade
import pytest

from konnekt_arcade import GameData, Message, Reply, Request, SessionHook
from konnekt_arcade.engine import EVENT_TYPES, SessionCallbacks
from konnekt_arcade.testing import SessionGroup, run_views_until

HANG = 60.0


class PlayView(arcade.View):
    """A mini-game's view: declares the callbacks it wants, nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.got: list[Any] = []

    def on_game_data(self, data: GameData) -> None:
        self.got.append(data)

    def on_message(self, message: Message) -> None:
        self.got.append(message)

    def on_request(self, request: Request) -> None:
        self.got.append(request)

    def on_reply(self, reply: Reply) -> None:
        self.got.append(reply)

    def kinds(self) -> list[str]:
        return [type(item).__name__ for item in self.got]


class HandPushedView(PlayView):
    """A view that already pushes ``on_game_data`` by hand (as games did before)."""

    def __init__(self, hook: SessionHook) -> None:
        super().__init__()
        hook.push_handlers(on_game_data=self.on_game_data)


def frames(view: arcade.View, group: SessionGroup, condition: Any, what: str) -> None:
    """Run the view's frames (its hook polls the host) and poll the guests."""

    def step() -> object:
        for guest in group.guests:
            guest.poll()
        return condition()

    run_views_until(step, view, timeout=HANG, what=what)


def test_a_view_hears_while_shown_and_not_while_hidden(window: arcade.Window,
                                                       memory_sessions: SessionGroup) -> None:
    host, guest = memory_sessions.host, memory_sessions.guest
    hook = SessionHook(host)
    view, other = PlayView(), arcade.View()
    hook.attach(view)
    window.show_view(view)
    guest.send_game_data(b"pos", reliable=True)
    guest.send_to_host(b"hi")
    request_id = guest.request_host(b"claim")
    frames(view, memory_sessions, lambda: len(view.got) == 3, "the three callbacks")
    assert view.kinds() == ["GameData", "Message", "Request"]
    host.reply(view.got[2], b"ok")
    replies: list[Any] = []
    frames(view, memory_sessions, lambda: replies.extend(guest.drain_messages()) or replies,
           "the reply")
    assert replies[0].request_id == request_id and replies[0].ok

    seen = len(view.got)
    window.show_view(other)  # hidden: disconnected
    guest.send_to_host(b"while hidden")
    heard: list[Message] = []
    hook.push_handlers(on_message=heard.append)  # someone else still listens
    frames(view, memory_sessions, lambda: heard, "the message while hidden")
    assert len(view.got) == seen
    hook.remove_handlers(on_message=heard.append)

    window.show_view(view)  # shown again: connected again, once
    guest.send_to_host(b"back")
    frames(view, memory_sessions, lambda: len(view.got) > seen, "the message when back")
    assert [m.data for m in view.got[seen:]] == [b"back"]
    window.show_view(other)
    hook.detach()


def test_a_hand_pushed_callback_is_not_doubled(window: arcade.Window,
                                               memory_sessions: SessionGroup) -> None:
    hook = SessionHook(memory_sessions.host)
    view = HandPushedView(hook)
    hook.attach(view)
    window.show_view(view)
    memory_sessions.guest.send_game_data(b"once", reliable=True)
    frames(view, memory_sessions, lambda: view.got, "the game data")
    for _ in range(5):
        view.on_update(1 / 60)
    assert [d.data for d in view.got] == [b"once"]
    window.show_view(arcade.View())
    hook.detach()


def test_connect_and_disconnect_any_object(memory_sessions: SessionGroup) -> None:
    hook = SessionHook(memory_sessions.host)
    listener = PlayView.__new__(PlayView)  # any object with on_... methods
    listener.got = []
    assert sorted(hook.connect(listener)) == ["on_game_data", "on_message", "on_reply",
                                              "on_request"]
    assert hook.connect(listener) == []  # once
    memory_sessions.guest.send_to_host(b"x")
    memory_sessions.wait_until(lambda: hook.on_update() or listener.got, what="message")
    hook.disconnect(listener)
    memory_sessions.guest.send_to_host(b"y")
    memory_sessions.wait_until(
        lambda: memory_sessions.host.stats["messages_in"] >= 2, what="second message")
    hook.on_update()
    assert [m.data for m in listener.got] == [b"x"]


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_callback_has_a_typed_documented_signature(name: str) -> None:
    method = getattr(SessionCallbacks, name)
    params = list(inspect.signature(method).parameters.values())[1:]
    assert all(p.annotation is not inspect.Parameter.empty for p in params), name
    assert (method.__doc__ or "").strip(), name
    assert EVENT_TYPES[name].startswith("(")
    assert name in SessionHook.event_types


def test_the_new_callbacks_are_in_the_table() -> None:
    assert {"on_message", "on_request", "on_reply", "on_game_data"} <= set(EVENT_TYPES)
    assert "data: GameData" in EVENT_TYPES["on_game_data"]


class ClaimView(PlayView):
    """An activity from the registry: the host's game answers claims in ``on_request``."""

    def __init__(self, context: Any) -> None:
        super().__init__()
        self.context = context

    def on_request(self, request: Request) -> None:
        super().on_request(request)
        self.context.session.reply(request, b"granted:" + request.data)


def test_the_lobby_view_connects_an_activity_view_s_callbacks(window: arcade.Window) -> None:
    """Through ``LobbyView`` and the registry, as a game uses it: the activity's view gets
    ``on_request`` / ``on_reply`` by declaring them, and loses them when the run ends."""
    from konnekt_arcade import ActivityRegistry

    from ._lobby_helpers import host, memory_builder, pump

    registry = ActivityRegistry()
    registry.register("claims", "Claims", ClaimView, config={})
    alice = host(window, memory_builder(), registry=registry)
    alice.hook.queue_activity("claims", "Claims", {})
    pump(lambda: alice.hook.lobby.activity_queue, alice, what="queued")
    alice.hook.start_next_run()
    pump(lambda: alice.activity_view is not None, alice, what="run started")
    view = alice.activity_view
    assert window.current_view is view
    session = alice.hook.session
    request_id = session.request_host(b"coin 7")
    pump(lambda: len(view.got) == 2, alice, what="request and reply")
    assert view.kinds() == ["Request", "Reply"]
    assert view.got[1].request_id == request_id and view.got[1].data == b"granted:coin 7"

    alice.hook.cancel_run()
    pump(lambda: alice.activity_view is None, alice, what="run ended")
    assert window.current_view is alice
    heard: list[Message] = []
    alice.hook.push_handlers(on_message=heard.append)
    session.send_to_host(b"after the run")
    pump(lambda: heard, alice, what="the message after the run")
    assert len(view.got) == 2  # disconnected with the run
    alice.close()
