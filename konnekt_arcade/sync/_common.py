"""Small things every part of the sync engine uses."""

from __future__ import annotations

import hashlib
import logging

log = logging.getLogger("konnekt_arcade.sync")

#: Events per MissingEventsResponse, so one reply stays well under the
#: message size limit; the requester asks again for the rest.
MAX_EVENTS_PER_RESPONSE = 128


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
