"""``Reconnector`` alone: the rejoin schedule as a list of times, no network, no clock."""

from __future__ import annotations

from konnekt_arcade.session import Reconnected, Reconnecting, ReconnectPolicy
from konnekt_arcade.session._reconnect import (
    DEFAULT_GIVE_UP_AFTER,
    GiveUp,
    Reconnector,
    Resume,
    Suspend,
)

POLICY = ReconnectPolicy(backoff=(0.5, 1.0), silence=2.0)


def test_backoff_attempts_and_success() -> None:
    r = Reconnector(POLICY, attempt_timeout=3.0)
    assert not r.active and r.step(100.0) is None
    assert r.start(100.0, "no peer connected", grace_period=30.0) == Suspend(
        Reconnecting(1, 0.5, "no peer connected"))
    assert r.active
    assert r.step(100.4) is None
    assert r.step(100.5) == Resume(1)
    assert r.step(103.4) is None
    # The attempt's deadline passed: back off (the last backoff step repeats).
    assert r.step(103.5) == Suspend(Reconnecting(2, 1.0, "the lobby did not answer in time"))
    assert r.step(104.5) == Resume(2)
    assert r.attempt_failed(104.6, "room full") == Suspend(Reconnecting(3, 1.0, "room full"))
    assert r.step(105.6) == Resume(3)
    assert r.succeeded(106.0) == Reconnected(3, 6.0)
    assert not r.active and r.step(200.0) is None and r.succeeded(200.0) is None


def test_a_failure_between_attempts_changes_nothing() -> None:
    r = Reconnector(POLICY, attempt_timeout=3.0)
    assert r.attempt_failed(0.0, "not reconnecting") is None
    r.start(0.0, "lost")
    assert r.attempt_failed(0.1, "signalling refused") is None  # no attempt is running yet
    assert r.step(0.5) == Resume(1)


def test_gives_up_after_the_budget() -> None:
    r = Reconnector(POLICY, attempt_timeout=100.0)
    r.start(10.0, "lost", grace_period=5.0)
    assert r.step(10.5) == Resume(1)
    assert r.step(15.0) == GiveUp(attempts=1, budget=5.0, last_reason="lost")
    assert not r.active and r.step(16.0) is None


def test_budget_policy_first_then_grace_then_default() -> None:
    explicit = Reconnector(ReconnectPolicy(give_up_after=2.0), attempt_timeout=100.0)
    explicit.start(0.0, "lost", grace_period=60.0)
    assert isinstance(explicit.step(2.0), GiveUp)
    fallback = Reconnector(ReconnectPolicy(), attempt_timeout=1000.0)
    fallback.start(0.0, "lost")
    fallback.step(0.5)
    assert fallback.step(DEFAULT_GIVE_UP_AFTER - 0.01) is None
    assert isinstance(fallback.step(DEFAULT_GIVE_UP_AFTER), GiveUp)


def test_empty_backoff_means_one_second() -> None:
    r = Reconnector(ReconnectPolicy(backoff=()), attempt_timeout=1.0)
    assert r.start(0.0, "lost") == Suspend(Reconnecting(1, 1.0, "lost"))


def test_lost_because() -> None:
    r = Reconnector(POLICY, attempt_timeout=1.0)
    assert r.lost_because(0, heard_recently=False) == "no peer connected"
    assert r.lost_because(2, heard_recently=False) == "no peer answered for 2 s"
    assert r.lost_because(2, heard_recently=True) is None
