"""A two-player lobby split by a partition heals, and its host dies in the middle of the heal.

The cut-off guest hosted its own copy of the lobby meanwhile (its lobby names it host). When
the network returns, the heal rule makes it yield to the old host's claim: it follows that
host before that host's snapshot (or its answer to our rejoin) has reached it. If the old
host dies right then, our lobby still names *us* host: the successor rule must still find a
successor (us), not skip us as "the lost host" and wait for nobody forever. Seen over WebRTC
(a newcomer window test on a loaded machine, then reproduced in network namespaces): the
guest stayed ELECTING with no candidate until the test's deadline.
"""

from __future__ import annotations

import pytest

from konnekt_arcade.sync import Role

from .simnet import SimNet


@pytest.mark.parametrize("seed", range(6))
def test_a_guest_that_yielded_to_a_healed_host_hosts_on_when_that_host_dies(seed: int) -> None:
    net = SimNet(seed)
    net.add_host()
    guest = net.join("g", "Gus")
    net.advance(1.0)
    net.partition({"g"})
    assert net.run_until(lambda: guest.is_host, 10), "the cut-off guest hosts its copy"
    me = guest.local_participant_id
    assert guest.lobby is not None and guest.lobby.host_id == me
    net.heal()

    def yielded_on_its_own_copy() -> bool:
        return (guest.host_peer == "host" and not guest.is_host and guest.lobby is not None
                and guest.lobby.host_id == me)

    # the moment it follows the old host while its lobby still names it host
    assert net.run_until(yielded_on_its_own_copy, 20, step=0.001), (
        "the guest never yielded to the healed host on its own copy", guest.role)
    net.kill("host")
    assert net.run_until(lambda: guest.is_host, 15), (
        "stuck without a host", guest.role, guest.host_peer)
    assert guest.role is Role.HOST and guest.lobby is not None
    assert guest.lobby.host_id == me
