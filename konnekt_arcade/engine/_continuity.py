"""What ``LobbyView`` does when its session stops being live: a pure decision, tested alone.

A live session (the lobby screen, or a game's view, on screen) can be *lost* — RECONNECTING:
the session rejoins by itself — or *end* — FAILED or CLOSED. Either way the player must see it
at once, in front of whatever game view is up: a game's "waiting for the others" would wait
for ever. A lost lobby stays on the lobby screen with the actions that cannot work disabled;
an ended one goes back to the start screen, saying what happened in words that match the
cause (a lobby that stopped answering is not "couldn't reach the signalling server").
A session that never became live keeps the connecting screen, which shows where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..session import ConnectionStage, P2PError
from ._friendly import friendly_error, friendly_lost


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do: show the lobby view in front of the game's (``to_front``), leave the
    session for the start screen (``to_start``), show ``message`` (None: keep the current)."""

    to_front: bool = False
    to_start: bool = False
    message: str | None = None


def after_stage(stage: ConnectionStage, error: P2PError | None, *, was_live: bool,
                lost_because: str = "", signalling_url: str = "") -> Verdict:
    """The verdict for a session that moved to ``stage``.

    ``was_live``: the lobby screen or a game was showing this session. ``lost_because``: the
    reason of the reconnection under way, if any (it names the cause better than the final
    error does)."""
    if stage is ConnectionStage.RECONNECTING:
        return Verdict(to_front=True)
    if stage in (ConnectionStage.FAILED, ConnectionStage.CLOSED) and was_live:
        if lost_because:
            message = friendly_lost(lost_because)
        elif error is None:
            message = "The lobby was closed."
        else:
            message = friendly_error(error, signalling_url)
        return Verdict(to_front=True, to_start=True, message=message)
    if stage is ConnectionStage.FAILED:
        return Verdict(message=friendly_error(error, signalling_url))
    return Verdict()
