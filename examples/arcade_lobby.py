"""Add a lobby to your arcade game: the ready-made LobbyView plus one mini-game.

Run with ``python examples/arcade_lobby.py``; host in one window, join from another.
"""
import arcade

from konnekt_arcade import ActivityRegistry, LobbyView

activities = ActivityRegistry()
activities.register("dice", "Dice Duel", lambda context: DiceView(context))


class DiceView(arcade.View):
    def __init__(self, context):
        super().__init__()
        context.submit_result(score=6)  # your mini-game goes here


def main():
    window = arcade.Window(1024, 720, "My game")
    window.show_view(LobbyView(registry=activities))
    arcade.run()


if __name__ == "__main__":
    main()
