"""Two players is a lobby, sans-I/O: a guest alone with its host takes over when the host is
lost, and when it was a partition after all (each side hosting its own copy), the heal rule
leaves one lobby — never two hosts, every player back in it (issue 23)."""

from __future__ import annotations

import pytest

from .simnet import SimNet


def two_players(seed: int) -> SimNet:
    net = SimNet(seed=seed)
    net.add_host("host")
    net.add_guest("g1")
    net.run_until(lambda: net.nodes["g1"].lobby is not None, 5)
    net.join("g1", "Gus")
    return net


@pytest.mark.parametrize("notify", [True, False], ids=["peer left", "silent"])
def test_a_lone_guest_becomes_host_when_its_host_dies(notify: bool) -> None:
    net = two_players(1)
    net.kill("host", notify=notify)
    assert net.run_until(lambda: net.hosts() == ["g1"], 5)
    g1 = net.nodes["g1"]
    assert g1.lobby is not None and g1.lobby.host_id == g1.local_participant_id


@pytest.mark.parametrize("seed", range(5))
def test_a_cut_two_player_lobby_heals_into_one(seed: int) -> None:
    net = two_players(seed)
    net.partition({"g1"})
    assert net.run_until(lambda: sorted(net.hosts()) == ["g1", "host"], 10)  # split for now
    net.heal()
    assert net.run_until(lambda: len(net.hosts()) == 1 and net.converged()
                         and all(p.connected for p in net.nodes["host"].lobby.participants),
                         20), (net.hosts(), net.hashes())
    (host,) = net.hosts()
    lobby = net.nodes[host].lobby
    assert lobby is not None and len(lobby.participants) == 2
