"""``Reconnector``: when a synced guest that lost the lobby tries to rejoin, and when it stops.

Sans-I/O, like the sync parts: every call takes ``now`` and returns what should happen (an
``Action``); the ``SessionLoop`` carries it out (drops or opens a transport, puts the notice
in its queue, fails the session). So the whole schedule — backoff, a deadline per attempt,
the give-up budget — is tested with a list of times, without a network or a clock.

One reconnection, from ``start`` to ``succeeded`` or ``GiveUp``::

    start(now, reason)   -> Suspend(Reconnecting(attempt=1, delay=backoff[0]))
    step(now)            -> Resume(attempt=1)          when the delay has passed
    step(now)            -> Suspend(Reconnecting(2, backoff[1], "did not answer in time"))
                            when the attempt's deadline passed (or ``attempt_failed``)
    ...
    step(now)            -> GiveUp(...)                once ``give_up_after`` s have passed
    succeeded(now)       -> Reconnected(attempts, seconds)
"""

from __future__ import annotations

from dataclasses import dataclass

from ._types import Reconnected, Reconnecting, ReconnectPolicy

#: Budget for a rejoin when neither the policy nor the lobby says (the sync layer's default
#: grace period: after it, the host has given our place away anyway).
DEFAULT_GIVE_UP_AFTER = 30.0


@dataclass(frozen=True, slots=True)
class Suspend:
    """Drop the transport and announce ``notice``; the next attempt starts after its delay."""

    notice: Reconnecting


@dataclass(frozen=True, slots=True)
class Resume:
    """Open a new transport now (new signalling connection, new peer id) and rejoin."""

    attempt: int


@dataclass(frozen=True, slots=True)
class GiveUp:
    """The budget is spent: fail the session."""

    attempts: int
    budget: float
    last_reason: str


Action = Suspend | Resume | GiveUp


class Reconnector:
    """The rejoin schedule of one session. ``attempt_timeout``: how long one attempt may
    take before it counts as failed (the session's peer id + connection + sync timeouts)."""

    def __init__(self, policy: ReconnectPolicy, attempt_timeout: float) -> None:
        self.policy = policy
        self.attempt_timeout = attempt_timeout
        self.started: float | None = None  # None: not reconnecting
        self.attempt = 0
        self.reason = ""
        self._budget = DEFAULT_GIVE_UP_AFTER
        self._next: float | None = None  # when the next attempt starts (suspended until then)
        self._deadline: float | None = None  # when the running attempt is given up

    @property
    def active(self) -> bool:
        return self.started is not None

    def lost_because(self, peers: int, heard_recently: bool) -> str | None:
        """Whether a synced guest has lost the lobby: no peer connected, or none said anything
        for ``policy.silence`` s (below the sync heartbeat timeout, so this acts before the
        engine would elect itself host of an empty mesh). The reason, or None."""
        if not peers:
            return "no peer connected"
        if not heard_recently:
            return f"no peer answered for {self.policy.silence:g} s"
        return None

    def start(self, now: float, reason: str, grace_period: float | None = None) -> Suspend:
        """Begin reconnecting. The budget is ``policy.give_up_after``, else the lobby's
        ``grace_period`` (how long the host keeps our place), else ``DEFAULT_GIVE_UP_AFTER``."""
        policy = self.policy
        self._budget = (policy.give_up_after if policy.give_up_after is not None
                        else grace_period if grace_period is not None else DEFAULT_GIVE_UP_AFTER)
        self.started, self.attempt = now, 0
        return self._schedule(now, reason)

    def step(self, now: float) -> Action | None:
        """What is due at ``now`` while reconnecting (None: nothing, or not reconnecting)."""
        if self.started is None:
            return None
        if now - self.started >= self._budget:
            self.started = self._next = self._deadline = None
            return GiveUp(self.attempt, self._budget, self.reason)
        if self._next is not None and now >= self._next:
            self.attempt += 1
            self._next, self._deadline = None, now + self.attempt_timeout
            return Resume(self.attempt)
        if self._deadline is not None and now >= self._deadline:
            return self._schedule(now, "the lobby did not answer in time")
        return None

    def attempt_failed(self, now: float, reason: str) -> Suspend | None:
        """The running attempt failed (e.g. the signalling server refused it): back off and
        try again. None when no attempt is running."""
        if self.started is None or self._deadline is None:
            return None
        return self._schedule(now, reason)

    def succeeded(self, now: float) -> Reconnected | None:
        """The lobby's snapshot arrived again: the notice to give (None if not reconnecting)."""
        if self.started is None:
            return None
        done = Reconnected(self.attempt, now - self.started)
        self.started = self._next = self._deadline = None
        return done

    def _schedule(self, now: float, reason: str) -> Suspend:
        steps = self.policy.backoff or (1.0,)
        delay = steps[min(self.attempt, len(steps) - 1)]
        self._next, self._deadline, self.reason = now + delay, None, reason
        return Suspend(Reconnecting(self.attempt + 1, delay, reason))
