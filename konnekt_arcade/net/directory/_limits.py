"""Every limit of the lobby directory in one place, each with the reason for its value.

``DirectoryLimits`` holds the defaults; ``konnekt-signal`` flags override some of them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Unity Lobby hides a lobby 30 s after its last heartbeat; the issue asks for the same.
DEFAULT_TTL = 30.0
#: A third of the TTL, so two lost heartbeats in a row still keep the entry listed.
HEARTBEAT_INTERVAL = 10.0
#: A full registration is ~500 bytes of JSON; 4x headroom, and nothing bigger is ever parsed.
MAX_BODY_BYTES = 2048
#: Request paths (with query) longer than this are refused unparsed; real ones are < 100.
MAX_PATH_BYTES = 512
#: Same cap the lobby itself has for lobby and player names (domain ``MAX_NAME_LENGTH``).
MAX_NAME_LENGTH = 32
#: Game ids are identifiers such as "konnekt-demo"; versions such as "1.2.3-beta".
MAX_GAME_LENGTH = 64
MAX_VERSION_LENGTH = 32
#: Signalling URLs are host + port + optional path prefix; 256 covers every real deployment.
MAX_URL_LENGTH = 256
#: The lobby layer caps participants at 64 (``MAX_PARTICIPANTS_LIMIT``).
MAX_PLAYERS = 64
#: Listing page size: 50 by default, 100 at most (the issue; one screen never shows more).
DEFAULT_LIST_LIMIT = 50
MAX_LIST_LIMIT = 100
#: How many entries of the asked game's index one listing looks at while filtering by
#: version and free slots (bounds the work of one request; the game itself is an index).
LIST_SCAN = 2000
#: Entries read from the store per round trip while filling a page.
LIST_BATCH = 200
#: Lobbies of one registering address on one listing page: 8 lobbies from each of 251
#: addresses used to push every honest lobby off the first page; now they share it.
LISTED_PER_CLIENT = 4
#: A listing answer is reused this long (a browse screen polls every few seconds; many
#: clients asking at once cost one store read); created and removed lobbies clear it.
LIST_CACHE_SECONDS = 1.0
#: A removed or expired code stays held for its owner this long (a tombstone with the token
#: hash): a host that reconnects after a minute of backoff gets its code back, nobody else.
CODE_GRACE = 120.0
#: 10 000 lobbies is far above what one community server sees and keeps memory < ~10 MB.
MAX_ENTRIES = 10_000
#: A LAN party behind one NAT may host a few lobbies; more from one address is abuse.
MAX_ENTRIES_PER_CLIENT = 8
#: Rate limiters forget the least recently seen client beyond this many (bounded memory).
MAX_TRACKED_CLIENTS = 10_000


@dataclass(frozen=True)
class Rate:
    """A token bucket: ``burst`` requests at once, refilled at ``per_second``."""

    per_second: float
    burst: float


@dataclass(frozen=True)
class DirectoryLimits:
    ttl: float = DEFAULT_TTL
    max_entries: int = MAX_ENTRIES
    max_entries_per_client: int = MAX_ENTRIES_PER_CLIENT
    code_grace: float = CODE_GRACE
    listed_per_client: int = LISTED_PER_CLIENT
    #: Listing and the HTML page: a browse screen refreshing every few seconds for a few
    #: players behind one NAT (Unity allows 1 query/s per player).
    read_rate: Rate = Rate(per_second=5.0, burst=20.0)
    #: Code lookups: slow enough that guessing 29^5 (20.5 M) codes is hopeless.
    lookup_rate: Rate = Rate(per_second=1.0, burst=10.0)
    #: Register/update/remove: one heartbeat per 10 s per lobby plus changes (debounced
    #: to 1/s by the client) for a few lobbies.
    write_rate: Rate = Rate(per_second=2.0, burst=10.0)
