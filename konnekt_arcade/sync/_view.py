"""What a sync part may read of the replicated state: a small read-only protocol.

Parts never import the core (``_core.py``); they are built with an object that has these
public, read-only members (the core itself, or a plain dataclass in a part's unit test) and
with callbacks for what they may make happen. Nothing here is written through the view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from ..domain import Lobby
    from ._config import SyncConfig
    from ._role import Role
    from ._wire import Roster


class SyncView(Protocol):
    """The replicated state and who we are, as the parts see it."""

    local_peer: str
    config: SyncConfig
    lobby: Lobby | None
    sequence: int
    roster: Roster
    local_participant_id: UUID | None

    @property
    def role(self) -> Role: ...

    @property
    def epoch(self) -> int: ...

    @property
    def host_peer(self) -> str | None: ...

    @property
    def is_host(self) -> bool: ...

    def participant_of(self, peer: str) -> UUID | None: ...

    def peer_of(self, participant_id: UUID | None) -> str | None: ...
