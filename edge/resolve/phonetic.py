"""A small phonetic key for English device names, for what the ASR spelled by ear.

Whisper writes what it heard: "eco bee" for "EcoBee", "stubby" for "study",
"bet light" for "bed light". A key that keeps the consonant skeleton (similar
sounds folded together, vowels reduced to the first) brings such pairs close
when their spelling is not. Pure and deterministic; a Metaphone cousin, not a
full implementation: device names are short and mostly plain English words.
"""

from __future__ import annotations

import re
from functools import lru_cache

_DIGRAPHS = (  # spelled -> sound code (upper case: already a code)
    ("tch", "C"),
    ("sch", "SK"),
    ("ch", "C"),
    ("sh", "S"),
    ("ph", "F"),
    ("th", "0"),
    ("ck", "K"),
    ("gh", ""),
    ("kn", "N"),
    ("wr", "R"),
    ("who", "ho"),  # "whole", "who": an h ("whole light" is the hall light)
    ("wh", "W"),
    ("qu", "KW"),
    ("x", "KS"),
)
# consonants that sound alike fold together (voiced/unvoiced pairs: the ASR mixes them up)
_FOLD = {
    "b": "P", "p": "P",
    "d": "T", "t": "T",
    "g": "K", "k": "K", "c": "K", "q": "K",
    "v": "F", "f": "F",
    "z": "S", "s": "S",
    "j": "C",
    "m": "M", "n": "N", "l": "L", "r": "R",
    "h": "", "w": "", "y": "",
}  # fmt: skip
_VOWELS = frozenset("aeiou")


def word_key(word: str) -> str:
    """The consonant skeleton of a word: "study" -> "STT" -> "ST", "stubby" -> "STP", "ecobee" -> "AKP"."""
    w = re.sub(r"[^a-z0-9]", "", word.casefold())
    for src, dst in _DIGRAPHS:
        w = w.replace(src, dst)
    out: list[str] = []
    for i, ch in enumerate(w):
        if ch in _VOWELS:
            if i == 0:
                out.append("A")  # a leading vowel counts, its quality does not
            continue
        if i == 0 and ch in "hwy":  # a leading h, w or y is heard ("hallway" is not "alley")
            out.append(ch.upper())
            continue
        for code in ch if ch.isupper() or ch.isdigit() else _FOLD.get(ch, ""):
            if not out or out[-1] != code:
                out.append(code)
    return "".join(out)


@lru_cache(maxsize=16384)
def phrase_key(text: str) -> str:
    """The key of a whole phrase, word boundaries dropped ("eco bee" and "EcoBee" meet)."""
    keys = [word_key(w) for w in re.findall(r"[a-z0-9]+", text.casefold())]
    joined = "".join(keys)
    # collapse repeats across word boundaries too ("bed door" -> one T)
    return re.sub(r"(.)\1+", r"\1", joined)
