"""``Screen``: one page of ``LobbyView`` — a widget tree rebuilt from the view's state.

Screens keep no state of their own that matters: text typed into fields is copied to the view
(``view.form``) as it changes, so ``LobbyView`` can rebuild a screen at any time — on resize,
or when the lobby changed — without losing anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from arcade.gui import UIAnchorLayout, UIInputText, UIWidget

if TYPE_CHECKING:
    from .._lobby_view import LobbyView


class Screen:
    """Base of the screens; ``widgets`` names the interactive widgets (tests click them)."""

    name = "screen"

    def __init__(self, view: LobbyView) -> None:
        self.view = view
        self.theme = view.theme
        self.widgets: dict[str, UIWidget] = {}
        self.root = UIAnchorLayout(size_hint=(1, 1))
        self.build()

    @property
    def width(self) -> int:
        return int(self.view.window.width)

    @property
    def height(self) -> int:
        return int(self.view.window.height)

    def build(self) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        """Called when the lobby or the connection changed; rebuild what depends on it."""

    def button(self, key: str, text: str, action: Any, *, width: float = 140,
               kind: str = "normal") -> UIWidget:
        """A named themed button that calls ``action()`` when clicked."""
        widget = self.theme.button(text, width=width, kind=kind)
        widget.on_click = lambda event: action()  # type: ignore[method-assign]
        self.widgets[key] = widget
        return widget

    def field(self, key: str, *, width: float = 320) -> UIInputText:
        """A named text field bound to ``view.form[key]``."""
        widget = self.theme.input(self.view.form.get(key, ""), width=width)

        def changed(event: Any) -> None:
            self.view.form[key] = widget.text

        widget.on_change = changed  # type: ignore[method-assign]
        self.widgets[key] = widget
        return widget

    def active_field(self) -> str | None:
        """The key of the text field being typed into, if any."""
        for key, widget in self.widgets.items():
            if isinstance(widget, UIInputText) and widget.active:
                return key
        return None
