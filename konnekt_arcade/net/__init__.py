"""Networking for konnekt-arcade: Matchbox signalling, a WebRTC mesh, an in-memory transport.

The game thread uses a ``Transport`` (``WebRtcTransport`` or ``InMemoryTransport``) through
non-blocking ``poll``/``send``/``broadcast``; everything asyncio runs on one background thread.
"""

from .events import (
    CHANNEL_RELIABLE,
    CHANNEL_UNRELIABLE,
    IdAssigned,
    LinkProgress,
    Message,
    PeerConnected,
    PeerDisconnected,
    SignallingLost,
    SignallingRestored,
    Transport,
    TransportError,
    TransportEvent,
)
from .memory import InMemoryNetwork, InMemoryTransport
from .signalling_client import (
    SignallingClient,
    SignallingError,
    SignallingRefused,
    SignallingTimeout,
)
from .signalling_messages import SignallingProtocolError
from .signalling_server import SignallingServer
from .webrtc import IceServerConfig, WebRtcTransport

__all__ = [
    "CHANNEL_RELIABLE",
    "CHANNEL_UNRELIABLE",
    "IceServerConfig",
    "IdAssigned",
    "InMemoryNetwork",
    "InMemoryTransport",
    "LinkProgress",
    "Message",
    "PeerConnected",
    "PeerDisconnected",
    "SignallingClient",
    "SignallingError",
    "SignallingLost",
    "SignallingProtocolError",
    "SignallingRefused",
    "SignallingRestored",
    "SignallingServer",
    "SignallingTimeout",
    "Transport",
    "TransportError",
    "TransportEvent",
    "WebRtcTransport",
]
