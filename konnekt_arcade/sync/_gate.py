"""The lobby password: the host's gate (who proved it) and the guest's side (proving it).

The password never travels: a guest sends ``password_proof(password, lobby, host, guest)``,
bound to both peer ids so a peer posing as host cannot replay it to the real one.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from ._common import log
from ._notices import AccessDenied
from ._outbox import Outbox
from ._view import SyncView
from ._wire import Authenticate, AuthFailed, AuthRequired, password_proof

#: Peers whose password attempts we count at most (the oldest forgotten): far more than
#: connect to one lobby; bounded so a flood of fresh peer ids costs nothing.
MAX_COUNTED_PEERS = 1024


class PasswordGate:
    """Own state: the password, peers that proved it to us (host), attempts per peer, and
    hosts we sent a proof to (guest). ``send_full_sync`` shows the lobby to a peer that
    proved the password."""

    def __init__(self, view: SyncView, outbox: Outbox, password: str | None,
                 send_full_sync: Callable[[str], None]) -> None:
        self.v = view
        self.out = outbox
        self._send_full_sync = send_full_sync
        #: Never sent anywhere (see ``password_proof``).
        self.password = password or None
        self._authed: set[str] = set()
        self._auth_attempts: dict[str, int] = {}
        self._proved_to: set[str] = set()

    @property
    def verified_peers(self) -> frozenset[str]:
        return frozenset(self._authed)

    def forget(self, peer: str) -> None:
        self._authed.discard(peer)

    def forget_proofs(self) -> None:
        """After a rejoin under a new peer id, every proof was bound to the old one."""
        self._proved_to.clear()

    def on_auth_required(self, peer: str, msg: AuthRequired, now: float) -> None:
        """A host wants the password before showing us the lobby."""
        if self.v.is_host or (self.v.lobby is not None and peer != self.v.host_peer):
            self.out.drop("not_from_host", peer)
            return
        if self.password is None:
            self.out.notice(AccessDenied(peer, "this lobby needs a password"))
            return
        if peer in self._proved_to:
            return  # answered already; a second proof would not be different
        self._proved_to.add(peer)
        self.out.send(peer, Authenticate(lobby_id=msg.lobby_id, proof=password_proof(
            self.password, msg.lobby_id, peer, self.v.local_peer)))

    def on_auth_failed(self, peer: str, msg: AuthFailed, now: float) -> None:
        if peer not in self._proved_to:
            self.out.drop("unsolicited", peer)
            return
        self.out.notice(AccessDenied(peer, msg.reason))

    def on_authenticate(self, peer: str, msg: Authenticate, now: float) -> None:
        """Check a guest's password proof; a few tries per peer, then silence."""
        if not self.v.is_host or self.v.lobby is None or msg.lobby_id != self.v.lobby.id:
            self.out.drop("not_host", peer)
            return
        if self.password is None or self.authorized(peer):
            self._send_full_sync(peer)
            return
        tries = self._auth_attempts.get(peer, 0) + 1
        if tries > self.v.config.max_auth_attempts:
            self.out.drop("auth_attempts", peer)
            return
        if len(self._auth_attempts) >= MAX_COUNTED_PEERS:  # forget the oldest
            self._auth_attempts.pop(next(iter(self._auth_attempts)))
        self._auth_attempts[peer] = tries
        expected = password_proof(self.password, self.v.lobby.id, self.v.local_peer, peer)
        if hmac.compare_digest(expected, msg.proof):
            self._authed.add(peer)
            self._auth_attempts.pop(peer, None)
            log.info("peer %s proved the lobby password", peer)
            self._send_full_sync(peer)
        else:
            self.out.rejected("password", peer, "wrong password")
            self.out.send(peer, AuthFailed(reason="wrong password"))

    def authorized(self, peer: str) -> bool:
        """Whether ``peer`` may see the lobby: no password, or it proved the
        password to us, or it is a participant (it proved it when joining)."""
        return (self.password is None or peer in self._authed
                or self.v.participant_of(peer) is not None)

