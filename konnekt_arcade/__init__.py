"""konnekt-arcade: peer-to-peer multiplayer lobbies for arcade games.

The public API lives here; submodules whose names start with ``_`` are private.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
