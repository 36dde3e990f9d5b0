"""Helpers for driving LobbyViews in one headless window."""

from __future__ import annotations

from typing import Any

import arcade

from konnekt_arcade import LobbyView
from konnekt_arcade.testing import click, memory_builder, run_views_until, type_text

DT = 1 / 60


class DiceView(arcade.View):
    """A stand-in activity view (what a game shows during a run): records its context so
    a test can submit results."""

    def __init__(self, context: Any) -> None:
        super().__init__()
        self.context = context


def pump(condition: Any, *views: LobbyView, timeout: float = 60.0,
         what: str = "condition") -> None:
    """Run frames of every view (shown or not) until ``condition()``; ``timeout`` guards
    against a hang (frames run on wall-clock time: a busy machine is slow)."""
    run_views_until(condition, *views, timeout=timeout, what=what, delta_time=DT)


def make_view(window: arcade.Window, builder: Any, **kwargs: Any) -> LobbyView:
    view = LobbyView(builder=builder, signalling_url="memory://", ice_servers=[], **kwargs)
    window.show_view(view)
    return view


def host(window: arcade.Window, builder: Any, name: str = "Alice", **kwargs: Any) -> LobbyView:
    view = make_view(window, builder, **kwargs)
    type_text(window, view.screen.widgets["name"], name)
    click(window, view.screen.widgets["host"])
    pump(lambda: view.screen.name == "lobby", view, what="host lobby screen")
    return view


def join(window: arcade.Window, builder: Any, session_id: str, name: str,
         *others: LobbyView, **kwargs: Any) -> LobbyView:
    view = make_view(window, builder, **kwargs)
    type_text(window, view.screen.widgets["name"], name)
    type_text(window, view.screen.widgets["session_id"], session_id)
    click(window, view.screen.widgets["join"])
    pump(lambda: view.screen.name == "lobby", view, *others, what="guest lobby screen")
    return view


__all__ = ["host", "join", "make_view", "memory_builder", "pump"]
