"""Rewrite mining: absorbing Markov chains over rephrase sequences (pure: no I/O, no clock).

A rephrase sequence (a chain) is a run of one speaker's turns linked by
``rephrase_of``. Every turn becomes one visit of a transient state, the
normalised utterance; a turn whose text was rewritten before NLU is two
visits: the heard utterance, then the utterance NLU was given, which owns the
turn's outcome. From each visit the chain moves on to the next visit, or, at
its end, into an absorbing state: "<utterance> worked" when the last turn
succeeded, or giving up (the rows of Q and R then sum to less than one).
Single turns are chains of length one, so an utterance that usually works on
its own gets a high probability of absorbing into itself.

With Q the transitions among transient states and R those into absorbing
ones, both estimated by counting over all speakers and days, the absorption
probabilities are B = (I - Q)^-1 R. The rewrite of an utterance is the
absorbing utterance with the highest probability, when that is another
utterance, at least ``min_confidence``, reached by at least ``min_support``
chains, and the utterance itself does not succeed most of the time. The
states split into small connected groups (the rephrases of one request), so
B is solved per group: dense numpy for small groups, a sparse LU for big ones.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

from edge.feedback.events import FeedbackEvent
from edge.feedback.similarity import opposite_directions
from edge.learning.table import Example, Rewrite, RewriteTable, normalize_utterance

log = logging.getLogger("edge.learning")

DENSE_MAX_STATES = 1500  # above this a group is solved with scipy's sparse LU


@dataclass(frozen=True, slots=True)
class _Visit:
    utterance: str
    success: bool | None  # None: this utterance was not interpreted as-is (it was rewritten)


def _visits(event: FeedbackEvent) -> list[_Visit]:
    heard = normalize_utterance(event.text)
    if event.rewritten is not None:
        used = normalize_utterance(event.rewritten)
        if used and used != heard:
            return ([_Visit(heard, None)] if heard else []) + [_Visit(used, event.success)]
    return [_Visit(heard, event.success)] if heard else []


def carries(event: FeedbackEvent) -> bool:
    """Does a fix travel back across this event's rephrase link? Not across a link by meaning alone
    (``extra["rephrase"]["kind"]``) from a turn that failed as well: the encoder tells intents apart, not
    devices, so such a link may join two people's requests for different devices ("turn on the board slide",
    "switch on the tv light"). A turn that worked still fixes the one it rephrased, as on the speaker
    (``edge.learning.loop``)."""
    link = event.extra.get("rephrase")
    return event.success or not isinstance(link, Mapping) or link.get("kind") != "meaning"


def rephrase_chains(events: Iterable[FeedbackEvent]) -> list[list[FeedbackEvent]]:
    """Every root-to-end path through the ``rephrase_of`` links, per speaker, in time order.

    The last event per (speaker, turn_id) wins (the hub's upsert). A link to a
    turn that is missing, or that would form a loop, starts a new chain; so does
    a link by meaning alone from a turn that failed too (``carries``).
    """
    by_key: dict[tuple[str, str], FeedbackEvent] = {}
    for event in events:
        by_key[(event.speaker, event.turn_id)] = event
    children: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    roots: list[tuple[str, str]] = []
    for key, event in by_key.items():
        parent = (event.speaker, event.rephrase_of) if event.rephrase_of and carries(event) else None
        if parent is None or parent not in by_key or parent == key:
            roots.append(key)
        else:
            children[parent].append(key)
    for kids in children.values():
        kids.sort(key=lambda k: (by_key[k].ts, k[1]))
    chains: list[list[FeedbackEvent]] = []
    seen: set[tuple[str, str]] = set()
    for root in sorted(roots, key=lambda k: (by_key[k].ts, k)):
        stack: list[tuple[tuple[str, str], list[FeedbackEvent]]] = [(root, [by_key[root]])]
        while stack:
            key, path = stack.pop()
            seen.add(key)
            kids = [k for k in children.get(key, ()) if k not in seen]
            if not kids:
                chains.append(path)
            for kid in reversed(kids):
                stack.append((kid, [*path, by_key[kid]]))
    # Links that only form loops (a rephrases b rephrases a) leave turns unreached: one chain each.
    for key in sorted(set(by_key) - seen, key=lambda k: (by_key[k].ts, k)):
        chains.append([by_key[key]])
    return chains


class _Counts:
    """Transition counts between visits, support per (source, target), as-is success per utterance."""

    def __init__(self) -> None:
        self.transient: dict[str, int] = {}
        self.absorbing: dict[str, int] = {}
        self.q: Counter[tuple[int, int]] = Counter()
        self.r: Counter[tuple[int, int]] = Counter()
        self.visits: Counter[int] = Counter()
        self.support: Counter[tuple[str, str]] = Counter()
        self.tried: Counter[str] = Counter()
        self.worked: Counter[str] = Counter()

    def _t(self, u: str) -> int:
        return self.transient.setdefault(u, len(self.transient))

    def _a(self, u: str) -> int:
        return self.absorbing.setdefault(u, len(self.absorbing))

    def add_chain(self, chain: Sequence[FeedbackEvent]) -> None:
        visits = [v for event in chain for v in _visits(event)]
        if not visits:
            return
        for v in visits:
            if v.success is not None:
                self.tried[v.utterance] += 1
                self.worked[v.utterance] += int(v.success)
        for here, there in zip(visits, visits[1:]):
            i = self._t(here.utterance)
            self.visits[i] += 1
            self.q[(i, self._t(there.utterance))] += 1
        last = visits[-1]
        i = self._t(last.utterance)
        self.visits[i] += 1
        if last.success:
            self.r[(i, self._a(last.utterance))] += 1
            for source in {v.utterance for v in visits[:-1]} - {last.utterance}:
                self.support[(source, last.utterance)] += 1


def _components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    groups: dict[int, list[int]] = defaultdict(list)
    for x in range(n):
        groups[find(x)].append(x)
    return list(groups.values())


def _absorb(q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """B = (I - Q)^-1 R for one group; least squares if I - Q is (numerically) singular."""
    n = q.shape[0]
    a = np.eye(n) - q
    if n > DENSE_MAX_STATES:
        import scipy.sparse as sp
        from scipy.sparse.linalg import splu

        return np.asarray(splu(sp.csc_matrix(a)).solve(r))
    try:
        return np.linalg.solve(a, r)
    except np.linalg.LinAlgError:  # cannot happen for finite chains; keep going rather than fail the night
        log.warning("singular (I - Q) for a group of %d utterances; using least squares", n)
        return np.linalg.lstsq(a, r, rcond=None)[0]


def absorption_probabilities(events: Iterable[FeedbackEvent]) -> dict[str, dict[str, float]]:
    """For each utterance seen, the probability of ending in each utterance that worked (nonzero ones)."""
    counts = _counts(events)
    return {u: dict(row) for u, row in _solve(counts).items()}


def _counts(events: Iterable[FeedbackEvent]) -> _Counts:
    counts = _Counts()
    for chain in rephrase_chains(events):
        counts.add_chain(chain)
    return counts


def _solve(counts: _Counts) -> dict[str, list[tuple[str, float]]]:
    t_names = list(counts.transient)
    a_names = list(counts.absorbing)
    n_t = len(t_names)
    out: dict[str, list[tuple[str, float]]] = {}
    q_rows: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (i, j), c in counts.q.items():
        q_rows[i].append((j, c))
    r_rows: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (i, j), c in counts.r.items():
        r_rows[i].append((j, c))
    for group in _components(n_t, counts.q):  # B of a state depends only on the states it can reach
        targets = sorted({j for i in group for j, _ in r_rows.get(i, ())})
        if not targets:
            continue  # nothing in this group ever worked
        local = {g: k for k, g in enumerate(group)}
        col = {j: k for k, j in enumerate(targets)}
        q = np.zeros((len(group), len(group)))
        r = np.zeros((len(group), len(targets)))
        for g, k in local.items():
            total = counts.visits[g]
            for j, c in q_rows.get(g, ()):
                q[k, local[j]] = c / total
            for j, c in r_rows.get(g, ()):
                r[k, col[j]] = c / total
        b = _absorb(q, r)
        for g, k in local.items():
            row = [(a_names[j], float(b[k, col[j]])) for j in targets if b[k, col[j]] > 1e-12]
            out[t_names[g]] = sorted(row, key=lambda x: (-x[1], x[0]))
    return out


def mine_rewrites(events: Iterable[FeedbackEvent], *, min_support: int = 2, min_confidence: float = 0.5) -> list[Rewrite]:
    """The rewrites worth shipping, sorted by source: failing utterance -> the one its chains end in."""
    counts = _counts(events)
    rewrites: list[Rewrite] = []
    for source, row in _solve(counts).items():
        if not row:
            continue
        target, p = row[0]
        if target == source:
            continue  # most likely to work as it is
        if opposite_directions(source, target):
            continue  # "on" never becomes "off", whatever the chains say (the speaker refuses it too)
        tried = counts.tried[source]
        if tried and counts.worked[source] * 2 >= tried:
            continue  # succeeds at least half the time on its own: never rewrite it
        support = counts.support[(source, target)]
        if support < min_support or p < min_confidence:
            continue
        rewrites.append(Rewrite(source, target, support, round(p, 6)))
    rewrites.sort(key=lambda r: r.source)
    log.info("mined %d rewrites from %d utterances", len(rewrites), len(counts.transient))
    return rewrites


def mine_examples(
    events: Iterable[FeedbackEvent], *, min_support: int = 1, min_success_rate: float = 0.5
) -> tuple[Example, ...]:
    """Utterances that worked (as NLU got them), with their usual intent, support and success rate.

    Most supported first. An utterance needs ``min_support`` successful turns
    and a success rate of at least ``min_success_rate``.
    """
    tried: Counter[str] = Counter()
    worked: Counter[str] = Counter()
    intents: dict[str, Counter[str]] = defaultdict(Counter)
    latest: dict[tuple[str, str], FeedbackEvent] = {}
    for event in events:
        latest[(event.speaker, event.turn_id)] = event
    for event in latest.values():
        used = normalize_utterance(event.rewritten if event.rewritten is not None else event.text)
        if not used:
            continue
        tried[used] += 1
        if event.success and event.intent:
            worked[used] += 1
            intents[used][event.intent] += 1
    examples = []
    for text, n in worked.items():
        rate = n / tried[text]
        if n >= min_support and rate >= min_success_rate:
            intent = min(intents[text].items(), key=lambda kv: (-kv[1], kv[0]))[0]
            examples.append(Example(text, intent, n, round(rate, 6)))
    examples.sort(key=lambda e: (-e.support, e.text))
    return tuple(examples)


def build_table(
    events: Iterable[FeedbackEvent], version: int, *, min_support: int = 2, min_confidence: float = 0.5, now: float
) -> RewriteTable:
    """The rewrite table for these events: ``mine_rewrites`` + ``mine_examples`` (pure; no MQTT, no clock)."""
    events = list(events)
    rewrites = mine_rewrites(events, min_support=min_support, min_confidence=min_confidence)
    return RewriteTable.of(version, now, rewrites, mine_examples(events))
