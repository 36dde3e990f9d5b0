"""The activity registry: the mini-games a game offers in its lobby.

    activities = ActivityRegistry()
    activities.register("dice", "Dice Duel", DiceView)   # DiceView(context) -> arcade.View

    @activities.activity("race", "Space Race", config={"laps": 3})
    def make_race(context: ActivityContext) -> arcade.View:
        return RaceView(context.hook, laps=context.config["laps"])

The host queues an activity by its type (``QueueActivity.activity_type``); when a run starts,
every peer looks that type up here and shows the View it builds. The View submits its result
with ``context.submit_result(score=...)``; ``LobbyView`` comes back after ``RunEnded`` and
shows the round's results and the leaderboard.

Round settings. An entry's ``config``, ``duration`` (seconds) and ``scoring`` are its fixed
defaults; they never change. One round's settings are given when it is queued or started::

    activities.register("coins", "Coins", CoinsView, duration=20, scoring="host",
                        config={"coins": 12})
    activities.queue(hook, "coins", config_overrides={"coins": 30})   # this queued round
    activities.start_next(hook, duration=45)                          # this run: 45 s

Host-scored activities (``scoring="host"``): the host's game code decides every player's
score and submits it with ``context.submit_result_for(participant_id, score=...)``; players
cannot submit their own (the host refuses). If the host leaves mid-round, the new host's View
(the same View class, on another machine) gets ``on_became_host`` and submits the results
still pending (``context.pending()``).

Timing. ``context.time_left()`` is the seconds until the run's deadline on the lobby's shared
clock (``context.now()``): every peer computes the same value at the same instant, so every
countdown agrees, and the host ends the run at that deadline with the results it has.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ..domain import MAX_RUN_DURATION_MS, ActivityRun, Scoring
from ._clock import lobby_time
from ._command_helpers import LobbyCommands

if TYPE_CHECKING:
    import arcade

    from ..session import SessionLoop
    from ..world import World
    from ._hook import SessionHook


@dataclass(frozen=True)
class ActivityContext:
    """What an activity's View gets: the run it is playing and the hook of the session."""

    run: ActivityRun
    hook: SessionHook
    #: The ``LobbyView`` that comes back after ``RunEnded``, if any (typed as the
    #: ``arcade.View`` it is: the lobby view's module imports this one).
    lobby_view: arcade.View | None = None

    @property
    def config(self) -> dict[str, Any]:
        return self.run.activity.config

    @property
    def session(self) -> SessionLoop:
        """The hook's session, typed, so a View's ``context.session.`` completes in an editor.

        Raises:
            SendFailed: the session ended (``LobbyView`` clears it) while this View is up.
        """
        session = self.hook.session
        if session is None:
            from ..session import SendFailed

            raise SendFailed("the session has ended: no session to play this run on")
        return session

    @property
    def world(self) -> World:
        """The session's shared world (``session.world()``). Entities spawned while this
        run is on belong to it: when it ends, every peer despawns them (the owner's and the
        host's despawns reach everyone), so the next run starts with none of them; entities
        spawned outside a run (a lobby's avatars) stay."""
        return self.session.world()

    @property
    def is_submitter(self) -> bool:
        """True if this peer must submit a result (it was active when the run started)."""
        return self.session.local_participant_id() in self.run.required_submitters

    @property
    def host_scored(self) -> bool:
        """True if the host submits every result (the activity's ``scoring="host"``)."""
        return self.run.host_scored

    @property
    def is_host(self) -> bool:
        """True while this peer is the host: the one whose game referees a host-scored run.
        It changes mid-round when the host leaves (the hook's ``on_became_host``)."""
        return self.hook.is_host()

    @property
    def current_run(self) -> ActivityRun | None:
        """This run as the lobby holds it now (results so far), or None once it ended.
        ``run`` is the run as it started."""
        lobby = self.hook.lobby
        run = lobby.current_run if lobby is not None else None
        return run if run is not None and run.id == self.run.id else None

    def pending(self) -> tuple[UUID, ...]:
        """Participants whose result is still missing (empty once the run ended): what a
        host submits, including a new host after a migration."""
        run = self.current_run
        return run.pending_submitters() if run is not None else ()

    def now(self) -> float:
        """The lobby's shared clock, seconds: the time ``run.started_at`` and
        ``run.deadline`` are in (see ``engine/_clock.py``)."""
        return lobby_time(self.session)

    def elapsed(self) -> float:
        """Seconds since the run started, on the shared clock (the same on every peer)."""
        return max(0.0, self.now() - self.run.started_at)

    def time_left(self) -> float | None:
        """Seconds until the run's deadline (0 once passed), the same on every peer; None
        for a run without a time limit. Draw a countdown with it; the host ends the run at the
        deadline by itself, so a View need not."""
        return self.run.time_left(self.now())

    def submit_result(self, score: int = 0, data: dict[str, Any] | None = None,
                      time_taken_ms: int = 0) -> int:
        """Submit our result for this run; returns the request id.

        In a host-scored run the host's own result goes as ``submit_result_for`` itself; a
        guest's is sent and refused by the host (``on_command_failed`` says why)."""
        me = self.session.local_participant_id() if self.host_scored and self.is_host else None
        if me is not None:
            return self.hook.submit_result_for(me, score, data, time_taken_ms)
        return self.hook.submit_result(score, data, time_taken_ms)

    def submit_result_for(self, participant_id: UUID, score: int = 0,
                          data: dict[str, Any] | None = None, time_taken_ms: int = 0) -> int:
        """Host, host-scored run: submit ``participant_id``'s result (the host's game decided
        it); returns the request id. Refused for anyone but the host, and in a self-scored
        run."""
        return self.hook.submit_result_for(participant_id, score, data, time_taken_ms)


#: Builds the View of a run: a View class taking the context, or a function returning a View.
ViewFactory = Callable[[ActivityContext], "arcade.View"]


@dataclass(frozen=True)
class Activity:
    """A registered activity: its wire type, the name players see, how to build its View,
    and its fixed round settings: ``config`` (the View reads ``context.config``), ``duration``
    (a run's time limit in seconds, None for none) and ``scoring`` (who submits results)."""

    activity_type: str
    display_name: str
    make_view: ViewFactory
    config: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    duration: float | None = None
    scoring: Scoring = Scoring.SELF

    @property
    def duration_ms(self) -> int | None:
        return _ms(self.duration)


def _ms(seconds: float | None) -> int | None:
    """A time limit in seconds as the domain's milliseconds (None stays None).

    Raises:
        ValueError: not a positive finite number of seconds, or past the domain's limit.
    """
    if seconds is None:
        return None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"a time limit must be a positive number of seconds, not {seconds!r}")
    ms = max(1, round(seconds * 1000))
    if ms > MAX_RUN_DURATION_MS:
        raise ValueError(f"a time limit must be at most {MAX_RUN_DURATION_MS // 1000} s")
    return ms


class ActivityRegistry:
    """Activities by type, in registration order (the order the lobby lists them)."""

    def __init__(self) -> None:
        self._activities: dict[str, Activity] = {}

    def register(self, activity_type: str, display_name: str, make_view: ViewFactory, *,
                 config: dict[str, Any] | None = None, description: str = "",
                 duration: float | None = None,
                 scoring: Scoring | str = Scoring.SELF) -> Activity:
        """Register (or replace) an activity.

        Args:
            config: the View's settings (``context.config``), copied: later changes to the
                dict passed do not reach the registry.
            duration: a run's time limit in seconds (None: a run ends when all results
                are in); *Start next* in ``LobbyView`` uses it.
            scoring: ``"self"`` (each player submits their own result) or ``"host"`` (the
                host's game submits everyone's: ``context.submit_result_for``).

        Raises:
            ValueError: an empty type or display name, a bad duration or scoring.
        """
        if not activity_type.strip() or not display_name.strip():
            raise ValueError("an activity needs a type and a display name")
        _ms(duration)
        activity = Activity(activity_type, display_name, make_view, dict(config or {}),
                            description, duration, Scoring(scoring))
        self._activities[activity_type] = activity
        return activity

    def activity(self, activity_type: str, display_name: str, *,
                 config: dict[str, Any] | None = None, description: str = "",
                 duration: float | None = None,
                 scoring: Scoring | str = Scoring.SELF) -> Callable[[ViewFactory], ViewFactory]:
        """Decorator form of ``register``."""
        def decorate(make_view: ViewFactory) -> ViewFactory:
            self.register(activity_type, display_name, make_view, config=config,
                          description=description, duration=duration, scoring=scoring)
            return make_view
        return decorate

    # --- the host's round controls (each returns the request id) ---------------------------

    def queue(self, hook: LobbyCommands, activity_type: str, *,
              config_overrides: dict[str, Any] | None = None,
              duration: float | None = None, name: str | None = None) -> int:
        """Host: queue a round of a registered activity with its registered settings, and
        ``config_overrides`` / ``duration`` (seconds) for this round only.

        Raises:
            KeyError: the type is not registered here.
            ValueError: a bad duration.
            SendFailed: not in a lobby.
        """
        activity = self._activities[activity_type]
        return hook.queue_activity(
            activity_type, name or activity.display_name,
            {**activity.config, **(config_overrides or {})}, scoring=activity.scoring,
            duration_ms=_ms(duration) if duration is not None else activity.duration_ms)

    def start_next(self, hook: LobbyCommands, *, duration: float | None = None,
                   config_overrides: dict[str, Any] | None = None) -> int:
        """Host: start the next queued round. Its time limit is ``duration`` (seconds) if
        given, else the one it was queued with, else its registry entry's ``duration``;
        ``config_overrides`` change this round's settings only (the run's
        ``activity.config``). This is what *Start next* in ``LobbyView`` calls.

        Raises:
            ValueError: a bad duration.
            SendFailed: not in a lobby.
        """
        duration_ms = _ms(duration)
        lobby = hook.session.get_lobby() if hook.session is not None else None
        if duration_ms is None and lobby is not None and lobby.activity_queue:
            head = lobby.activity_queue[0]
            entry = self.get(head.activity_type)
            if head.duration_ms is None and entry is not None:
                duration_ms = entry.duration_ms  # queued by hand, without the entry's limit
        return hook.start_next_run(duration_ms, config_overrides)

    def get(self, activity_type: str) -> Activity | None:
        return self._activities.get(activity_type)

    def display_name(self, activity_type: str) -> str:
        activity = self.get(activity_type)
        return activity.display_name if activity is not None else activity_type

    def build_view(self, run: ActivityRun, hook: SessionHook,
                   lobby_view: arcade.View | None = None) -> arcade.View | None:
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
