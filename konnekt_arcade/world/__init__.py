"""A shared world of synced entities for mini-games: typed fields, owners, host authority.

Declare entity types, then use the session's world::

    from konnekt_arcade.world import HOST, Entity, field

    class Avatar(Entity):
        x: float = field(precision=0.01, range=(-1e4, 1e4))
        y: float = field(precision=0.01, range=(-1e4, 1e4))
        name: str = ""

    class Ball(Entity, owner_leaves="host"):
        x: float = 0.0
        y: float = 0.0

    world = session.world()
    me = world.spawn(Avatar, name="Ada")      # owned by us
    me.x += 3                                # sent at the next network tick (20 Hz)
    if world.is_host:
        world.spawn(Ball, owner=HOST)        # simulated by whoever hosts; survives the host

Only an entity's owner changes it (anyone else gets ``NotOwner``; a peer that tries is refused
and counted). Changes travel as deltas against what each peer acknowledged, on the unreliable
channel; spawns, despawns and one-shot events (``world.emit("coin_taken", data)``) reliably.
Draw with ``entity.shown()`` (a peer's entities interpolated, ours as they are; the engine's
``follow(sprite, entity)`` does it per frame). Entities spawned during an activity run are
despawned when it ends. The core is sans-I/O: ``World`` takes ``now`` and
returns bytes; the session's world link moves them.
"""

from ._config import WorldConfig
from ._events import (
    Changed,
    Despawned,
    Emitted,
    Sample,
    Spawned,
    WorldError,
    WorldEvent,
    WorldFull,
)
from ._interp import Interpolator
from ._schema import HOST, Entity, NotOwner, Owner, OwnerLeaves, field
from ._world import Outgoing, World

__all__ = [
    "HOST",
    "Changed",
    "Despawned",
    "Emitted",
    "Entity",
    "Interpolator",
    "NotOwner",
    "Outgoing",
    "Owner",
    "OwnerLeaves",
    "Sample",
    "Spawned",
    "World",
    "WorldConfig",
    "WorldError",
    "WorldEvent",
    "WorldFull",
    "field",
]
