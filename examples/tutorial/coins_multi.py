# coins_single.py is arcade's own example sprite_collect_coins.py (arcade 3.3.3), unchanged
# below this note; coins_multi.py is the same game made two-player with konnekt-arcade, and
# docs/tutorial.md walks through the difference.
#
# Copyright (c) 2025 Paul Vincent Craven. The Arcade library is licensed under the MIT License:
#
# Permission is hereby granted, free of charge, to any person obtaining a copy of this software
# and associated documentation files (the "Software"), to deal in the Software without
# restriction, including without limitation the rights to use, copy, modify, merge, publish,
# distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
# Software is furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in all copies or
# substantial portions of the Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
# BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
# NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
# DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
# OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
#
# ruff: noqa: I001, B007  (arcade's code as it is)
"""
Sprite Collect Coins

A simple game demonstrating an easy way to create and use sprites.

Artwork from https://kenney.nl

If Python and Arcade are installed, this example can be run from the
command line with:
python -m arcade.examples.sprite_collect_coins
"""

import random
import sys
from collections import defaultdict
import arcade
from konnekt_arcade import DomainCommand, P2PLoopBuilder
from konnekt_arcade.engine import SessionHook, follow
from konnekt_arcade.world import HOST, Entity, Interpolator

# --- Constants ---
SPRITE_SCALING_PLAYER = 0.5
SPRITE_SCALING_COIN = 0.4
COIN_COUNT = 50

WINDOW_WIDTH = 1280
WINDOW_HEIGHT = 720
WINDOW_TITLE = "Sprite Collect Coins Example"


class Thing(Entity):  # what both players see: a player (its own) or a coin (the host's)
    x: float = 50.0
    y: float = 50.0
    coin: bool = False
    taken_by: str = ""  # (a coin) the player who took it: only the host decides


class GameView(arcade.View):

    def __init__(self, session):
        """ Initializer """
        # Call the parent class initializer
        super().__init__()
        self.session, self.world, self.me = session, session.world(), None
        self.followers = {}  # entity id -> the SpriteFollower that draws it
        self.buffers = defaultdict(lambda: Interpolator(("x", "y")))  # others', smoothed
        self.world.on_sample = lambda eid, t, v: self.buffers[eid].push(t, v, session.time())
        SessionHook(session).attach(self)  # polls the session while this view is shown

        # Variables that will hold sprite lists
        self.player_list = None
        self.coin_list = None

        # Create a variable to hold the player sprite
        self.player_sprite = None

        # Variables to hold the score and the Text object displaying it
        self.score = 0
        self.score_display = None

        # Hide the mouse cursor while it's over the window
        self.window.set_mouse_visible(False)

        self.background_color = arcade.color.AMAZON

    def setup(self):
        """ Set up the game and initialize the variables. """

        # Create the sprite lists
        self.player_list = arcade.SpriteList()
        self.coin_list = arcade.SpriteList()

        # Reset the score and the score display
        self.score = 0
        self.score_display = arcade.Text(
            text="Score: 0", x=10, y=20,
            color=arcade.color.WHITE, font_size=14)

        # Set up the player
        # Character image from kenney.nl
        img = ":resources:images/animated_characters/female_person/femalePerson_idle.png"
        self.player_sprite = arcade.Sprite(img, scale=SPRITE_SCALING_PLAYER)
        self.player_sprite.position = 50, 50
        self.player_list.append(self.player_sprite)

        # Create the coins
        for i in range(COIN_COUNT if self.world.is_host else 0):  # the host makes them

            # Create the coin instance
            # Coin image from kenney.nl
            coin = arcade.Sprite(":resources:images/items/coinGold.png",
                                 scale=SPRITE_SCALING_COIN)

            # Position the coin
            coin.center_x = random.randrange(WINDOW_WIDTH)
            coin.center_y = random.randrange(WINDOW_HEIGHT)

            # Add the coin to the lists
            self.coin_list.append(coin)
            entity = self.world.spawn(Thing, owner=HOST, coin=True, x=coin.center_x,
                                      y=coin.center_y)
            self.followers[entity.id] = follow(coin, entity)

    def on_draw(self):
        """ Draw everything """

        # Clear the screen to only show the background color
        self.clear()

        # Draw the sprites
        self.coin_list.draw()
        self.player_list.draw()

        # Draw the score Text object on the screen
        self.score_display.draw()

    def on_mouse_motion(self, x, y, dx, dy):
        """ Handle Mouse Motion """

        # Move the player sprite to place its center on the mouse x, y
        self.player_sprite.position = x, y
        if self.me is not None:
            self.me.x, self.me.y = x, y  # the others see it at the next network tick

    def on_update(self, delta_time):
        """ Movement and game logic """

        if self.me is None and self.session.local_participant_id() is not None:
            self.me = self.world.spawn(Thing)  # once the host has let us in
            self.followers[self.me.id] = follow(self.player_sprite, self.me)
        # A sprite for each new entity; away with the sprites of those gone or taken
        for entity in self.world.entities():
            if entity.id not in self.followers:
                sprite = (arcade.Sprite(":resources:images/items/coinGold.png", scale=0.4)
                          if entity.coin else arcade.Sprite(self.player_sprite.texture, scale=0.5))
                (self.coin_list if entity.coin else self.player_list).append(sprite)
                self.followers[entity.id] = follow(sprite, entity, clock=self.session.time,
                                                   sample=self.buffers[entity.id].sample)
        for entity_id, follower in self.followers.items():
            follower.update()
            if self.world.get(entity_id) is None or follower.entity.taken_by:
                follower.sprite.remove_from_sprite_lists()

        # The host decides who picked up which coin
        for player in [f for f in self.followers.values() if not f.entity.coin]:
            for f in self.followers.values():
                if self.world.is_host and f.entity.coin and not f.entity.taken_by \
                        and arcade.check_for_collision(player.sprite, f.sprite):
                    f.entity.taken_by = player.entity.owner.hex

        # Keep track of the score from before collisions occur
        old_score = self.score
        self.score = sum(self.me is not None and thing.taken_by == self.me.owner.hex
                         for thing in self.world.entities())

        # Update the score display if the score changed this tick
        if old_score != self.score:
            self.score_display.text = f"Score: {self.score}"


def main():
    """ Main function """
    # Create a window class. This is what actually shows up on screen
    window = arcade.Window(WINDOW_WIDTH, WINDOW_HEIGHT, WINDOW_TITLE)

    # Host on a signalling server (ws://host:port), or join with the invite the host printed
    url = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:3536"
    if url.count("/") == 3:  # ws://host:port/<session id>
        session, lobby_id = P2PLoopBuilder().build_session_guest(url)
        session.submit_command(DomainCommand.JoinLobby(lobby_id=lobby_id, guest_name="Guest"))
    else:
        session, session_id = P2PLoopBuilder().build_session_host(url, [], "Coins", "Host")
        print(f"Invite: python {sys.argv[0]} {url}/{session_id}", flush=True)
    # Create and setup the GameView
    game = GameView(session)
    game.setup()

    # Show GameView on screen
    window.show_view(game)

    # Start the arcade game loop
    arcade.run()
    session.close()


if __name__ == "__main__":
    main()
