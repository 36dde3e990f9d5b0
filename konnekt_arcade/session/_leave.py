"""Leaving on purpose, and being left: the session's side of a host change (issue 23).

A host that closes its session hands the lobby over first, so its guests see a clean
hand-over (``HostDelegated`` to the successor, then the old host's ``GuestLeft`` with the
reason ``left``) rather than a loss they must time out. A guest that loses its host with
nobody else in the lobby takes over rather than reconnect (``alone_with_host``).

The hand-over is bounded (``HAND_OVER_TIMEOUT``): ``close()`` must return promptly even when
the successor never answers; the guests then find the old host gone as after a crash.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from uuid import UUID

from ..domain import DomainCommand, Lobby
from ..sync import LobbySync
from ._p2p_loop import P2PLoop

logger = logging.getLogger("konnekt_arcade.session")

#: How long ``close()`` waits for the successor to confirm the hand-over. Over loopback or a
#: LAN the answer takes a few milliseconds (two polls of each side); we wait for it because
#: closing a WebRTC link aborts its SCTP association, losing whatever was not sent yet. A
#: window that takes a third of a second to close is still a prompt close.
HAND_OVER_TIMEOUT = 0.3
#: Pause between two polls while waiting for the successor's answer.
_POLL_SLEEP = 0.002
#: ``PeerDisconnected`` reasons that say the peer itself went, not the network between us:
#: the signalling server saw it leave, or it closed its end of the link (WebRTC's words, and
#: the in-memory transport's). Losing the last peer so is no sign of our own network failing:
#: no reconnection, no re-registration (which games would hear of as a signalling loss).
PEER_WENT = frozenset({"peer left", "data channel closed"})


def alone_with_host(lobby: Lobby | None, me: UUID | None) -> bool:
    """Whether nobody but us and the host is connected in ``lobby``. Losing the mesh then
    means losing the host (or our own network: a partition, which the sync engine heals when
    the link returns — the higher claim wins, the loser rejoins with its token), and a rejoin
    would look for a lobby nobody else is left to keep."""
    if lobby is None:
        return False
    return not any(p.connected and p.id not in (me, lobby.host_id) for p in lobby.participants)


def may_rejoin(sync: LobbySync | None) -> bool:
    """Whether a guest that lost the mesh should rejoin (rather than let the sync engine
    elect a successor, maybe itself): it has a lobby and a token, and someone besides the
    host is left to keep the lobby."""
    return (sync is not None and not sync.is_host and sync.lobby is not None
            and sync.reconnect_token is not None
            and not alone_with_host(sync.lobby, sync.local_participant_id))


def successor(lobby: Lobby, me: UUID, peer_of: Callable[[UUID], str | None],
              reachable: Collection[str]) -> UUID | None:
    """Whom a leaving host hands over to: the domain's successor rule (earliest-joined
    connected participant, ties by id) among the participants whose peer we can still
    reach — handing the lobby to a peer our transport has lost would hand it to nobody."""
    candidates = [p for p in lobby.participants
                  if p.connected and p.id != me and peer_of(p.id) in reachable]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (p.joined_at, str(p.id))).id


def hand_over(p2p: P2PLoop, timeout: float = HAND_OVER_TIMEOUT) -> float | None:
    """As host, delegate to the successor and leave the lobby (the ``LeaveLobby`` goes to
    the new host, which sequences our departure); wait at most ``timeout`` s of real time
    for its answer. Returns the seconds the hand-over took, None if there was nobody to hand
    over to or the successor did not answer in time."""
    sync = p2p.sync
    lobby = sync.lobby if sync is not None else None
    if sync is None or lobby is None or not sync.is_host or sync.local_participant_id is None:
        return None
    me = sync.local_participant_id
    target = successor(lobby, me, sync.peer_of, set(p2p.connected_peers()))
    if target is None:
        return None
    started = time.monotonic()
    now = p2p.clock()
    sync.submit(DomainCommand.DelegateHost(lobby_id=lobby.id, current_host_id=me,
                                           new_host_id=target), now)
    leave = sync.submit(DomainCommand.LeaveLobby(lobby_id=lobby.id, participant_id=me), now)
    p2p.flush()
    deadline = started + timeout
    peer = sync.peer_of(target)
    while sync.command_outcome(leave) is None and time.monotonic() < deadline:
        time.sleep(_POLL_SLEEP)
        p2p.poll()
        if peer not in p2p.connected_peers():  # (everyone closing at once: a game's end)
            logger.info("👋 Our successor %s left too; closing without a hand-over", peer)
            return None
    took = time.monotonic() - started
    if sync.command_outcome(leave) != "accepted":
        logger.warning("👋 The new host did not confirm our leaving within %.0f ms; closing",
                       timeout * 1000)
        return None
    logger.info("👋 Handed the lobby over to %s in %.0f ms", peer, took * 1000)
    return took
