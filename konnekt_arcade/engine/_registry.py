"""The activity registry: the mini-games a game offers in its lobby.

    activities = ActivityRegistry()
    activities.register("dice", "Dice Duel", DiceView)   # DiceView(context) -> arcade.View

    @activities.activity("race", "Space Race", config={"laps": 3})
    def make_race(context: ActivityContext) -> arcade.View:
        return RaceView(context.hook, laps=context.config["laps"])

The host queues an activity by its type (``QueueActivity.activity_type``); when a run starts,
every peer looks that type up here and shows the View it builds. The View submits its result
with ``context.submit_result(score=...)``; ``LobbyView`` comes back after ``RunEnded``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..domain import ActivityRun


@dataclass(frozen=True)
class ActivityContext:
    """What an activity's View gets: the run it is playing and the hook of the session."""

    run: ActivityRun
    hook: Any  # SessionHook
    lobby_view: Any = None  # the LobbyView that will come back after RunEnded, if any

    @property
    def config(self) -> dict[str, Any]:
        return self.run.activity.config

    @property
    def session(self) -> Any:
        return self.hook.session

    @property
    def is_submitter(self) -> bool:
        """True if this peer must submit a result (it was active when the run started)."""
        return self.session.local_participant_id() in self.run.required_submitters

    def submit_result(self, score: int = 0, data: dict[str, Any] | None = None,
                      time_taken_ms: int = 0) -> int:
        """Submit our result for this run; returns the request id."""
        return self.hook.submit_result(score, data, time_taken_ms)


ViewFactory = Callable[[ActivityContext], Any]


@dataclass(frozen=True)
class Activity:
    """A registered activity: its wire type, the name players see, and how to build its View."""

    activity_type: str
    display_name: str
    make_view: ViewFactory
    config: dict[str, Any] = field(default_factory=dict)
    description: str = ""


class ActivityRegistry:
    """Activities by type, in registration order (the order the lobby lists them)."""

    def __init__(self) -> None:
        self._activities: dict[str, Activity] = {}

    def register(self, activity_type: str, display_name: str, make_view: ViewFactory, *,
                 config: dict[str, Any] | None = None, description: str = "") -> Activity:
        """Register (or replace) an activity.

        Raises:
            ValueError: an empty type or display name.
        """
        if not activity_type.strip() or not display_name.strip():
            raise ValueError("an activity needs a type and a display name")
        activity = Activity(activity_type, display_name, make_view, dict(config or {}),
                            description)
        self._activities[activity_type] = activity
        return activity

    def activity(self, activity_type: str, display_name: str, *,
                 config: dict[str, Any] | None = None,
                 description: str = "") -> Callable[[ViewFactory], ViewFactory]:
        """Decorator form of ``register``."""
        def decorate(make_view: ViewFactory) -> ViewFactory:
            self.register(activity_type, display_name, make_view, config=config,
                          description=description)
            return make_view
        return decorate

    def get(self, activity_type: str) -> Activity | None:
        return self._activities.get(activity_type)

    def display_name(self, activity_type: str) -> str:
        activity = self.get(activity_type)
        return activity.display_name if activity is not None else activity_type

    def build_view(self, run: ActivityRun, hook: Any, lobby_view: Any = None) -> Any | None:
        """The View for ``run``, or None if its type is not registered here."""
        activity = self.get(run.activity.activity_type)
        if activity is None:
            return None
        return activity.make_view(ActivityContext(run, hook, lobby_view))

    def __iter__(self) -> Iterator[Activity]:
        return iter(list(self._activities.values()))

    def __len__(self) -> int:
        return len(self._activities)

    def __contains__(self, activity_type: object) -> bool:
        return activity_type in self._activities
