"""A peer of another protocol version: refused by the host, told apart by the joining guest.

Why here and not in the decoder: what a mismatch means depends on who we are. ``_wire``
only says that an envelope speaks another version (and which, and whether it is that peer's
refusal of us); this part decides, with ``now`` passed in like every part:

- **A host** refuses a peer that is not a participant: it counts ``version_refused``, logs
  once, answers once with the version-independent refusal (``_wire.refusal``), stops sending
  to it (``unlink``) and tells the session (:class:`IncompatiblePeer`). Nothing the peer sends
  is ever parsed, so it never joins; its messages stay dropped and counted (``bad_version``),
  which is also all an older release that knows nothing of refusals gets.
- **A guest that has no lobby yet** learns that the lobby speaks another version: at once
  from the host's refusal, or, if the host is of a release without refusals, when nothing
  compatible arrived within ``VERSION_GRACE`` of the first mismatch (another joiner of another
  version may be linked to us too, so one stray message is not proof: the host's snapshot,
  sent as the channel opens, normally wins that race). It answers the first mismatch of each
  peer with a message of its own version, so a host learns of us within one round trip. Then
  :class:`IncompatibleLobby` comes out of ``drain_events`` and the session fails with
  ``IncompatibleVersion``.
- **A synced guest** only drops and counts (a newcomer of another version is the host's to
  refuse).
"""

from __future__ import annotations

from collections.abc import Callable

from . import _wire
from ._common import log
from ._notices import IncompatibleLobby, IncompatiblePeer
from ._outbox import Outbox
from ._view import SyncView
from ._wire import Channel, Outgoing, RequestFullSync

#: How long a joining guest waits, after hearing another version, for anything it can read
#: before it concludes the lobby speaks another version (the host is of a release that sends
#: no refusal). Two heartbeats: long enough for the host's snapshot to win a race with a
#: stray joiner of another version, far inside the 10 s sync deadline a player would wait.
VERSION_GRACE = 1.0
#: Peers remembered as refused or answered (the oldest forgotten): far more than connect to
#: one lobby; bounded so a flood of fresh peer ids costs nothing.
MAX_REMEMBERED_PEERS = 1024


class VersionGate:
    """Own state: peers refused (host) or answered (guest), the first mismatch a joining
    guest heard and when it last heard anything it could read. ``unlink`` and ``give_up``
    (the liveness part's) stop sending to a refused peer and stop waiting for it."""

    def __init__(self, view: SyncView, outbox: Outbox, *, unlink: Callable[[str], None],
                 give_up: Callable[[str], object]) -> None:
        self.v = view
        self.out = outbox
        self._unlink = unlink
        self._give_up = give_up
        self._told: dict[str, int] = {}
        #: (their version, when) of the first mismatch heard while joining.
        self._mismatch: tuple[int, float] | None = None
        self._failed = False
        #: When a message of our version last arrived (set by the core on every one).
        self.last_compatible = float("-inf")

    @property
    def refused_peers(self) -> dict[str, int]:
        """Peers told about our version so far, with the version they speak."""
        return dict(self._told)

    def on_mismatch(self, peer: str, version: int | None, refused: bool, now: float) -> None:
        """``peer`` sent an envelope of ``version`` (None: a version out of any range);
        ``refused``: it was that peer's refusal of us."""
        if version is None or self._failed:
            return
        joining = self.v.lobby is None and not self.v.is_host
        if joining and refused:
            self._fail(peer, version)
        elif joining:
            if self._mismatch is None:
                self._mismatch = (version, now)
            if self._remember(peer, version):  # the host learns ours within one round trip
                self.out.send(peer, RequestFullSync(lobby_id=None, last_known_sequence=0))
        elif self.v.is_host and self.v.participant_of(peer) is None:
            if self._remember(peer, version):
                self.out.stats["version_refused"] += 1
                log.warning("refused peer %s: it speaks protocol %d, this lobby %d", peer,
                            version, _wire.PROTOCOL_VERSION)
                self.out.out.append(Outgoing(peer, Channel.RELIABLE, _wire.refusal(version)))
                self.out.notice(IncompatiblePeer(peer, version, _wire.PROTOCOL_VERSION))
            self._unlink(peer)  # (again after a reconnect: it is never sent the lobby)
            self._give_up(peer)

    def tick(self, now: float) -> None:
        """A joining guest that heard only another version for ``VERSION_GRACE`` gives up."""
        mismatch = self._mismatch
        if mismatch is None or self._failed:
            return
        if self.v.lobby is not None or self.last_compatible >= mismatch[1]:
            self._mismatch = None  # something we can read arrived: that is our lobby
        elif now - mismatch[1] >= VERSION_GRACE:
            self._fail(None, mismatch[0])

    def _fail(self, peer: str | None, version: int) -> None:
        self._failed = True
        self.out.stats["version_incompatible"] += 1
        self.out.notice(IncompatibleLobby(peer, version, _wire.PROTOCOL_VERSION))

    def _remember(self, peer: str, version: int) -> bool:
        """Note ``peer``; False if it was noted already (each peer is told once)."""
        if peer in self._told:
            return False
        if len(self._told) >= MAX_REMEMBERED_PEERS:
            self._told.pop(next(iter(self._told)))
        self._told[peer] = version
        return True
