"""Per-interface sends and invites with a mocked interface list."""

from __future__ import annotations

from konnekt_arcade.lan._interfaces import (
    MULTICAST_GROUP,
    Interface,
    interface_for,
    invite_for,
    send_plan,
)

SID = "123e4567-e89b-12d3-a456-426614174000"
LO = Interface("lo", "127.0.0.1", 8)
WIFI = Interface("wlan0", "192.168.1.23", 24)
VPN = Interface("tun0", "10.8.0.6", 32)
DOCKER = Interface("docker0", "172.17.0.1", 16)


def test_one_broadcast_per_subnet_and_multicast_out_of_each_card() -> None:
    plan = send_plan([LO, WIFI, VPN, DOCKER])
    broadcasts = [(s.destination, s.via.name) for s in plan if not s.multicast]
    assert broadcasts == [("127.255.255.255", "lo"), ("192.168.1.255", "wlan0"),
                          ("172.17.255.255", "docker0")]  # none for a /32 VPN link
    multicasts = [(s.destination, s.via.name) for s in plan if s.multicast]
    assert multicasts == [(MULTICAST_GROUP, "wlan0"), (MULTICAST_GROUP, "tun0"),
                          (MULTICAST_GROUP, "docker0")]
    assert not any(s.destination == "255.255.255.255" for s in plan)


def test_two_addresses_on_one_subnet_broadcast_once() -> None:
    plan = send_plan([WIFI, Interface("wlan0", "192.168.1.24", 24)])
    assert [s.destination for s in plan if not s.multicast] == ["192.168.1.255"]


def test_interface_on_the_askers_subnet() -> None:
    interfaces = [LO, WIFI, DOCKER]
    assert interface_for("192.168.1.77", interfaces) == WIFI
    assert interface_for("172.17.5.5", interfaces) == DOCKER
    assert interface_for("8.8.8.8", interfaces) is None
    assert interface_for("not an ip", interfaces) is None


def test_invite_names_our_address_for_our_own_server_only() -> None:
    assert invite_for("ws://127.0.0.1:3536", SID, "192.168.1.23") == \
        f"ws://192.168.1.23:3536/{SID}"
    assert invite_for("ws://0.0.0.0:4000/", SID, "10.0.0.2") == f"ws://10.0.0.2:4000/{SID}"
    assert invite_for("wss://lobby.example/signal", SID, "192.168.1.23") == \
        f"wss://lobby.example/signal/{SID}"
