"""Read-only views of a sync engine's parts, for tests and diagnostics.

A mixin of ``SyncBase`` kept apart from the role machine (``_core``): nothing here changes
state, so the core module stays about moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._exactly_once import Commands
    from ._gate import PasswordGate
    from ._liveness import Liveness
    from ._replica import Replica


class Diagnostics:
    """What a test or a stats page may read about the parts."""

    liveness: Liveness
    replica: Replica
    commands: Commands
    gate: PasswordGate

    @property
    def connected_peers(self) -> list[str]:
        return sorted(self.liveness.seen)

    @property
    def buffered_events(self) -> int:
        """Out-of-order events held while a gap is repaired."""
        return self.replica.buffered

    @property
    def commands_in_flight(self) -> int:
        """Our commands the host has not answered yet."""
        return len(self.commands.pending)

    @property
    def password_verified_peers(self) -> frozenset[str]:
        """Peers that proved the lobby password to us (host side)."""
        return self.gate.verified_peers

    def command_outcome(self, request_id: int) -> str | None:
        """How our command ``request_id`` ended: "accepted", "failed", or None while it
        is in flight (or too old to remember)."""
        return self.commands.outcome(request_id)
