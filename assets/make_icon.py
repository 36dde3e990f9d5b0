"""Draws assets/icon.png, the demo's window icon (run: python assets/make_icon.py)."""

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 64
PINK, BLUE, GOLD, GREEN, NIGHT = (255, 92, 141), (96, 190, 255), (255, 196, 64), \
    (86, 222, 148), (24, 18, 44)


def main() -> None:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((2, 2, SIZE - 3, SIZE - 3), radius=14, fill=NIGHT)
    # three players around a coin: the party in one picture
    for (x, y), colour in (((18, 20), PINK), ((46, 20), BLUE), ((32, 46), GREEN)):
        draw.ellipse((x - 9, y - 9, x + 9, y + 9), fill=colour)
    draw.ellipse((24, 24, 40, 40), fill=GOLD, outline=(255, 236, 160), width=2)
    image.save(Path(__file__).with_name("icon.png"))


if __name__ == "__main__":
    main()
