"""Teaching by voice: "when I say movie time, turn off the living room lights"; "forget that".

Public API (pure)::

    parse_teaching("When I say movie time, turn off the living room lights.")
    # Teaching(phrase="movie time", target="turn off the living room lights")
    is_forget("forget that")  # True: undo the last thing taught

Without a comma (Whisper often leaves it out) the phrase ends where the
request starts: at the first word that starts a request ("turn", "switch",
"set", ...) after at least one word of phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INTRO = re.compile(
    r"^\s*(?:(?:from now on|in future|in the future)\s*,?\s*)?(?:when(?:ever)?|if)\s+i\s+say\s+(?P<rest>.+?)\s*[.!]?\s*$",
    re.IGNORECASE,
)
_LINK = re.compile(r"^(?:i\s+mean|it\s+means|that\s+means|you\s+should|please|then|do)\s+", re.IGNORECASE)
REQUEST_START = frozenset(
    "turn switch set open close lock unlock dim brighten activate start stop make put play press run "
    "raise lower what's what is are how shut kill cancel pause resume".split()
)
_FORGET = frozenset(
    {"forget that", "forget what i taught you", "forget the last one", "undo that", "unlearn that",
     "forget what i just taught you", "forget that one", "forget it please"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Teaching:
    phrase: str  # what the user will say
    target: str  # what it means


def _clean(text: str) -> str:
    return " ".join(text.strip(" \t\"'“”.,!?").split())


def parse_teaching(text: str) -> Teaching | None:
    m = _INTRO.match(text)
    if not m:
        return None
    rest = m.group("rest").strip().strip("\"'“”")
    if "," in rest:
        phrase, target = rest.split(",", 1)
    else:
        words = rest.split()
        cut = next((i for i, w in enumerate(words) if i > 0 and w.casefold().strip("\"'“”") in REQUEST_START), None)
        if cut is None:
            return None
        phrase, target = " ".join(words[:cut]), " ".join(words[cut:])
    phrase, target = _clean(phrase), _clean(_LINK.sub("", target.strip()))
    if not phrase or not target:
        return None
    return Teaching(phrase, target)


def is_forget(text: str) -> bool:
    said = " ".join(re.sub(r"[^\w\s']", " ", text.casefold()).split())
    return said in _FORGET
