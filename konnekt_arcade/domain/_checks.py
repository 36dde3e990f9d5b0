"""The checks and shared consequences every rule of ``decide`` uses: the limits on names, chat
and payloads (each with the reason for its value), "is this participant in the lobby", "is the
actor who they claim to be", and the events a departure or a last submission causes.

Kept apart from the rules themselves so the membership rules and the activity rules
(``_membership_rules.py``, ``_activity_rules.py``) share one definition of each check and
neither imports the other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from . import _commands as c
from ._errors import DomainError
from ._events import GuestLeft, LeaveReason, RunEnded, SubmitterRemoved
from ._models import ActivityRun, Lobby, Participant, RunStatus

#: Player and lobby names: short enough for a lobby list row.
MAX_NAME_LENGTH = 32
#: Chat line limit, the classic short-message length.
MAX_CHAT_LENGTH = 280
#: Activity type / display name limits (they are shown in the lobby UI).
MAX_ACTIVITY_FIELD = 64
#: Activity config and result data as JSON. They live in the replicated
#: state and in every snapshot, so one peer must not be able to bloat them;
#: 8 KiB is far more than a mini-game's settings or score details need.
MAX_PAYLOAD_BYTES = 8 * 1024

IdFactory = Callable[[], UUID]


def clean_name(raw: str, what: str = "name") -> str:
    """Trim and validate a display name, or raise a DomainError saying why."""
    name = raw.strip()
    if not name:
        raise DomainError(f"{what} must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError(f"{what} must be at most {MAX_NAME_LENGTH} characters")
    if not name.isprintable():
        raise DomainError(f"{what} must contain only printable characters")
    return name


def check_payload(data: dict[str, Any], what: str) -> None:
    """Refuse what JSON cannot carry faithfully. NaN and ±inf are not JSON: the wire encoder
    would turn them into ``null`` on every replica, so the host's state and its peers' would
    differ while their hashes agreed on something else entirely."""
    try:
        size = len(json.dumps(data, separators=(",", ":"), default=str, allow_nan=False))
    except ValueError as exc:
        if "Out of range float" in str(exc):
            raise DomainError(f"{what} must not contain NaN or infinity "
                              "(JSON has no such numbers)") from exc
        raise DomainError(f"{what} must be plain JSON") from exc
    except TypeError as exc:
        raise DomainError(f"{what} must be plain JSON") from exc
    if size > MAX_PAYLOAD_BYTES:
        raise DomainError(f"{what} must be at most {MAX_PAYLOAD_BYTES} bytes of JSON")


def check_wire_safe(command: object) -> None:
    """The checks a guest can make before sending ``command`` to the host: its payloads are
    JSON the wire carries unchanged. Without it a NaN in a guest's result data would leave as
    ``null`` and the host would accept the changed data; with it the guest reports a
    ``CommandFailed`` with the same reason the host gives.

    Raises:
        DomainError: activity config or result data that JSON cannot carry, or too large.
    """
    if isinstance(command, c.QueueActivity):
        check_payload(command.config, "activity config")
    elif isinstance(command, c.StartNextRun):
        check_payload(command.config_overrides, "activity config")
    elif isinstance(command, c.SubmitResult | c.SubmitResultFor):
        check_payload(command.data, "result data")


def member(lobby: Lobby, pid: UUID, what: str = "participant") -> Participant:
    """The participant ``pid``, or a DomainError naming ``what`` is missing."""
    p = lobby.participant(pid)
    if p is None:
        raise DomainError(f"{what} is not in the lobby")
    return p


def as_self(actor: UUID | None, pid: UUID, action: str) -> None:
    """A peer acts only for the participant its link is bound to (``.int``: cheaper than ``!=``)."""
    if actor is None or actor.int != pid.int:
        raise DomainError(f"you can only {action} for yourself")


def as_host(lobby: Lobby, actor: UUID | None, host_id: UUID, action: str) -> None:
    """The command names the host, and the sender is that host (a stale host id is refused)."""
    if actor is None or actor != host_id or actor != lobby.host_id:
        raise DomainError(f"only the host can {action}")


def current_run(lobby: Lobby, run_id: UUID) -> ActivityRun:
    """The running activity, if ``run_id`` names it: a late command for an ended run is refused."""
    run = lobby.current_run
    if run is None:
        raise DomainError("no activity is running")
    if run.id != run_id:
        raise DomainError("that activity run is not the current one")
    return run


def completion(run: ActivityRun, submitted: UUID | None = None,
               removed: UUID | None = None) -> list[object]:
    """RunEnded(Completed) if this submission/removal leaves nobody pending."""
    pending = [p for p in run.pending_submitters() if p not in (submitted, removed)]
    if pending:
        return []
    return [RunEnded(run_id=run.id, status=RunStatus.COMPLETED, reason="all results in")]


def departure(lobby: Lobby, pid: UUID, reason: LeaveReason) -> list[object]:
    """Events for a participant leaving for any reason, mid-run included."""
    events: list[object] = []
    run = lobby.current_run
    if run is not None and pid in run.pending_submitters():
        events.append(SubmitterRemoved(run_id=run.id, participant_id=pid))
        events.extend(completion(run, removed=pid))
    events.append(GuestLeft(participant_id=pid, reason=reason))
    return events
