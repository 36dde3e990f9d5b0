"""Where every part puts what should leave the sync core: messages, notices and counts.

A part gets the one :class:`Outbox` of its ``LobbySync`` when it is built, like aioquic's
helpers get a ``send_probe`` callback: it can queue a message or a notice and count a drop,
and nothing else of the core is within its reach. The core drains it (``data_to_send``,
``drain_events``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel

from ._common import log
from ._limits import QuietLog
from ._wire import Outgoing, channel_of, encode

#: Drops that happen on any healthy lossy link; logged at debug level only.
BENIGN_DROPS = frozenset({"duplicate", "stale_epoch", "stale_heartbeat", "wrong_lobby"})


class Outbox:
    """Outgoing ``(peer, channel, bytes)``, notices for ``drain_events``, and ``stats``."""

    def __init__(self, warning_interval: float = 10.0) -> None:
        self.out: list[Outgoing] = []
        self.events: list[object] = []
        self.stats: Counter[str] = Counter()
        #: The time of the input being handled (for the rate-limited log only).
        self.now = 0.0
        self._quiet = QuietLog(log, warning_interval)

    def send(self, peer: str, msg: BaseModel) -> None:
        self.out.append(Outgoing(peer, channel_of(msg), encode(msg)))
        self.stats["sent"] += 1

    def notice(self, event: object) -> None:
        self.events.append(event)

    def take_out(self) -> list[Outgoing]:
        out, self.out = self.out, []
        return out

    def take_events(self) -> list[object]:
        out, self.events = self.events, []
        return out

    def drop(self, reason: str, peer: str, detail: Any = "") -> None:
        """Count (and log, rate-limited) a message we did not act on."""
        self.stats[f"dropped:{reason}"] += 1
        self.stats["dropped"] += 1
        if reason in BENIGN_DROPS:
            log.debug("dropped message from %s: %s %s", peer, reason, detail)
        else:
            self._quiet.warning(f"dropped:{reason}", self.now,
                                "dropped message from %s: %s %s", peer, reason, str(detail)[:200])

    def rejected(self, kind: str, peer: str, reason: str) -> None:
        """Count (and log, rate-limited) a request the rules refused."""
        self.stats[f"rejected:{kind}"] += 1
        self.stats["rejected"] += 1
        self._quiet.warning(f"rejected:{kind}", self.now, "refused %s from %s: %s",
                            kind, peer, reason)
