"""The report page's font, inside the page so that it needs nothing from outside: DejaVu Sans, which
ships with matplotlib and is the charts' font too, cut down to the letters a report prints
(English, Welsh and the Latin-1 accents; anything else falls back to the reader's own font).
DejaVu's licence allows it to be embedded and passed on."""

from __future__ import annotations

import base64
import io
import logging
from functools import cache
from pathlib import Path

import matplotlib
from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "Report Sans"
# The subsetter tells of every table it prunes at INFO, which the command line would print.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
LETTERS = (
    "".join(chr(code) for code in range(0x20, 0x7F))
    + "".join(chr(code) for code in range(0xA0, 0x100))
    + "ŴŵŶŷẀẁẂẃẄẅỲỳ–—‘’“”…•·−"
)
_FILES = {"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}


def _woff(file: str) -> bytes:
    # The modified date in the font's header is kept as shipped, so the page is the same bytes each time.
    font = TTFont(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / file, recalcTimestamp=False)
    options = subset.Options(layout_features=["kern", "liga"], name_IDs=[0, 1, 2])
    options.drop_tables += ["FFTM"]  # FontForge's own timestamps: nothing a browser reads
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=LETTERS)
    subsetter.subset(font)
    font.flavor = "woff"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@cache
def stylesheet() -> str:
    """`@font-face` rules for the normal and bold faces, each a data URL."""
    return "\n".join(
        f'@font-face {{ font-family: "{FAMILY}"; font-weight: {weight}; font-style: normal; '
        f'src: url(data:font/woff;base64,{base64.b64encode(_woff(file)).decode()}) format("woff"); }}'
        for weight, file in _FILES.items()
    )
