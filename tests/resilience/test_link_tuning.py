"""net/_sctp.py and net/_dtls.py, what a link does on a lossy network: one association's SCTP
timers get the lobby's RTO bounds while other peer connections in the process keep aiortc's
(nothing global is patched); the DTLS handshake goes out twice. The RTO and the ICE send are
aiortc's private state (``_rto``, ``_send``): the only way to see what the link will do."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.rtcsctptransport import SCTP_RTO_INITIAL, SCTP_RTO_MIN

from konnekt_arcade.net import _dtls, _sctp
from konnekt_arcade.net.peer import PeerLink

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


def test_dtls_handshake_datagrams_go_twice_and_data_once() -> None:
    """net/_dtls.py: every datagram sent while the DTLS handshake runs goes out twice, and
    nothing after it (SCTP data) is doubled."""
    async def main() -> tuple[list[tuple[str, bytes]], bool]:
        a, b = (RTCPeerConnection(RTCConfiguration(iceServers=[])) for _ in range(2))
        channels = [pc.createDataChannel("x", negotiated=True, id=0) for pc in (a, b)]
        dtls = a.sctp.transport  # type: ignore[union-attr]
        sent: list[tuple[str, bytes]] = []
        ice = dtls.transport
        raw = ice._send  # type: ignore[attr-defined]

        async def spy(data: bytes) -> None:
            sent.append((dtls.state, data))
            await raw(data)

        ice._send = spy  # type: ignore[attr-defined]
        installed = _dtls.double_handshake(dtls)
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(a.localDescription)
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(b.localDescription)
        for _ in range(600):  # bounded: 30 s
            if channels[0].readyState == "open":
                break
            await asyncio.sleep(0.05)
        channels[0].send(b"after the handshake")
        await asyncio.sleep(0.2)
        for pc in (a, b):
            await pc.close()
        return sent, installed

    sent, installed = asyncio.run(main())
    assert installed
    handshake = [data for state, data in sent if state == "connecting"]
    after = [data for state, data in sent if state == "connected"]
    assert handshake and len(handshake) % 2 == 0
    assert handshake[0::2] == handshake[1::2]  # each datagram, then its copy
    assert after and all(x != y for x, y in itertools.pairwise(after))


def test_messages_before_our_side_opens_wait_for_peer_connected() -> None:
    """net/peer.py: the host's side of a link opens first and it sends the snapshot at once;
    when our COOKIE-ACK is lost aiortc hands us that data before our channels open. It must
    come up after our PeerConnected, not before (a guest synced by it sent its JoinLobby into
    a link not yet open, and the command went unanswered)."""
    async def main() -> list[tuple[str, object]]:
        seen: list[tuple[str, object]] = []

        async def send_signal(remote: str, signal: object) -> bool:
            return True

        link = PeerLink("host", RTCConfiguration(iceServers=[]), send_signal=send_signal,
                        on_connected=lambda key: seen.append(("connected", key)),
                        on_message=lambda key, ch, data: seen.append(("message", data)),
                        on_closed=lambda *args: seen.append(("closed", args)),
                        connect_timeout=30.0)
        link.channels[0].emit("message", b"snapshot")  # before our side is open
        link.channels[1].emit("message", b"heartbeat")
        assert seen == []
        for channel in link.channels:  # our COOKIE-ACK arrives: aiortc opens the channels
            channel._setReadyState("open")
        link.channels[0].emit("message", b"later")
        task = link.close("done")
        if task is not None:
            await task
        return seen

    seen = asyncio.run(main())
    assert seen[:4] == [("connected", "host"), ("message", b"snapshot"),
                        ("message", b"heartbeat"), ("message", b"later")], seen
