"""Fuzzy name matching for names the ASR garbled ("best fan" -> "Desk Fan").

A score in 0..1 mixes the similarity of the whole strings with a word-by-word
alignment (so a correct device noun such as "fan" counts for a lot). A match is
only accepted when it is good enough *and* clearly better than the next
device: with two lights equally close, guessing would switch the wrong one.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Sequence

from edge.resolve.phonetic import phrase_key

MIN_SCORE = 0.72
MIN_MARGIN = 0.08
PHONETIC_WEIGHT = 0.8  # a name that only sounds alike counts for less than one spelled alike
_FILLER = {"the", "a", "my", "our"}


_NUMBERS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}  # fmt: skip


def _words(text: str) -> list[str]:
    """Lower-case words without fillers; number words as digits ("light two" is "Light 2")."""
    return [_NUMBERS.get(w, w) for w in re.findall(r"[a-z0-9]+", text.casefold()) if w not in _FILLER]


@lru_cache(maxsize=65536)
def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


# Rooms people name: a said room the device is not in rules the device out ("bathroom light" is
# not the bedroom light, however alike the words sound).
ROOM_WORDS = frozenset(
    "kitchen bathroom bedroom living dining office hallway hall garage garden porch basement attic study "
    "nursery laundry den patio yard cellar lounge toilet closet pantry loft playroom guest".split()
)


def _coverage(a: list[str], b: list[str]) -> float:
    """How well the words of ``a`` are found among the words of ``b`` (0..1)."""
    return sum(max(_ratio(x, y) for y in b) for x in a) / len(a)


@lru_cache(maxsize=16384)  # pure: the same names meet the same words turn after turn
def similarity(said: str, name: str, area: str = "") -> float:
    sw, nw = _words(said), _words(name)
    if not sw or not nw:
        return 0.0
    context = set(nw) | set(_words(area))
    for word in sw:
        if word in ROOM_WORDS and not any(_ratio(word, c) >= 0.9 or c.startswith(word) for c in context):  # "hall": hallway
            return 0.0
    if sw != nw and "".join(sw) == "".join(nw):  # the same letters, split elsewhere: "eco bee", "bed room light"
        return 0.97
    score = _aligned_score(sw, nw)
    if len(sw) > 1 and len(nw) == 1:  # "echo be" for "EcoBee": the words split where the name is one
        score = max(score, _aligned_score(["".join(sw)], nw))
    return score


def _aligned_score(sw: list[str], nw: list[str]) -> float:
    whole = max(_ratio(" ".join(sw), " ".join(nw)), _ratio("".join(sw), "".join(nw)))  # "eco bee" ~ "ecobee"
    aligned = max(_coverage(sw, nw), _coverage(nw, sw)) if len(sw) > 1 or len(nw) == 1 else _coverage(nw, sw)
    extra = max(0, len(sw) - len(nw)) * 0.1  # words said that the name does not have
    spelled = 0.5 * whole + 0.5 * aligned
    sounded = PHONETIC_WEIGHT * _ratio(phrase_key(" ".join(sw)), phrase_key(" ".join(nw)))
    return max(0.0, max(spelled, sounded) - extra)


def best_match(said: str, candidates: Sequence[tuple[str, str, str]]) -> tuple[str, float] | None:
    """``candidates`` are (key, name, area) triples (a key may have several names); the best key and its score."""
    best: dict[str, float] = {}
    for key, name, area in candidates:
        best[key] = max(best.get(key, 0.0), similarity(said, name, area))
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or ranked[0][1] < MIN_SCORE:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < MIN_MARGIN:
        return None
    return ranked[0][0], round(ranked[0][1], 3)
