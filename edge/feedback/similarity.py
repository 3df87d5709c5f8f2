"""How alike two requests are: in words, in sound, in meaning. Pure functions, no state.

* ``word_similarity``: difflib's ratio over the word sequences (0..1):
  "turn on the stubby light" / "turn on the study light" = 0.8.
* ``phonetic_key`` / ``sound_similarity``: a small Metaphone-like key per
  word (consonant skeleton, first vowel kept), compared with difflib over
  the joined keys: "stubby" -> "STB", "study" -> "STT"; "ecobee" ~ "eco bee".
* ``coarse_sound_similarity``: the same over sound classes (p/b/f/v, k/s/g/...,
  t/d/th, m/n), for telling a misheard word from another word.
* ``opposite_directions``: "turn on ..." / "turn off ...": never a rephrase,
  never a rewrite.
* ``meaning_similarity``: the cosine of two L2-normalised embedding rows
  (the NLU encoder's ``embed(texts)``, or ``hashed_ngrams`` without it).
"""

from __future__ import annotations

import difflib
import re
import zlib
from typing import Sequence

import numpy as np

from edge.learning.table import normalize_utterance

_DIGRAPHS = (
    ("tch", "X"), ("sch", "SK"), ("ph", "F"), ("ck", "K"), ("sh", "X"), ("ch", "X"), ("th", "0"),
    ("gh", ""), ("kn", "N"), ("gn", "N"), ("wr", "R"), ("who", "ho"), ("wh", "W"), ("dg", "J"), ("mb", "M"), ("qu", "KW"),
)  # fmt: skip  (upper case: already a sound, not remapped below)
_SINGLE = {"q": "k", "x": "ks", "z": "s", "v": "f", "c": "k", "d": "t", "b": "p", "g": "k"}
_VOWELS = set("aeiouy")


def _word_key(word: str) -> str:
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return ""
    for a, b in _DIGRAPHS:
        w = w.replace(a, b)
    w = re.sub(r"c(?=[eiy])", "S", w)
    out = []
    for i, ch in enumerate(w):
        if ch.isupper() or ch == "0":
            out.append(ch)
            continue
        if ch in _VOWELS:
            if i == 0:
                out.append("A")  # a leading vowel is heard; the others blur
            continue
        if ch in "hw" and (i + 1 >= len(w) or w[i + 1] not in _VOWELS):
            continue  # silent h/w before a consonant or at the end
        out.append(_SINGLE.get(ch, ch).upper())
    key = "".join(out)
    return re.sub(r"(.)\1+", r"\1", key)  # doubled letters sound once


def phonetic_key(text: str) -> str:
    """One key per word, space-separated: "turn on the kitchen light" -> "TRN AN 0 KTXN LT"."""
    return " ".join(k for k in (_word_key(w) for w in normalize_utterance(text).split()) if k)


def word_similarity(a: str, b: str) -> float:
    wa, wb = normalize_utterance(a).split(), normalize_utterance(b).split()
    if not wa or not wb:
        return 0.0
    return difflib.SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def sound_similarity(a: str, b: str) -> float:
    """difflib's ratio over the phonetic keys without spaces (so "eco bee" ~ "ecobee")."""
    ka, kb = phonetic_key(a).replace(" ", ""), phonetic_key(b).replace(" ", "")
    if not ka or not kb:
        return 0.0
    return difflib.SequenceMatcher(None, ka, kb, autojunk=False).ratio()


# Sound classes (after Soundex): consonants a listener (or Whisper) confuses map to one letter.
_CLASSES = str.maketrans({"B": "P", "F": "P", "V": "P", "S": "K", "X": "K", "J": "K", "Z": "K", "G": "K", "D": "T",
                          "0": "T", "M": "N"})  # fmt: skip


def coarse_sound_similarity(a: str, b: str) -> float:
    """``sound_similarity`` over sound classes: "copy" ~ "coffee" 1.0, "wedding" ~ "weather" 0.57, "telly" ~ "tv" 0.5."""
    ka = phonetic_key(a).replace(" ", "").translate(_CLASSES)
    kb = phonetic_key(b).replace(" ", "").translate(_CLASSES)
    if not ka or not kb:
        return 0.0
    return difflib.SequenceMatcher(None, ka, kb, autojunk=False).ratio()


def meaning_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of two L2-normalised rows."""
    return float(np.clip(np.dot(a, b), -1.0, 1.0))


# What a request asks a device to do, and its opposite: a rephrase keeps it, a rewrite never turns it around.
OPPOSITE_DIRECTIONS = {
    "on": "off", "off": "on", "open": "close", "close": "open", "lock": "unlock", "unlock": "lock", "up": "down",
    "down": "up", "start": "stop", "stop": "start", "pause": "resume", "resume": "pause",
}  # fmt: skip


def directions(text: str) -> frozenset[str]:
    """The direction words said ("on", "off", "open", ...)."""
    return frozenset(w for w in normalize_utterance(text).split() if w in OPPOSITE_DIRECTIONS)


def opposite_directions(a: str, b: str) -> bool:
    """``b`` asks for the opposite of ``a`` ("turn on the board slide" / "turn off the bedroom light"): another
    request, not ``a`` said again, and never a rewrite of it."""
    da, db = directions(a), directions(b)
    return any(OPPOSITE_DIRECTIONS[w] in db and w not in db for w in da)


# Words every command has: dropped for ``content_words``, so that names and rooms carry the comparison.
FUNCTION_WORDS = frozenset(
    "turn switch set put make on off the a an please to my in of for and can you could would will me it is".split()
)


def content_words(text: str) -> str:
    """"turn on the stand in light" -> "stand light": what tells one request of a kind from another."""
    return " ".join(w for w in normalize_utterance(text).split() if w not in FUNCTION_WORDS)


NGRAM_DIM = 1024
RETRIEVAL_DIM = 2 * NGRAM_DIM  # the width of retrieval_vectors' rows


def retrieval_vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit rows whose dot product is the mean of the 3-gram cosines of the whole texts and of their
    content words: garbled names stay close to the real ones ("stand in light" ~ "standing light"
    0.79) while other devices of the same kind fall away ("kitchen light" 0.56)."""
    parts = [hashed_ngrams(texts), hashed_ngrams([content_words(t) for t in texts])]
    return np.concatenate(parts, axis=1) / np.float32(np.sqrt(len(parts)))


def hashed_ngrams(texts: Sequence[str], dim: int = NGRAM_DIM) -> np.ndarray:
    """A model-free embedder: character 3-grams of the normalised text, hashed into ``dim`` bins, L2-normalised.

    Good at misheard names ("stubby light" ~ "study light"), blind to synonyms;
    the NLU encoder's ``embed`` replaces it when there is one.
    """
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        clean = normalize_utterance(text)
        if not clean:
            continue  # nothing said: a zero row
        padded = f"  {clean} "
        for i in range(len(padded) - 2):
            out[row, zlib.crc32(padded[i : i + 3].encode()) % dim] += 1.0
        norm = float(np.linalg.norm(out[row]))
        if norm > 0:
            out[row] /= norm
    return out
