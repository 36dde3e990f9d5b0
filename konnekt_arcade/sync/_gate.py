"""The lobby password: the host's gate (who proved it) and the guest's side (proving it).

The password never travels: a guest sends ``password_proof(password, lobby, host, guest)``,
bound to both peer ids so a peer posing as host cannot replay it to the real one.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from ._common import log
from ._notices import AccessDenied
from ._wire import Authenticate, AuthFailed, AuthRequired, password_proof

if TYPE_CHECKING:
    from ._engine import SyncBase


class PasswordGate:
    """Own state: the password, peers that proved it to us (host), attempts per peer, and
    hosts we sent a proof to (guest)."""

    def __init__(self, sync: SyncBase, password: str | None) -> None:
        self.s = sync
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
        if self.s.is_host or (self.s.lobby is not None and peer != self.s.host_peer):
            self.s._drop("not_from_host", peer)
            return
        if self.password is None:
            self.s._events.append(AccessDenied(peer, "this lobby needs a password"))
            return
        if peer in self._proved_to:
            return  # answered already; a second proof would not be different
        self._proved_to.add(peer)
        self.s._send(peer, Authenticate(lobby_id=msg.lobby_id, proof=password_proof(
            self.password, msg.lobby_id, peer, self.s.local_peer)))

    def on_auth_failed(self, peer: str, msg: AuthFailed, now: float) -> None:
        if peer not in self._proved_to:
            self.s._drop("unsolicited", peer)
            return
        self.s._events.append(AccessDenied(peer, msg.reason))

    def on_authenticate(self, peer: str, msg: Authenticate, now: float) -> None:
        """Check a guest's password proof; a few tries per peer, then silence."""
        if not self.s.is_host or self.s.lobby is None or msg.lobby_id != self.s.lobby.id:
            self.s._drop("not_host", peer)
            return
        if self.password is None or self.authorized(peer):
            self.s.host.send_full_sync(peer)
            return
        tries = self._auth_attempts.get(peer, 0) + 1
        if tries > self.s.config.max_auth_attempts:
            self.s._drop("auth_attempts", peer)
            return
        if len(self._auth_attempts) >= 1024:  # bounded: forget the oldest
            self._auth_attempts.pop(next(iter(self._auth_attempts)))
        self._auth_attempts[peer] = tries
        expected = password_proof(self.password, self.s.lobby.id, self.s.local_peer, peer)
        if hmac.compare_digest(expected, msg.proof):
            self._authed.add(peer)
            self._auth_attempts.pop(peer, None)
            log.info("peer %s proved the lobby password", peer)
            self.s.host.send_full_sync(peer)
        else:
            self.s._count_rejected("password", peer, "wrong password")
            self.s._send(peer, AuthFailed(reason="wrong password"))

    def authorized(self, peer: str) -> bool:
        """Whether ``peer`` may see the lobby: no password, or it proved the
        password to us, or it is a participant (it proved it when joining)."""
        return (self.password is None or peer in self._authed
                or self.s.participant_of(peer) is not None)

