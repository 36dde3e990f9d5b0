"""net/_sctp.py: one association's SCTP timers get the lobby's RTO bounds; other peer
connections in the process keep aiortc's (nothing global is patched). The RTO is aiortc's
private state (``_rto``): reading it is the only way to see what the timers will do."""

from __future__ import annotations

import asyncio

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.rtcsctptransport import SCTP_RTO_INITIAL, SCTP_RTO_MIN

from konnekt_arcade.net import _sctp

pytestmark = pytest.mark.skipif(not _sctp.supported(), reason="aiortc version not mirrored")


def test_tuned_association_uses_lobby_bounds_and_others_keep_aiortcs() -> None:
    async def main() -> tuple[float, float, float, float]:
        tuned, stock = (RTCPeerConnection(RTCConfiguration(iceServers=[])) for _ in range(2))
        for pc in (tuned, stock):
            pc.createDataChannel("x", negotiated=True, id=0)
        assert _sctp.tune_timers(tuned.sctp)
        initial = tuned.sctp._rto  # type: ignore[union-attr]
        for pc in (tuned, stock):
            for _ in range(8):  # a LAN: RTT samples of 1 ms
                pc.sctp._update_rto(0.001)  # type: ignore[union-attr]
        low = tuned.sctp._rto, stock.sctp._rto  # type: ignore[union-attr]
        tuned.sctp._update_rto(100.0)  # type: ignore[union-attr]  # a stalled path
        high = tuned.sctp._rto  # type: ignore[union-attr]
        for pc in (tuned, stock):
            await pc.close()
        return initial, low[0], low[1], high

    initial, tuned_low, stock_low, tuned_high = asyncio.run(main())
    assert initial == _sctp.RTO_INITIAL < SCTP_RTO_INITIAL
    assert tuned_low == _sctp.RTO_MIN < SCTP_RTO_MIN == stock_low
    assert tuned_high == _sctp.RTO_MAX


def test_established_callback_runs_once_before_the_channels_open() -> None:
    async def main() -> list[str]:
        seen: list[str] = []
        a, b = (RTCPeerConnection(RTCConfiguration(iceServers=[])) for _ in range(2))
        channels = [pc.createDataChannel("x", negotiated=True, id=0) for pc in (a, b)]
        assert _sctp.on_established(a.sctp, lambda: seen.append(channels[0].readyState))
        channels[0].on("open", lambda: seen.append("open"))
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(a.localDescription)
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(b.localDescription)
        for _ in range(600):  # bounded: 30 s
            if "open" in seen:
                break
            await asyncio.sleep(0.05)
        for pc in (a, b):
            await pc.close()
        return seen

    seen = asyncio.run(main())
    assert seen[:2] == ["connecting", "open"], seen
    assert seen.count("open") == 1
