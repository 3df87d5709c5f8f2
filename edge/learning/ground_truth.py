"""Ground truth from rephrases: the interpretation of the rephrase that worked labels the failed utterance.

"turn on the stubby light" (no device) followed by "turn on the study light"
(done, HassTurnOn, name "Study Light") gives the training example
``{"text": "turn on the stubby light", "intent": "HassTurnOn", "spans": [[12, 24, "name"]],
"source": "feedback", "fold": "train"}``: the format of ``models.nlu.data.Example.to_dict``,
one JSON object a line, which ``models/nlu`` trains on.

A slot value is placed in the failed text where it is said there, else
through a word alignment with the rephrase (the words the rephrase changed
map onto the words they replaced), when at least half the rephrase's other
words are said the same (``MIN_ALIGNED``). A slot said in the rephrase that cannot
be placed drops the example (a half-labelled sentence teaches the slot head
wrong); a slot the rephrase did not say (the speaker's own room, filled from
context) is left out.

Public API::

    example = ground_truth(failed_turn, fixed_turn)        # TrainingExample | None
    example = label_from_rephrase(failed_text, fixed_text, fixed_nlu)
    write_jsonl(examples, path)                            # appends
    read_jsonl(path)                                       # list[TrainingExample]
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from edge.turn import NluResult, Outcome, Turn

# The slots the NLU model's BIO head knows (models.nlu.data.SLOTS; a test keeps them equal),
# and how the runtime's slot names map onto them.
TRAIN_SLOTS = frozenset({
    "area", "brightness", "color", "command", "device_class", "duration", "fan_mode", "floor", "item", "media_class",
    "message", "name", "percentage", "position", "search_query", "state", "temperature", "volume", "volume_step",
})  # fmt: skip
SLOT_NAMES = {"volume_level": "volume", "hours": "duration", "minutes": "duration", "seconds": "duration"}
OUT_OF_DOMAIN = {"OutOfDomain"}
_WORD = re.compile(r"[\w'%.-]+")
MIN_ALIGNED = 0.5  # share of the rephrase's other words the failed text must say the same, for a slot placed by alignment


@dataclass(frozen=True, slots=True)
class TrainingExample:
    text: str
    intent: str
    spans: tuple[tuple[int, int, str], ...]  # (start, end, slot) character spans in ``text``
    source: str = "feedback"
    fold: str = "train"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "intent": self.intent, "spans": [list(s) for s in self.spans],
                "source": self.source, "fold": self.fold}  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TrainingExample:
        spans = tuple((int(s), int(e), str(n)) for s, e, n in d.get("spans", ()))
        return cls(str(d["text"]), str(d["intent"]), spans, str(d.get("source", "feedback")), str(d.get("fold", "train")))


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group().casefold().strip(".")) for m in _WORD.finditer(text)]


def _find(text: str, value: str) -> tuple[int, int] | None:
    m = re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE)
    return (m.start(), m.end()) if m else None


def _aligned(failed: str, fixed: str, span: tuple[int, int]) -> tuple[int, int] | None:
    """The characters of ``failed`` that the words of ``fixed[span]`` correspond to."""
    fw, xw = _words(failed), _words(fixed)
    inside = [i for i, (s, e, _) in enumerate(xw) if s < span[1] and span[0] < e]
    if not inside:
        return None
    lo, hi = inside[0], inside[-1] + 1
    hit: list[int] = []
    matcher = difflib.SequenceMatcher(None, [w for *_, w in xw], [w for *_, w in fw], autojunk=False)
    opcodes = matcher.get_opcodes()
    around = len(xw) - (hi - lo)  # the words of the rephrase outside the slot: most must be said alike
    kept = sum(max(0, a2 - a1 - max(0, min(a2, hi) - max(a1, lo))) for op, a1, a2, _, _ in opcodes if op == "equal")
    if around and kept < MIN_ALIGNED * around:
        return None  # too different a sentence to tell which words the value replaced
    for op, a1, a2, b1, b2 in opcodes:
        if a2 <= lo or a1 >= hi or op == "delete":
            continue
        if op == "equal":
            hit += [b1 + (i - a1) for i in range(max(a1, lo), min(a2, hi))]
        else:  # replace (or insert at the edge of the span): the whole block it replaced
            hit += list(range(b1, b2))
    if not hit:
        return None
    return fw[min(hit)][0], fw[max(hit)][1]


def label_from_rephrase(failed_text: str, fixed_text: str, fixed: NluResult) -> TrainingExample | None:
    """``failed_text`` labelled with ``fixed``'s intent and slots (placed by alignment); None when it cannot be."""
    text = " ".join(failed_text.split())
    if not text or fixed.intent is None or fixed.intent in OUT_OF_DOMAIN:
        return None
    spans: list[tuple[int, int, str]] = []
    for key, value in fixed.slots.items():
        slot = SLOT_NAMES.get(key, key)
        if slot not in TRAIN_SLOTS or value is None or isinstance(value, (dict, list)):
            continue
        said = str(value).replace("_", " ").strip()
        where = _find(text, said)
        if where is None:
            in_fixed = _find(fixed_text, said)
            if in_fixed is None:
                continue  # not said in the rephrase either: filled from context
            where = _aligned(text, fixed_text, in_fixed)
            if where is None:
                return None
        if any(s < where[1] and where[0] < e for s, e, _ in spans):
            return None  # two slots on the same words: not a clean label
        spans.append((where[0], where[1], slot))
    return TrainingExample(text, fixed.intent, tuple(sorted(spans)))


def worked(turn: Turn) -> bool:
    return turn.outcome in (Outcome.DONE, Outcome.ANSWERED) and turn.nlu is not None and turn.nlu.intent is not None


def ground_truth(failed: Turn, fixed: Turn) -> TrainingExample | None:
    """The label a successful rephrase gives the failed turn: what was heard, as the rephrase was understood."""
    if not worked(fixed) or fixed.nlu is None:
        return None
    from edge.feedback.rephrase import text_of

    return label_from_rephrase(text_of(failed), fixed.nlu.text, fixed.nlu)


def write_jsonl(examples: Iterable[TrainingExample], path: Path | str) -> int:
    """Append the examples to ``path`` (created with its folder); how many were written."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with p.open("a", encoding="utf-8") as f:
        for ex in examples:
            f.write(json.dumps(ex.to_dict(), sort_keys=True) + "\n")
            n += 1
    return n


def read_jsonl(path: Path | str) -> list[TrainingExample]:
    p = Path(path)
    if not p.exists():
        return []
    return [TrainingExample.from_dict(json.loads(line)) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def summary(path: Path | str) -> dict[str, Any]:
    """Where the speaker's ground truth is and what it holds: {"path", "exists", "examples", "intents"}."""
    p = Path(path)
    examples = read_jsonl(p)
    intents: dict[str, int] = {}
    for ex in examples:
        intents[ex.intent] = intents.get(ex.intent, 0) + 1
    return {"path": str(p), "exists": p.exists(), "examples": len(examples), "intents": dict(sorted(intents.items()))}


def main(argv: list[str] | None = None) -> int:
    """``python -m edge.learning.ground_truth [--config FILE] [--json]``: where this speaker writes its ground
    truth (``[learning] ground_truth``, default ``<state dir>/nlu-feedback.jsonl``), how many examples it holds,
    and the command that trains on it."""
    import argparse
    import sys

    from edge.config import load_settings
    from edge.errors import EdgeError

    ap = argparse.ArgumentParser(description="Where the speaker's NLU ground truth is, and what it holds.")
    ap.add_argument("--config", help="the speaker's TOML config (default: every default)")
    ap.add_argument("--profile", help="a board profile from hardware/")
    ap.add_argument("--json", action="store_true", help="one JSON object")
    args = ap.parse_args(argv)
    try:
        info = summary(load_settings(args.config, profile=args.profile).learning.ground_truth_path())
    except (EdgeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(info))
    else:
        print(f"{info['path']}: {info['examples']} examples" + ("" if info["exists"] else " (not written yet)"))
        for intent, n in info["intents"].items():
            print(f"  {intent}: {n}")
        print(f"train on it: make train-nlu FEEDBACK={info['path']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
