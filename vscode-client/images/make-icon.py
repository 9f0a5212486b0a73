"""Draw the extension's icon (128×128 PNG): a prompt chevron, typed text and its ghost continuation.

    /work/main/.venv/bin/python vscode-client/images/make-icon.py   # writes icon.png beside this file
"""

from pathlib import Path

from PIL import Image, ImageDraw

SIZE, SCALE = 128, 4  # drawn at 4× and downsampled for smooth edges
S = SIZE * SCALE


def main() -> None:
    image = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, S - 1, S - 1), radius=26 * SCALE, fill=(24, 44, 74, 255))
    w = 9 * SCALE
    # the prompt chevron
    draw.line([(22 * SCALE, 38 * SCALE), (42 * SCALE, 54 * SCALE), (22 * SCALE, 70 * SCALE)],
              fill=(255, 255, 255, 255), width=w, joint="curve")
    # text typed so far (solid), then the suggestion (ghost: translucent, dashed)
    y = 90 * SCALE
    draw.rounded_rectangle((22 * SCALE, y - w // 2, 58 * SCALE, y + w // 2), radius=w // 2, fill=(255, 255, 255, 255))
    for x0 in (64, 82, 100):
        draw.rounded_rectangle((x0 * SCALE, y - w // 2, (x0 + 12) * SCALE, y + w // 2), radius=w // 2,
                               fill=(140, 200, 255, 130))
    # the cursor between them
    draw.rectangle((60 * SCALE, y - 14 * SCALE, 62 * SCALE, y + 14 * SCALE), fill=(140, 200, 255, 255))
    # a small green light: local and ready
    draw.ellipse((92 * SCALE, 24 * SCALE, 108 * SCALE, 40 * SCALE), fill=(80, 200, 120, 255))
    image.resize((SIZE, SIZE), Image.LANCZOS).save(Path(__file__).with_name("icon.png"), optimize=True)


if __name__ == "__main__":
    main()
