"""What the part tests build a part with: a plain-value view of the replicated state, a real
lobby made by the domain's own rules, and recorders for the callbacks. No LobbySync."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from konnekt_arcade.domain import DomainCommand, Lobby, decide, fold
from konnekt_arcade.sync import Role, SyncConfig
from konnekt_arcade.sync._outbox import Outbox
from konnekt_arcade.sync._wire import Roster, RosterEntry, decode


@dataclass
class View:
    """A ``SyncView`` made of plain values (the parts only read it)."""

    local_peer: str = "me"
    config: SyncConfig = field(default_factory=SyncConfig)
    lobby: Lobby | None = None
    sequence: int = 0
    roster: Roster = field(default_factory=Roster)
    local_participant_id: UUID | None = None
    role: Role = Role.REPLICA
    epoch: int = 0
    host_peer: str | None = "h"

    @property
    def is_host(self) -> bool:
        return self.role is Role.HOST

    def participant_of(self, peer: str) -> UUID | None:
        return self.roster.participant_of(peer)

    def peer_of(self, participant_id: UUID | None) -> str | None:
        return self.roster.peer_of(participant_id)


def ids():
    n = 0

    def new_id() -> UUID:
        nonlocal n
        n += 1
        return UUID(int=n)
    return new_id


def lobby_of(*peers: str, now: float = 0.0) -> tuple[Lobby, Roster, dict[str, UUID]]:
    """A lobby hosted by ``peers[0]`` that the others joined in order, its roster binding
    each participant to its peer, and peer -> participant id."""
    new_id = ids()
    events = decide(None, DomainCommand.CreateLobby(lobby_name="L", host_name=peers[0]), None,
                    now, new_id=new_id)
    lobby = fold(events)
    assert lobby is not None
    who = {peers[0]: lobby.host_id}
    for i, peer in enumerate(peers[1:], 1):
        events = decide(lobby, DomainCommand.JoinLobby(lobby_id=lobby.id, guest_name=peer),
                        None, now + i, new_id=new_id)
        lobby = fold(events, lobby)
        assert lobby is not None
        who[peer] = next(p.id for p in lobby.participants if p.name == peer)
    roster = Roster(entries={str(pid): RosterEntry(peer_id=peer, token_hash="t")
                             for peer, pid in who.items()})
    return lobby, roster, who


def sent(outbox: Outbox) -> list[tuple[str, str]]:
    """(peer, message type) of everything queued, drained."""
    return [(o.peer, type(decode(o.data)).__name__) for o in outbox.take_out()]
