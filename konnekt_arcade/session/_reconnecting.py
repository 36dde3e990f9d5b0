"""How a ``SessionLoop`` notices it lost the lobby and rejoins by itself.

A mixin of ``SessionLoop`` (it uses the loop's ``_p2p``, ``_reconnector``, ``stage``, and its
``_set_stage``/``_fail``/``_notices``): the decision is the sans-I/O ``Reconnector``'s
(``_reconnect.py``); this part only watches the mesh and carries the decisions out.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ._errors import ConnectionFailed, P2PError
from ._leave import PEER_WENT, may_rejoin
from ._reconnect import GiveUp, Reconnector, Resume, Suspend
from ._types import ConnectionStage, ReconnectPolicy, SessionNotice

if TYPE_CHECKING:
    from ._p2p_loop import P2PLoop
    from ._queues import DropOldestQueue
    from ._session_id import SessionId

logger = logging.getLogger("konnekt_arcade.session")


class Reconnecting:
    """The reconnection half of ``SessionLoop``."""

    _p2p: P2PLoop
    _reconnector: Reconnector
    _notices: DropOldestQueue[SessionNotice]
    stage: ConnectionStage
    session_id: SessionId
    signalling_url: str

    if TYPE_CHECKING:  # SessionLoop's (declared for the checker only: a runtime stub here
        # would shadow a later base's real method)
        def _set_stage(self, stage: ConnectionStage, deadline: float | None) -> None: ...
        def _fail(self, error: P2PError) -> None: ...
        def is_host(self) -> bool: ...

    # --- reconnection -------------------------------------------------------------------------

    @property
    def reconnect_policy(self) -> ReconnectPolicy:
        """How this session rejoins by itself (``P2PLoopBuilder.reconnect_policy``)."""
        return self._reconnector.policy

    @reconnect_policy.setter
    def reconnect_policy(self, policy: ReconnectPolicy) -> None:
        self._reconnector.policy = policy

    def _may_reconnect(self) -> bool:
        return (self.reconnect_policy.enabled and self.stage is ConnectionStage.SYNCED
                and may_rejoin(self._p2p.sync))

    def _on_mesh_lost(self, peer: str, reason: str, now: float) -> bool:
        """The last peer went away: the sync engine elects a successor (maybe us) if it left
        or we were alone with it; else it may be our own network: we reconnect."""
        if reason in PEER_WENT:
            return False
        if not self._may_reconnect():
            # A host (or a guest that may not reconnect) keeps its session and re-registers,
            # so the peers it lost find it again (sync heals the partition, see _leave).
            transport = self._p2p.transport
            if transport is not None:
                logger.warning("🔌 Lost every peer (%s); re-registering so they find us again",
                               reason)
                transport.refresh_signalling()
            return False
        self._start_reconnect(now, f"lost the last peer ({reason})")
        return True

    def _before_tick(self, now: float) -> None:
        """Before the sync engine's tick (``P2PLoop.before_tick``): the mesh check first."""
        if self.stage is ConnectionStage.SYNCED:
            self._check_mesh(now)

    def _check_mesh(self, now: float) -> None:
        if not self._may_reconnect() or self._p2p.suspended:
            return
        peers = self._p2p.connected_peers()
        heard = self._p2p.heard_from_any(now, self.reconnect_policy.silence, peers)
        reason = self._reconnector.lost_because(len(peers), heard)
        if reason is not None:
            self._start_reconnect(now, reason)

    def _start_reconnect(self, now: float, reason: str) -> None:
        logger.warning("🔌 Lost the lobby (%s); reconnecting", reason)
        sync = self._p2p.sync
        self._apply(self._reconnector.start(
            now, reason, sync.config.grace_period if sync is not None else None))
        self._set_stage(ConnectionStage.RECONNECTING, None)

    def _apply(self, action: Suspend | Resume | GiveUp | None) -> None:
        """Carry out what the ``Reconnector`` decided."""
        match action:
            case Suspend(notice=notice):
                self._p2p.suspend_transport()
                self._notices.put(notice)
            case Resume(attempt=attempt):
                logger.info("🔁 Reconnect attempt %d to %s", attempt, self.signalling_url)
                self._p2p.resume_transport()
            case GiveUp(attempts=attempts, budget=budget, last_reason=last):
                self._fail(ConnectionFailed.rejoin(str(self.session_id), budget, attempts, last,
                                                   self.is_host()))

