"""Handing a directory entry to the lobby's next host: ``takeover`` and ``rotate``.

A registering host gets two secrets. The owner token lets it alone heartbeat, change and
remove its entry. The member key it shares with its lobby's members only (the replicated
roster: only peers in the lobby receive it). When the host is gone (crashed, quit, lost the
role), the member that became host sends ``takeover`` with that key; the directory checks it
against the code's claim, live entry or tombstone (so a lobby whose old host removed it on
quitting, or whose entry expired during a slow migration, is taken back too), and answers with
a fresh owner token: the old host's token stops working, so a former host cannot overwrite its
successor's entry. The key stays (every member still holds it, so when the role moves again,
or flaps back during a partition, the next host takes over too); the host ``rotate``s it
whenever someone leaves the lobby or is kicked, so only peers that are members *now* hold a
key that works. Someone who knows the code and the session id but not the key (an outsider,
or an ex-member after the rotation) is refused and counted (``stats["takeover_refused"]``).

Pure rules over a ``DirectoryStore``; the service parses and counts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import replace

from ._codes import issue_token
from ._limits import DirectoryLimits
from ._model import LobbyFields, LobbyRecord, split_claim
from ._store import DirectoryStore

#: Longest member key parsed (``new_member_key`` makes 32 characters).
MAX_KEY_LENGTH = 128


def secret_hash(secret: str) -> str:
    """What the store keeps of a token or key (a leaked store dump cannot be used)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_member_key() -> str:
    """A fresh member key: 192 random bits, so guessing one is hopeless."""
    return secrets.token_urlsafe(24)


async def take_over(store: DirectoryStore, code: str, key: str, lobby: LobbyFields, *,
                    client: str, now: float, limits: DirectoryLimits,
                    secret: bytes) -> tuple[LobbyRecord, str, str] | None:
    """The entry of ``code`` for the new host ``client`` describing ``lobby``, with its new
    owner token and the (unchanged) member key; None when ``key`` is not the code's current
    member key (or names another session, or another member took it over at that moment)."""
    claim = await store.owner(code)
    member = split_claim(claim)[1] if claim else ""
    if not member or not hmac.compare_digest(member, secret_hash(key)):
        return None
    live = await store.get(code)
    if live is not None and live.session_id != lobby.session_id:
        return None
    token = issue_token(secret, code)
    record = LobbyRecord(code=code, **lobby.__dict__,
                         created_at=live.created_at if live is not None else now,
                         updated_at=now, owner_hash=secret_hash(token), member_hash=member,
                         client=client)
    assert claim is not None
    if not await store.take_over(claim, record, limits.ttl, grace=limits.code_grace):
        return None
    return record, token, key


async def rotate(store: DirectoryStore, code: str, token: str, *,
                 limits: DirectoryLimits) -> tuple[LobbyRecord, str] | None:
    """A new member key for the live entry ``token`` owns; None when it does not."""
    record = await store.get(code)
    if record is None or not hmac.compare_digest(record.owner_hash, secret_hash(token)):
        return None
    key = new_member_key()
    rotated = replace(record, member_hash=secret_hash(key))
    if not await store.take_over(record.claim, rotated, limits.ttl, grace=limits.code_grace):
        return None
    return rotated, key
