"""Learning hub mining speed: events -> absorbing-chain rewrites + examples -> signed table.

    .venv/bin/python benchmarks/hub_mining.py [--events 100000] [--commands 2000] [--seed 1]

Synthetic but shaped like the real thing: ``--commands`` requests, each with
one phrasing that works and up to three that fail (mis-heard or unsupported);
speakers say a command, and after a failure rephrase it (sometimes giving up,
sometimes failing again first). Prints the time of each step, the number of
states, and how many of the planted rewrites were mined (recall) and how many
mined rewrites point at the planted target (precision).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import peak_rss_mb  # noqa: E402
from edge.feedback.events import FeedbackEvent  # noqa: E402
from edge.learning.markov import build_table, rephrase_chains  # noqa: E402
from edge.learning.signing import sign_table, verify_table  # noqa: E402


def synthesize(n_events: int, n_commands: int, seed: int) -> tuple[list[FeedbackEvent], dict[str, str]]:
    rng = random.Random(seed)
    good = [f"turn on the device number {i}" for i in range(n_commands)]
    bad = {i: [f"turn on device {i} variant {k}" for k in range(rng.randint(1, 3))] for i in range(n_commands)}
    planted = {b: good[i] for i, bs in bad.items() for b in bs}
    events: list[FeedbackEvent] = []
    turn = 0

    def add(speaker: str, text: str, ok: bool, of: str | None) -> str:
        nonlocal turn
        turn += 1
        tid = f"t{turn}"
        events.append(FeedbackEvent(
            event_id=f"e{turn}", speaker=speaker, home=f"h{speaker[1:]}", turn_id=tid, ts=float(turn), text=text,
            rewritten=None, rewrite_source=None, intent="HassTurnOn" if ok else None, slots={}, nlu_confidence=0.9 if ok else 0.1,
            asr_logprob=-0.3, no_speech_prob=0.01, wake_score=0.9, entities=(), outcome="done" if ok else "not_understood",
            defects=() if ok else ("rephrased",), rephrase_of=of, failure_point=None if ok else "nlu",
        ))
        return tid

    while len(events) < n_events:
        speaker = f"s{rng.randrange(500)}"
        i = rng.randrange(n_commands)
        if rng.random() < 0.6:
            add(speaker, good[i], True, None)
            continue
        prev = add(speaker, rng.choice(bad[i]), False, None)
        if rng.random() < 0.15:
            continue  # gave up
        if rng.random() < 0.2:
            prev = add(speaker, rng.choice(bad[i]), False, prev)
        add(speaker, good[i], rng.random() < 0.95, prev)
    return events[:n_events], planted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--commands", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    t0 = time.perf_counter()
    events, planted = synthesize(args.events, args.commands, args.seed)
    t1 = time.perf_counter()
    chains = rephrase_chains(events)
    t2 = time.perf_counter()
    table = build_table(events, 1, min_support=2, min_confidence=0.5, now=0.0)
    t3 = time.perf_counter()
    key = Ed25519PrivateKey.generate()
    envelope = sign_table(table, key)
    t4 = time.perf_counter()
    verify_table(envelope, key.public_key())
    t5 = time.perf_counter()
    hits = sum(1 for src, dst in planted.items() if (r := table.rewrites.get(src)) is not None and r.target == dst)
    correct = sum(1 for r in table.rewrites.values() if planted.get(r.source) == r.target)
    print(f"events {len(events):,}  chains {len(chains):,}  planted rewrites {len(planted):,}")
    print(f"synthesize      {1000 * (t1 - t0):8.0f} ms")
    print(f"chains          {1000 * (t2 - t1):8.0f} ms")
    print(f"build_table     {1000 * (t3 - t2):8.0f} ms  (chains + counts + B = (I-Q)^-1 R per group + examples)")
    print(f"sign            {1000 * (t4 - t3):8.0f} ms  envelope {len(envelope) / 1024:.0f} KiB")
    print(f"verify          {1000 * (t5 - t4):8.0f} ms  (what a speaker spends)")
    print(f"rewrites {len(table):,}  examples {len(table.examples):,}  recall {hits / max(1, len(planted)):.3f}  "
          f"precision {correct / max(1, len(table)):.3f}")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
