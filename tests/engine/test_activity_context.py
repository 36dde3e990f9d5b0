"""``ActivityContext.session`` once the session is gone: a clear error, not ``None``.

A View keeps its context after ``LobbyView`` clears ``hook.session`` (the session ended while
the round was up). ``context.session`` used to return None there, so the View's next
``context.session.local_participant_id()`` failed with an ``AttributeError`` about ``None``;
now the property is typed ``SessionLoop`` and says what happened.
"""

from __future__ import annotations

from uuid import UUID

import pytest

from konnekt_arcade import ActivityContext, SessionHook
from konnekt_arcade.domain import ActivityConfig, ActivityRun
from konnekt_arcade.session import SendFailed
from konnekt_arcade.testing import SessionGroup, memory_builder


def _run() -> ActivityRun:
    return ActivityRun(id=UUID(int=1), activity=ActivityConfig(id=UUID(int=2),
                                                               activity_type="t", name="n"),
                       required_submitters=())


def test_session_of_an_ended_session_raises_send_failed() -> None:
    context = ActivityContext(_run(), SessionHook(None))
    with pytest.raises(SendFailed, match="session has ended"):
        _ = context.session
    with pytest.raises(SendFailed):
        context.is_submitter  # noqa: B018  (reads the session)


def test_session_is_the_hooks_session() -> None:
    group = SessionGroup(memory_builder(), "memory://")
    try:
        host = group.host
        context = ActivityContext(_run(), SessionHook(host))
        assert context.session is host
        assert context.is_submitter is False  # not among the run's (empty) submitters
    finally:
        group.close()
