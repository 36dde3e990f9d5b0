"""Join codes: short, unambiguous, random.

5 characters from 29 (digits 2-9 and A-Z without I, L, O, Q, U: no 0/O, 1/I/L, U/V mix-ups,
and no accidental words with U) give 20.5 M codes, the poki/netlib choice. ``secrets`` makes
them unguessable. A collision re-draws; after a few collisions the code grows by one, so a
nearly full space never loops.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPRSTVWXYZ"
CODE_LENGTH = 5
#: Longest code ever issued (a code grows by one after ``DRAWS_PER_LENGTH`` collisions).
MAX_CODE_LENGTH = 8
#: Collisions tolerated at one length before growing; at 10 000 entries a 5-character draw
#: collides with p = 0.0005, so growing means the space really is crowded.
DRAWS_PER_LENGTH = 3

_ALLOWED = frozenset(ALPHABET)


def new_code(length: int = CODE_LENGTH) -> str:
    """A fresh random code of ``length`` characters."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def code_attempts() -> list[int]:
    """The lengths to try, in order, when drawing a free code."""
    return [n for n in range(CODE_LENGTH, MAX_CODE_LENGTH + 1) for _ in range(DRAWS_PER_LENGTH)]


def normalize_code(text: str) -> str | None:
    """``" k7qxb "`` -> ``"K7QXB"``; None when ``text`` cannot be a code (case-insensitive)."""
    if not isinstance(text, str):
        return None
    code = text.strip().upper()
    if CODE_LENGTH <= len(code) <= MAX_CODE_LENGTH and set(code) <= _ALLOWED:
        return code
    return None


def looks_like_code(text: object) -> bool:
    """True for short letters-and-digits text that a player may have meant as a join code
    (even with a look-alike such as O or Q, so the error says "no lobby with that code"
    rather than "not a session id")."""
    return (isinstance(text, str) and CODE_LENGTH <= len(text.strip()) <= MAX_CODE_LENGTH
            and text.strip().isascii() and text.strip().isalnum())


def directory_base(url: str) -> str:
    """The HTTP(S) base of a directory from a signalling (ws/wss) or directory URL.

    ``ws://host:3536`` -> ``http://host:3536``; ``wss://x/signal`` -> ``https://x/signal``.
    """
    url = url.strip().rstrip("/")
    for old, new in (("ws://", "http://"), ("wss://", "https://")):
        if url.startswith(old):
            return new + url[len(old):]
    return url


def owner_socket_url(url: str) -> str:
    """The websocket URL hosts use to register (``<base>/_directory``)."""
    base = directory_base(url)
    for old, new in (("http://", "ws://"), ("https://", "wss://")):
        if base.startswith(old):
            base = new + base[len(old):]
    return base + "/_directory"


#: The signing key of owner tokens when none is given: one per process, so a directory
#: restarted inside the same process (tests, an embedding game) still knows its tokens.
#: ``konnekt-signal`` takes a stable one from ``KONNEKT_SIGNAL_SECRET`` (docs/security.md).
PROCESS_SECRET = secrets.token_bytes(32)


def _mac(secret: bytes, code: str, nonce: str) -> str:
    digest = hmac.new(secret, f"{code}.{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def issue_token(secret: bytes, code: str) -> str:
    """An owner token that names ``code``: only this server (its secret) can make one, so a
    host can take its code back after the directory forgot everything, and nobody can pick
    a code of their choosing (``ZZZZZZZZ``) or one another host used."""
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_mac(secret, code, nonce)}"


def token_names(secret: bytes, code: str, token: str) -> bool:
    """True when ``token`` was issued by ``issue_token(secret, code)``."""
    nonce, _, mac = token.partition(".")
    return bool(nonce and mac) and hmac.compare_digest(mac, _mac(secret, code, nonce))
