"""Real processes (``childproc``'s session role) for the continuity tests: the resilience
suite's pool and lobby helpers, shared rather than copied."""

from __future__ import annotations

from tests.resilience.conftest import Proc, Procs, converge, lobby, procs, signalling

__all__ = ["Proc", "Procs", "converge", "lobby", "procs", "signalling"]
