"""SendChat rules and the bounded chat history."""

from __future__ import annotations

import pytest

from konnekt_arcade.domain import CHAT_HISTORY, MAX_CHAT_LENGTH, DomainCommand

from .conftest import kinds

C = DomainCommand


def test_chat_posts_trimmed_message(trio) -> None:
    h, _, (g1, _) = trio
    events = h.do(C.SendChat(lobby_id=h.lid, participant_id=g1, text="  hello\nworld  "), g1,
                  now=321.0)
    assert kinds(events) == ["ChatPosted"]
    assert events[0].text == "hello\nworld" and events[0].at == 321.0
    assert h.lobby is not None
    (msg,) = h.lobby.chat
    assert (msg.participant_id, msg.name, msg.text, msg.at) == (g1, "Guest1", "hello\nworld",
                                                                321.0)


def test_chat_at_limit_is_accepted(trio) -> None:
    h, _, (g1, _) = trio
    assert MAX_CHAT_LENGTH == 280
    h.chat(g1, "a" * 280)
    h.chat(g1, "  " + "b" * 280 + "  ")  # length counted after trimming
    assert h.lobby is not None and [len(m.text) for m in h.lobby.chat] == [280, 280]


@pytest.mark.parametrize(("text", "reason"), [
    ("", "chat message must not be empty"),
    ("   \n\t ", "chat message must not be empty"),
    ("a" * 281, "chat message must be at most 280 characters"),
    ("bell\x07", "chat message must contain only printable characters"),
    ("tab\there", "chat message must contain only printable characters"),
    ("esc\x1b[31m", "chat message must contain only printable characters"),
])
def test_chat_rules(trio, text: str, reason: str) -> None:
    h, _, (g1, _) = trio
    assert h.fail(C.SendChat(lobby_id=h.lid, participant_id=g1, text=text), g1) == reason


def test_chat_only_as_yourself(trio) -> None:
    h, host, (g1, _) = trio
    assert h.fail(C.SendChat(lobby_id=h.lid, participant_id=g1, text="hi"), host) == (
        "you can only chat for yourself"
    )


def test_chat_history_is_bounded(trio) -> None:
    h, host, (g1, _) = trio
    total = CHAT_HISTORY + 7
    for i in range(total):
        h.chat(host if i % 2 else g1, f"msg {i}")
    assert h.lobby is not None
    assert len(h.lobby.chat) == CHAT_HISTORY
    assert [m.text for m in h.lobby.chat] == [f"msg {i}" for i in range(7, total)]


def test_chat_keeps_name_after_author_leaves(trio) -> None:
    h, _, (g1, _) = trio
    h.chat(g1, "bye")
    h.leave(g1)
    assert h.lobby is not None and h.lobby.chat[-1].name == "Guest1"
