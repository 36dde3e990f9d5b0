"""``WebRtcTransport`` is a complete ``Transport``: every member of the protocol, with the same
parameters, so the session layer never needs to know which transport it holds."""

from __future__ import annotations

import inspect

from konnekt_arcade.net import Transport, WebRtcTransport


def protocol_members() -> dict[str, object]:
    return {name: value for name, value in vars(Transport).items()
            if not name.startswith("_")}


def test_every_protocol_method_is_there_with_the_same_parameters() -> None:
    members = protocol_members()
    assert {"close_nowait", "refresh_signalling", "selected_candidate_pairs",
            "dropped_incoming_by_peer"} <= set(members)
    for name, member in members.items():
        ours = getattr(WebRtcTransport, name)
        if callable(member):
            assert list(inspect.signature(ours).parameters) == list(
                inspect.signature(member).parameters), name
            for param, want in inspect.signature(member).parameters.items():
                assert inspect.signature(ours).parameters[param].default == want.default, name


def test_an_instance_is_a_transport_and_has_stats() -> None:
    transport = WebRtcTransport("ws://127.0.0.1:1", "room")
    assert isinstance(transport, Transport)
    assert transport.stats["dropped_outgoing"] == 0
    assert transport.selected_candidate_pairs() == {}  # not started: nothing to ask
    transport.refresh_signalling()  # not started: ignored
    transport.close_nowait()  # not started: nothing to wait for
    transport.close()
