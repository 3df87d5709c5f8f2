"""Rewrites before NLU: what the user taught, the hub's signed table, then online retrieval.

Public API (used by ``edge.learning.loop``, the processor and the simulator)::

    rewriter = Rewriter(table=subscriber.current, personal=PersonalStore(path), embed=None)
    step = rewriter.rewrite(text, understand, asr=turn.asr)   # Rewritten
    step.text, step.understanding.nlu, step.rewrite            # RewriteResult | None

``understand(text) -> Understanding`` is the caller's NLU + entity resolution
without acting (the processor's), so the rewriter can tell whether a request
works here. The order, first that applies wins:

1. **taught** (``PersonalStore.taught_for``): the user said what this phrase
   means; always applied (score 1.0).
2. The guard: what already works is left alone: a request fully understood
   (``exact``: a template matched every word, confidence 1.0, so the names
   are this home's) with a device when the intent needs one.
3. **table** (``RewriteTable.lookup``, the hub's signed table): applied when
   its target works here (``works``: an intent, NLU confidence >=
   ``confident``, a device when it needs one). The table is fleet evidence
   that the utterance fails, so it also overrules a confident model guess
   (the model often maps a garbled name to "the light in this room").
   No rewrite from the table, a pair or a substitution asks for the opposite
   of what was said (``opposite_directions``: "on" never becomes "off").
   Then, the same way, this home's own pairs (``PersonalStore.rephrase_for``:
   what failed here -> the rephrase that worked, source **personal**, score
   1.0), and its learned word substitutions (``PersonalStore.substitutions``:
   "whole light" -> "hallway light", score 0.9), longest first.
4. **global** / **personal** online retrieval, only when the request looks
   defect-prone (``defect_prone``: low ASR confidence, NLU not confident or
   not understood, no device, or a device found from a model's guess rather
   than an exact match): nearest neighbours among utterances that worked
   (``RewriteTable.examples``; this home's own ``PersonalStore.examples``) by
   ``edge.feedback.similarity.retrieval_vectors`` (character 3-grams of the
   whole text and of its content words: what tells device names apart), at
   least ``min_similarity`` (``guess_min_similarity`` when the original
   already works as a guess); re-ranked by how often the neighbour worked
   (``success_weight``), its support (``support_weight``), ``personal_bonus``
   for this home's own and, with the NLU encoder's ``embed``, its meaning
   (``meaning_weight`` * cosine; the encoder separates intents, not device
   names: "turn on the reading lamp" / "turn on the standing light" 0.91,
   / "turn off the kitchen light" 0.27; it is no veto: it misreads exactly
   what NLU misread, "turn on the copy maker" / "... coffee maker" 0.64). The best one whose
   interpretation works here (its device exists), keeps the intent when the
   original had a confident-enough one (``keep_intent``, or a template
   matched all but the name), says the same numbers ("5 minutes" never
   becomes "15 minutes") and the same direction ("on" never becomes "off").

Never here: acting. Security-sensitive targets (unlock, open a garage door,
disarm) come back like any other; the processor then asks for a
confirmation (from audio) or refuses (text), never acts on a rewrite alone.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Callable, Sequence

import re

import numpy as np

from edge.feedback.similarity import RETRIEVAL_DIM, directions, opposite_directions, retrieval_vectors
from edge.learning.table import RewriteTable, normalize_utterance
from edge.rewrite.personal import PersonalStore
from edge.turn import AsrResult, NluResult, RewriteResult

log = logging.getLogger("edge.rewrite")

Embedder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class Understanding:
    """What NLU and entity resolution make of a text, without acting."""

    nlu: NluResult
    device_found: bool | None = None  # None: the intent needs no device; False: none matched
    entities: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RewriteSettings:
    enabled: bool = True  # all rewriting; False = NLU always gets the text as heard
    online: bool = True  # retrieval (global + personal layers); the table and taught phrases still apply without it
    confident: float = 0.8  # NLU confidence of a request that works (and is left alone)
    asr_logprob_low: float = -0.8  # a transcript under this avg log-prob looks defect-prone
    no_speech_high: float = 0.5
    keep_intent: float = 0.8  # an original understood at least this confidently keeps its intent in a rewrite
    min_similarity: float = 0.65  # least similarity of a neighbour
    guess_min_similarity: float = 0.72  # ... when the original works as a model's guess (a device found, not exactly)
    top_k: int = 5  # neighbours interpreted, best re-ranked first
    success_weight: float = 0.1  # re-rank: + weight * (success_rate - 0.5)
    support_weight: float = 0.02  # re-rank: + weight * log(1 + support)
    personal_bonus: float = 0.05  # re-rank: this home's own utterance
    personal_min_support: int = 1  # times this home said a failed utterance again, and it worked, before its pair applies
    meaning_weight: float = 0.1  # re-rank: + weight * embedding cosine (with an embedder)


@dataclass(frozen=True, slots=True)
class Neighbour:
    text: str
    intent: str
    source: str  # "global" | "personal"
    similarity: float  # lexical (retrieval_vectors), 0..1
    meaning: float | None  # embedding cosine; None without an embedder
    support: int
    success_rate: float
    score: float  # after re-ranking


@dataclass(frozen=True, slots=True)
class Rewritten:
    text: str  # what NLU interpreted
    understanding: Understanding  # of ``text``
    rewrite: RewriteResult | None  # None: the text as heard


class Rewriter:
    def __init__(
        self,
        *,
        table: Callable[[], RewriteTable | None] = lambda: None,
        personal: PersonalStore | None = None,
        embed: Embedder | None = None,
        settings: RewriteSettings = RewriteSettings(),
    ) -> None:
        self._table = table
        self.personal = personal
        self.embed = embed
        self.settings = settings
        self._global: _Index | None = None
        self._personal: _Index | None = None
        self._queries: dict[str, np.ndarray] = {}

    # -- the guard ------------------------------------------------------------------------
    @staticmethod
    def exact(u: Understanding) -> bool:
        """Fully understood (every word matched a template, confidence 1.0) with a device when it needs one."""
        return u.nlu.intent is not None and u.nlu.confidence >= 1.0 and u.device_found is not False

    def works(self, u: Understanding) -> bool:
        """Understood confidently, with a device when it needs one (what a rewrite must lead to)."""
        return u.nlu.intent is not None and u.nlu.confidence >= self.settings.confident and u.device_found is not False

    def defect_prone(self, u: Understanding, asr: AsrResult | None = None) -> bool:
        """Low ASR confidence, not (confidently) understood, no device, or a device found by a guess."""
        s = self.settings
        weak_asr = asr is not None and (asr.avg_logprob < s.asr_logprob_low or asr.no_speech_prob >= s.no_speech_high)
        return weak_asr or not self.works(u) or (u.device_found is True and not self.exact(u))

    # -- the steps ------------------------------------------------------------------------
    def rewrite(self, text: str, understand: Callable[[str], Understanding], *, asr: AsrResult | None = None) -> Rewritten:
        s = self.settings
        if s.enabled and self.personal is not None:
            taught = self.personal.taught_for(text)
            if taught is not None:
                return self._rewritten(text, taught.target, understand(taught.target), "taught", 1.0)
        first = understand(text)
        if not s.enabled or self.exact(first):
            return Rewritten(text, first, None)
        table = self._table()
        hit = table.lookup(text) if table is not None else None
        if hit is not None and opposite_directions(text, hit.target):
            log.info("table rewrite %r -> %r turns the request around: not applied", text, hit.target)
        elif hit is not None and normalize_utterance(hit.target) != normalize_utterance(text):
            u = understand(hit.target)
            if self.works(u):
                return self._rewritten(text, hit.target, u, "table", hit.confidence, table.version if table else 0)
            log.info("table rewrite %r -> %r does not work here", text, hit.target)
        pair = self.personal.rephrase_for(text) if self.personal is not None and s.online else None
        if pair is not None and pair[1] >= s.personal_min_support and not opposite_directions(text, pair[0]):
            u = understand(pair[0])
            if self.works(u):
                return self._rewritten(text, pair[0], u, "personal", 1.0)
        for target in self.substituted(text) if s.online else ():
            if opposite_directions(text, target):
                continue
            u = understand(target)
            if self.works(u):
                return self._rewritten(text, target, u, "personal", 0.9)
        if not s.online or not self.defect_prone(first, asr):
            return Rewritten(text, first, None)
        keep = first.nlu.intent if first.nlu.intent is not None and (
            first.nlu.confidence >= s.keep_intent or first.nlu.source == "hassil"  # a template matched: only a name is unknown
        ) else None  # fmt: skip
        least = s.guess_min_similarity if self.works(first) else s.min_similarity
        said = (_numbers(text), directions(text))
        for n in self.neighbours(text, table):
            if n.similarity < least or (keep is not None and n.intent != keep):
                continue
            if _numbers(n.text) != said[0] or (said[1] and directions(n.text) != said[1]):
                continue  # "5 minutes" never becomes "15 minutes", "on" never "off"
            u = understand(n.text)
            if self.works(u) and (keep is None or u.nlu.intent == keep):
                return self._rewritten(text, n.text, u, n.source, n.similarity)
        return Rewritten(text, first, None)

    def _rewritten(self, original: str, target: str, u: Understanding, source: str, score: float, version: int = 0) -> Rewritten:
        log.info("rewrote %r -> %r (%s, %.2f)", original, target, source, score)
        return Rewritten(target, u, RewriteResult(original, target, source, round(float(score), 3), version))

    def substituted(self, text: str) -> list[str]:
        """``text`` with each of this home's learned substitutions that fits it ("whole light" -> "hallway light")."""
        if self.personal is None:
            return []
        said = normalize_utterance(text)
        out = []
        for source, target, support in self.personal.substitutions():
            if support < self.settings.personal_min_support:
                continue
            changed = re.sub(rf"(?<!\S){re.escape(source)}(?!\S)", target, said)
            if changed != said:
                out.append(changed)
        return out

    # -- retrieval -------------------------------------------------------------------------
    def _rows(self, texts: Sequence[str]) -> np.ndarray:
        """Lexical columns (RETRIEVAL_DIM), then the embedding's (with an embedder), one row per text."""
        rows = retrieval_vectors(texts)
        if self.embed is not None and len(texts):
            rows = np.concatenate([rows, np.asarray(self.embed(list(texts)), dtype=np.float32)], axis=1)
        return rows

    def _indexes(self, table: RewriteTable | None) -> list[_Index]:
        """The utterances that worked as matrices, one for the table's (global) and one for this home's
        (personal); each rebuilt only when its source changes."""
        key = (table.version, table.created_at, len(table.examples)) if table is not None else ()
        if self._global is None or self._global.key != key:
            examples = table.examples if table is not None else ()
            self._global = self._index_of(key, [(e.text, e.intent, e.support, e.success_rate, "global") for e in examples])
        if self.personal is None:
            return [self._global]
        key = (self.personal.version,)
        if self._personal is None or self._personal.key != key:
            mine = self.personal.examples()
            self._personal = self._index_of(key, [(p.text, p.intent, p.successes, p.success_rate, "personal") for p in mine])
        return [self._global, self._personal]

    def _index_of(self, key: tuple[object, ...], meta: list[tuple[str, str, int, float, str]]) -> _Index:
        keys = [normalize_utterance(m[0]) for m in meta]
        rows = self._rows(keys) if keys else np.zeros((0, RETRIEVAL_DIM), np.float32)
        lexical = np.ascontiguousarray(rows[:, :RETRIEVAL_DIM])
        meaning = np.ascontiguousarray(rows[:, RETRIEVAL_DIM:]) if keys and self.embed is not None else None
        return _Index(key, keys, meta, lexical, meaning)

    def neighbours(self, text: str, table: RewriteTable | None = None) -> list[Neighbour]:
        """Utterances that worked, most alike first after re-ranking, at most ``top_k``, at least ``min_similarity``."""
        s = self.settings
        said = normalize_utterance(text)
        query = self._queries.get(said)
        if query is None:
            if len(self._queries) >= 256:
                self._queries.clear()
            query = self._queries[said] = self._rows([said])[0]
        best: dict[str, Neighbour] = {}  # by normalised text: this home's own over the global one
        for index in self._indexes(table):
            if not index.keys:
                continue
            sims = index.lexical @ query[:RETRIEVAL_DIM]
            meanings = index.meaning @ query[RETRIEVAL_DIM:] if index.meaning is not None else None
            for i in np.flatnonzero(sims >= s.min_similarity):
                if index.keys[i] == said:
                    continue
                t, intent, support, rate, source = index.meta[i]
                mean = None if meanings is None else float(meanings[i])
                score = float(sims[i]) + s.success_weight * (rate - 0.5) + s.support_weight * math.log1p(support)
                score += s.personal_bonus if source == "personal" else 0.0
                score += s.meaning_weight * mean if mean is not None else 0.0
                meaning = None if mean is None else round(mean, 3)
                similarity = round(float(sims[i]), 3)
                best[index.keys[i]] = Neighbour(t, intent, source, similarity, meaning, support, rate, round(score, 4))
        out = list(best.values())
        out.sort(key=lambda n: n.score, reverse=True)
        return out[: s.top_k]


@dataclass(frozen=True, slots=True)
class _Index:
    key: tuple[object, ...]
    keys: list[str]  # normalised utterances
    meta: list[tuple[str, str, int, float, str]]  # (text, intent, support, success_rate, source)
    lexical: np.ndarray  # retrieval_vectors rows
    meaning: np.ndarray | None  # the embedder's rows, with one


_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred half quarter".split()
)


def _numbers(text: str) -> tuple[str, ...]:
    """The numbers said, in order: a rewrite must keep them."""
    return tuple(w for w in re.findall(r"[a-z]+|\d+(?:\.\d+)?", text.casefold()) if w[0].isdigit() or w in _NUMBER_WORDS)
