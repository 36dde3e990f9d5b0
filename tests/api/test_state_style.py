"""One style for state (issue 25): properties for cheap reads, methods for actions and queries,
the seed's names in the seed's form (docs/api.md, "State and actions")."""

from __future__ import annotations

import inspect

import pytest

from konnekt_arcade import ActivityContext, LobbyView, P2PLoop, SessionHook, SessionLoop
from konnekt_arcade.net import Transport
from konnekt_arcade.testing import SessionGroup, memory_builder
from konnekt_arcade.world import World

#: konnekt-session-p2p's reads: methods, as the seed documents them.
SEED_METHODS = {
    SessionLoop: ("poll", "submit_command", "get_lobby", "lobby_id", "local_peer_id",
                  "connected_peers", "is_host", "domain"),
    P2PLoop: ("poll", "request_full_sync", "send_full_sync_to_peer", "drain_domain_commands",
              "current_sequence"),
}

#: Our cheap reads: properties.
PROPERTIES = {
    SessionLoop: ("stats", "is_ready", "time_synced"),
    P2PLoop: ("closed", "game_data_dropped"),
    SessionHook: ("session", "lobby", "local_participant"),
    LobbyView: ("player_name", "signalling_url"),
    ActivityContext: ("is_host", "is_submitter", "current_run"),
    World: ("is_host", "local_participant", "tick_number"),
}

#: Our queries: methods (they change by themselves between two calls, or compute).
QUERIES = {
    SessionLoop: ("time", "state_hash", "selected_candidate_pairs", "drain_notices"),
    ActivityContext: ("now", "elapsed", "time_left", "pending"),
}


@pytest.mark.parametrize(("cls", "name"), [(c, n) for c, ns in SEED_METHODS.items() for n in ns])
def test_the_seeds_names_stay_methods(cls: type, name: str) -> None:
    assert inspect.isfunction(inspect.getattr_static(cls, name)), f"{cls.__name__}.{name}"


@pytest.mark.parametrize(("cls", "name"), [(c, n) for c, ns in QUERIES.items() for n in ns])
def test_queries_are_methods(cls: type, name: str) -> None:
    assert inspect.isfunction(inspect.getattr_static(cls, name)), f"{cls.__name__}.{name}"


@pytest.mark.parametrize(("cls", "name"), [(c, n) for c, ns in PROPERTIES.items() for n in ns])
def test_cheap_reads_are_properties(cls: type, name: str) -> None:
    assert isinstance(inspect.getattr_static(cls, name), property), f"{cls.__name__}.{name}"


def test_transport_local_peer_id_is_a_property() -> None:
    # The net layer is ours (a property); SessionLoop.local_peer_id() is the seed's (a method).
    assert isinstance(inspect.getattr_static(Transport, "local_peer_id"), property)


def test_stats_is_a_mapping_and_calling_it_warns() -> None:
    group = SessionGroup(memory_builder(), "memory://style")
    try:
        stats = group.host.stats
        assert stats["no such counter"] == 0 and isinstance(stats, dict)
        with pytest.warns(DeprecationWarning, match=r"stats is a property"):
            called = group.host.stats()
        assert dict(called) == dict(stats)
    finally:
        group.close()
