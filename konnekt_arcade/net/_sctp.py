"""SCTP retransmission timers that suit a lobby, on one association at a time.

aiortc 1.16's SCTP starts every association with a 3 s retransmission timeout (RTO) and never
goes below 1 s (``SCTP_RTO_INITIAL``, ``SCTP_RTO_MIN``); its T1 (INIT, COOKIE-ECHO) and T3 (data)
timers retransmit at that RTO without backing off. On a lossy network this is where a join and
a chat line lose their seconds: a lost INIT, INIT-ACK, COOKIE-ECHO or COOKIE-ACK costs 3 s each
before the channel can open; a guest's first message (its JoinLobby) leaves before there is any
round-trip sample, so one lost packet delays it 3 s; later, every lost packet costs at least
1 s, two in a row 2 s, and so on. Lobby traffic is a trickle of small messages, so fast
retransmit (three SACKs reporting a gap) rarely rescues it: the timer does.

RFC 9260 picked 3 s / 1 s for the open Internet of 2000 (unknown paths, no RTT sample).
Here the RTT is measured after the first round trip and lobby peers are at most a continent
apart, so we use ``RTO_INITIAL`` = 1 s (as TCP does since RFC 6298), ``RTO_MIN`` = 0.2 s (as
Linux TCP does) and ``RTO_MAX`` = 10 s. A spurious retransmission costs one duplicate packet
that SCTP drops; a late one costs the player a frozen lobby.

Like ``_gather``, this mirrors private aiortc code (``RTCSctpTransport._update_rto``, the
``_rto`` attribute, ``_set_state``), so it is installed only on the aiortc version it was
written against; elsewhere it logs one warning and leaves aiortc's timers alone. Nothing global
is patched: instance attributes shadow the methods of one transport.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import aiortc
from aiortc import rtcsctptransport
from aiortc.rtcsctptransport import RTCSctpTransport

logger = logging.getLogger(__name__)

#: aiortc versions (major.minor) whose private SCTP timer code this module mirrors.
SUPPORTED_AIORTC = ("1.16",)
#: Before the first RTT sample (aiortc: 3 s). 1 s is TCP's initial RTO (RFC 6298 2.1).
RTO_INITIAL = 1.0
#: Floor of the measured RTO (aiortc: 1 s). Linux TCP's floor; a LAN's RTT is far below it.
RTO_MIN = 0.2
#: Ceiling of the measured RTO (aiortc: 60 s): a lobby peer whose RTT estimate says more is
#: better declared lost by liveness than waited for.
RTO_MAX = 10.0

_warned = False


def supported() -> bool:
    """True when the installed aiortc is the version mirrored here."""
    version = ".".join(aiortc.__version__.split(".")[:2])
    return (version in SUPPORTED_AIORTC
            and hasattr(rtcsctptransport, "SCTP_RTO_ALPHA")
            and hasattr(rtcsctptransport, "SCTP_RTO_BETA")
            and hasattr(RTCSctpTransport, "_update_rto")
            and hasattr(RTCSctpTransport, "_set_state"))


def _usable() -> bool:
    global _warned
    if supported():
        return True
    if not _warned:
        _warned = True
        logger.warning("aiortc %s: SCTP timers are tuned (and association set-up timed) only "
                       "on aiortc %s; keeping aiortc's (3 s initial, 1 s minimum RTO)",
                       aiortc.__version__, "/".join(SUPPORTED_AIORTC))
    return False


def tune_timers(sctp: RTCSctpTransport | None) -> bool:
    """Give ``sctp`` the lobby's RTO bounds. Call right after the first ``createDataChannel``
    (before any SCTP packet). Returns False (warning once per process) on an aiortc version
    this module does not mirror."""
    if sctp is None or not _usable():
        return False
    patched: Any = sctp  # instance attributes shadow the class's methods
    if patched._srtt is None:
        patched._rto = RTO_INITIAL
    patched._update_rto = lambda rtt: _update_rto(patched, rtt)
    return True


def on_established(sctp: RTCSctpTransport | None, callback: Callable[[], None]) -> bool:
    """Call ``callback`` once, when ``sctp``'s association is up (aiortc has no event for it;
    negotiated data channels open in the same step, so this is the join timeline's only way to
    tell the SCTP handshake from the channels)."""
    if sctp is None or not _usable():
        return False
    patched: Any = sctp
    set_state = patched._set_state
    established = RTCSctpTransport.State.ESTABLISHED

    def _set_state(state: RTCSctpTransport.State) -> None:
        if state == established and patched._association_state != established:
            callback()  # first: the same step opens the channels, which ends the timeline
        set_state(state)

    patched._set_state = _set_state
    return True


def _update_rto(sctp: Any, rtt: float) -> None:
    """aiortc 1.16's ``_update_rto`` (RFC 9260 6.3.1) with our floor and ceiling."""
    alpha, beta = rtcsctptransport.SCTP_RTO_ALPHA, rtcsctptransport.SCTP_RTO_BETA
    if sctp._srtt is None:
        sctp._rttvar = rtt / 2
        sctp._srtt = rtt
    else:
        sctp._rttvar = (1 - beta) * sctp._rttvar + beta * abs(sctp._srtt - rtt)
        sctp._srtt = (1 - alpha) * sctp._srtt + alpha * rtt
    sctp._rto = max(RTO_MIN, min(sctp._srtt + 4 * sctp._rttvar, RTO_MAX))


__all__ = ["RTO_INITIAL", "RTO_MAX", "RTO_MIN", "on_established", "supported", "tune_timers"]
