"""``decide``: the host's rules. A command plus the current state gives the
events to replicate, or a :class:`DomainError` whose reason a player can read.

Only the host runs this. ``actor`` is the participant the host's sync layer has
bound to the sending peer (None for a peer that has not joined yet, which may
only join). Every rule that names a participant checks it against ``actor``,
so a peer can never act as someone else.

The rules live by concern: ``_membership_rules.py`` (who is in the lobby, chat,
connection changes), ``_activity_rules.py`` (the queue and runs); the checks and
limits both use are in ``_checks.py``. This module is the one entry point.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid4

from . import _commands as c
from ._activity_rules import ACTIVITY_HANDLERS
from ._checks import (
    MAX_ACTIVITY_FIELD,
    MAX_CHAT_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PAYLOAD_BYTES,
    IdFactory,
    check_wire_safe,
    clean_name,
)
from ._errors import DomainError
from ._membership_rules import MEMBERSHIP_HANDLERS, create_lobby
from ._models import Lobby

__all__ = [
    "MAX_ACTIVITY_FIELD",
    "MAX_CHAT_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_PAYLOAD_BYTES",
    "IdFactory",
    "check_wire_safe",
    "clean_name",
    "decide",
]


def decide(
    lobby: Lobby | None,
    command: object,
    actor: UUID | None,
    now: float,
    *,
    new_id: IdFactory = uuid4,
) -> list[object]:
    """Check ``command`` against the rules and return the events it causes.

    Args:
        lobby: current state (None only before CreateLobby).
        command: a user or system command.
        actor: the participant issuing it (None: a peer that has not joined).
        now: the host's clock, seconds.
        new_id: source of fresh UUIDs (tests pass a seeded one).

    Raises:
        DomainError: the command breaks a rule; ``reason`` says which.
    """
    if isinstance(command, c.CreateLobby):
        if lobby is not None:
            raise DomainError("the lobby already exists")
        return create_lobby(command, now, new_id)
    if lobby is None:
        raise DomainError("there is no lobby yet")
    # __dict__, not getattr (pydantic's __getattr__ raises and catches for a missing
    # field); ``.int``, not ``!=`` (UUID's comparison is Python code): once per command.
    lobby_id = getattr(command, "__dict__", {}).get("lobby_id")
    if lobby_id is not None and getattr(lobby_id, "int", None) != lobby.id.int:
        raise DomainError("command is for a different lobby")
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise DomainError(f"unknown command {type(command).__name__}")
    return handler(lobby, command, actor, now, new_id)


_HANDLERS: dict[type, Callable[..., list[object]]] = {**MEMBERSHIP_HANDLERS, **ACTIVITY_HANDLERS}
