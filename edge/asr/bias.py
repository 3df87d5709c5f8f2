"""Choosing among Whisper's n-best hypotheses: drop runaway ones, favour the home's names.

Prompt biasing (``hotwords`` / ``initial_prompt``) breaks decoding with the short
encoder window, so the home's vocabulary (device and area names) acts after
decoding instead: every hypothesis of the beam gets a bonus per word it covers
with a vocabulary phrase, and the best total wins. Matching is on normalised
words with a light stem ("lights" matches "light"), so it costs microseconds.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from edge.nlu.normalize import singular

DEFAULT_WORD_BONUS = 0.2  # log-prob per matched word; 0.15-0.5 all gave the same WER (benchmarks/asr_window.py)
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True, slots=True)
class Hypothesis:
    text: str  # as decoded, stripped
    score: float  # CTranslate2's ranking score: cumulative log prob / number of tokens
    n_tokens: int

    @property
    def avg_logprob(self) -> float:
        """faster-whisper's avg_logprob (length penalty 1): cumulative log prob / (tokens + 1)."""
        return self.score * self.n_tokens / (self.n_tokens + 1)


@dataclass(frozen=True, slots=True)
class Ranked:
    hypothesis: Hypothesis
    bonus: float  # vocabulary bonus added to the score

    @property
    def total(self) -> float:
        return self.hypothesis.score + self.bonus


def words(text: str) -> list[str]:
    """Lower-case words without punctuation ("Turn on the Kitchen-Light." -> turn on the kitchen light)."""
    return _WORD.findall(text.lower().replace("-", " ").replace("\u2019", "'"))


def _stem(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    return singular(word)


def stems(text: str) -> tuple[str, ...]:
    return tuple(_stem(w) for w in words(text))


@lru_cache(maxsize=8)
def compile_vocabulary(vocabulary: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Normalised, de-duplicated phrases, longest first."""
    phrases = {stems(v) for v in vocabulary}
    phrases.discard(())
    return tuple(sorted(phrases, key=lambda p: (-len(p), p)))


def covered_words(text: str, phrases: Iterable[tuple[str, ...]]) -> int:
    """Words of ``text`` matched by vocabulary phrases, each phrase counted once.

    ``phrases`` come longest first, so "kitchen" inside a matched "kitchen light"
    adds nothing, and a name said twice (a runaway repeat) earns no more than once.
    """
    ws = stems(text)
    taken: set[int] = set()
    total = 0
    for p in phrases:
        n = len(p)
        for i in range(len(ws) - n + 1):
            span = range(i, i + n)
            if ws[i : i + n] == p and taken.isdisjoint(span):
                taken.update(span)
                total += n
                break
    return total


def trim_repetition(text: str, min_words: int = 3) -> str:
    """Cut a tail that repeats earlier words: Whisper, given a short window, often says the
    command again ("turn off the lights in the office turn off the lights in"). The first copy
    is kept; a tail of fewer than ``min_words`` words is left alone ("no no")."""
    tokens = text.split()
    norm = [re.sub(r"[^\w']", "", t.casefold()) for t in tokens]
    for j in range(min_words, len(norm) - min_words + 1):
        tail = norm[j:]
        if any(norm[i : i + len(tail)] == tail for i in range(0, j - min_words + 1)):
            return " ".join(tokens[:j]).rstrip(",;:")
    return text


def is_degenerate(text: str, n_tokens: int, max_new_tokens: int) -> bool:
    """Whisper's failure mode: the same words over and over, or decoding that hit the token cap."""
    if n_tokens >= max_new_tokens:
        return True
    ws = words(text)
    for k in range(1, len(ws) // 2 + 1):
        need = 3 if k == 1 else 2  # "no no" is speech; "next next next" or a repeated phrase is not
        for i in range(len(ws) - k * need + 1):
            gram = ws[i : i + k]
            if all(ws[i + j * k : i + (j + 1) * k] == gram for j in range(1, need)):
                return True
    data = text.encode("utf-8")
    return len(data) > 24 and len(data) / len(zlib.compress(data)) > 2.4  # faster-whisper's threshold


def rank(
    hypotheses: Sequence[Hypothesis],
    vocabulary: Sequence[str] = (),
    *,
    word_bonus: float = DEFAULT_WORD_BONUS,
) -> list[Ranked]:
    """Hypotheses best first by score + word_bonus x words covered by the vocabulary (stable on ties)."""
    phrases = compile_vocabulary(tuple(vocabulary)) if vocabulary and word_bonus else ()
    ranked = [Ranked(h, word_bonus * covered_words(h.text, phrases) if phrases else 0.0) for h in hypotheses]
    order = sorted(range(len(ranked)), key=lambda i: (-ranked[i].total, i))
    return [ranked[i] for i in order]


def distinct_texts(texts: Iterable[str], exclude: str = "") -> tuple[str, ...]:
    """Texts that differ in more than case and punctuation, first occurrence kept."""
    seen = {tuple(words(exclude))} if exclude else set()
    out = []
    for t in texts:
        key = tuple(words(t))
        if key and key not in seen:
            seen.add(key)
            out.append(t)
    return tuple(out)
