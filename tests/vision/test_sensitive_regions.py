"""Where a secret is on screen, from OCR lines: its part of the line's box, its row only."""

import numpy as np

from copilot.vision.layout import layout
from copilot.vision.ocr import OcrLine
from copilot.vision.sensitive import find_secrets, paint, redacted

KEY = "AKIA4XOG0OINDV1GMKWI"


def test_a_secret_covers_its_part_of_the_line_and_stays_in_its_row():
    label = "AWS_ACCESS_KEY_ID = "
    screen = layout(
        [
            OcrLine(label + KEY, (100, 100, 100 + 10 * len(label + KEY), 120), 0.99),
            OcrLine("The staging admin password is Orchid@8147kq", (100, 140, 540, 160), 0.99),
            OcrLine("Dana Ortiz 9:46 AM", (100, 180, 280, 200), 0.99),
        ],
        (1280, 720),
    )
    regions, findings = find_secrets(screen)
    assert [r.kind for r in regions] == ["api_key", "password"]
    key_box = regions[0].box
    # the key's 20 characters start 20 characters in (10 px each): two characters of margin
    # before it, and it runs to the end of the line's box (2 px more)
    assert (key_box[0], key_box[2]) == (100 + 10 * 18, 100 + 10 * 40 + 2)
    assert key_box[1] < 100 and key_box[3] > 120
    clean = redacted(screen, findings).text
    assert clean.splitlines() == [
        "AWS_ACCESS_KEY_ID = [REDACTED:api_key]",
        "The staging admin password is [REDACTED:password]",
        "Dana Ortiz 9:46 AM",  # the next row is not part of the password
    ]
    frame = np.full((720, 1280, 3), 255, np.uint8)
    out = paint(frame, regions)
    assert out[110, key_box[0] + 5].max() == 0 and out[110, 150].min() == 255  # label kept
    assert frame.min() == 255  # the caller's frame is untouched
