"""NLU: our ONNX model vs hassil alone vs their combinations, in the same run.

Per evaluation set: intent accuracy (in-domain), false rejects (in-domain
sentences answered "not understood"), OOD rejection, slot F1 on normalised
values; then latency per utterance, model size and RSS added.

Sets (never trained on, see models/nlu/data.py for the declared splits):
  gen    held-out fold of sentences generated from home-assistant-intents templates
         (held-out templates and device/area names)
  hwu64  HWU64 folds 9-10, smart-home intents mapped to Home Assistant's, the rest OOD
  slurp  SLURP devel, even slurp_id, mapped the same way (free phrasing)
Data: ../shared/data/nlu (HWU64 CC BY 4.0, SLURP CC BY 4.0), home-assistant-intents (Apache-2.0).

Usage: python benchmarks/nlu_eval.py [--limit N] [--threads 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import edge  # noqa: E402,F401  (privacy environment before onnxruntime)
from benchmarks._common import pct  # noqa: E402
from edge.nlu import TemplateMatcher, VocabularyEntry  # noqa: E402
from edge.nlu.model import ARTIFACTS, MODEL_FILE, CombinedInterpreter, ModelInterpreter  # noqa: E402
from edge.nlu.model import combine as combine_shipped  # noqa: E402
from edge.nlu.normalize import normalize_slot  # noqa: E402
from edge.turn import NluResult  # noqa: E402
from models.nlu.data import AREAS, NAMES, OOD, Example, all_examples  # noqa: E402

SYSTEMS = ("hassil", "model", "exact>model", "model>exact", "hassil>model")
# exact>model   hassil's exact match first, else the model (a partial hassil match only if the model agrees): shipped
# model>exact   the model first; hassil's exact match only where the model rejects
# hassil>model  any hassil answer first (also partial matches with an unknown name), else the model
# hwu64 / slurp annotate only these slots in a way comparable to ours
SLOT_KEYS = {"gen": None, "hwu64": {"area", "color"}, "slurp": {"area", "color"}}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def vocabulary() -> list[VocabularyEntry]:
    """Every device name and area the generator uses (both folds): a home that has them all."""
    entries = []
    for i, (domain, names) in enumerate(sorted(NAMES.items())):
        for j, name in enumerate(names):
            dom = "binary_sensor" if domain == "sensor" else domain
            entries.append(VocabularyEntry(name.title(), dom, AREAS[(i + j) % len(AREAS)].title()))
    for k, area in enumerate(AREAS):
        entries.append(VocabularyEntry(f"{area.title()} Light", "light", area.title()))
    return entries


def _canon(key: str, value: Any) -> tuple[str, str]:
    text = str(value).casefold().replace("_", " ").strip()
    return key, text


def gold_slots(ex: Example) -> set[tuple[str, str]]:
    out = set()
    for s, e, slot in ex.spans:
        key, value = normalize_slot(slot, ex.text[s:e])
        out.add(_canon(key, value))
    return out


def pred_slots(r: NluResult) -> set[tuple[str, str]]:
    slots = dict(r.slots)
    if r.source == "hassil":  # hassil's timer slots -> one duration
        secs = sum(float(slots.pop(k, 0) or 0) * m for k, m in (("hours", 3600), ("minutes", 60), ("seconds", 1)))
        if secs:
            slots["duration_s"] = int(secs)
        if "volume_level" in slots:
            slots["volume"] = slots.pop("volume_level")
        if "conversation_command" in slots:
            slots["command"] = slots.pop("conversation_command")
    slots.pop("domain", None)
    out = set()
    for k, v in slots.items():
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out.add(_canon(k, v))
    return out


def combine(order: str, h: NluResult, m: NluResult) -> NluResult:
    if order == "exact>model":
        return combine_shipped(h, m)
    if order == "model>exact":
        return m if m.intent is not None or h.confidence < 1.0 else h
    if order == "hassil>model":
        return h if h.intent is not None else m
    return h if order == "hassil" else m


def evaluate(name: str, examples: list[Example], results: dict[str, list[NluResult]]) -> list[str]:
    rows = []
    keys = SLOT_KEYS[name]
    ind = [i for i, e in enumerate(examples) if e.intent != OOD]
    ood = [i for i, e in enumerate(examples) if e.intent == OOD]
    for system in SYSTEMS:
        res = results[system]
        acc = sum(res[i].intent == examples[i].intent for i in ind) / max(1, len(ind))
        frej = sum(res[i].intent is None for i in ind) / max(1, len(ind))
        orej = sum(res[i].intent is None for i in ood) / len(ood) if ood else float("nan")
        tp = fp = fn = 0
        for i in ind:
            g, p = gold_slots(examples[i]), pred_slots(res[i])
            if keys is not None:
                g = {x for x in g if x[0] in keys}
                p = {x for x in p if x[0] in keys}
            tp += len(g & p)
            fp += len(p - g)
            fn += len(g - p)
        f1 = 2 * tp / max(1, 2 * tp + fp + fn)
        rows.append(f"{name:6} {system:13} {len(ind):6} {100 * acc:8.1f} {100 * frej:9.1f} {len(ood):6} "
                    f"{100 * orej:8.1f} {100 * f1:8.1f}")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="at most N sentences per set")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--artifacts", type=Path, default=ARTIFACTS)
    args = ap.parse_args()

    sets: dict[str, list[Example]] = {}
    for e in all_examples():
        if e.fold == "eval":
            sets.setdefault(e.source, []).append(e)
    if args.limit:
        sets = {k: v[: args.limit] for k, v in sets.items()}

    matcher = TemplateMatcher("en")
    matcher.set_vocabulary(vocabulary())
    rss0 = rss_mb()
    model = ModelInterpreter(args.artifacts, threads=args.threads)
    rss1 = rss_mb()
    combined = CombinedInterpreter(matcher, model)

    lat: dict[str, list[float]] = {"hassil": [], "model": [], "exact>model (combined)": []}
    out = ["set    system          in-dom  acc %  f-rej %    ood  rej %   slotF1"]
    for name, examples in sets.items():
        results: dict[str, list[NluResult]] = {s: [] for s in SYSTEMS}
        for ex in examples:
            t0 = time.perf_counter()
            h = matcher.interpret(ex.text)
            t1 = time.perf_counter()
            m = model.interpret(ex.text)
            t2 = time.perf_counter()
            combined.interpret(ex.text)
            t3 = time.perf_counter()
            lat["hassil"].append((t1 - t0) * 1000)
            lat["model"].append((t2 - t1) * 1000)
            lat["exact>model (combined)"].append((t3 - t2) * 1000)
            for s in SYSTEMS:
                results[s].append(combine(s, h, m))
        out.extend(evaluate(name, examples, results))
    print("\n".join(out))
    print()
    for k, v in lat.items():
        print(f"latency {k:24} p50 {pct(v, 0.5):6.2f} ms  p90 {pct(v, 0.9):6.2f} ms  n={len(v)}")
    size = (args.artifacts / MODEL_FILE).stat().st_size / 1e6
    tok = (args.artifacts / "tokenizer.json").stat().st_size / 1e6
    print(f"model size {size:.1f} MB (+ tokenizer {tok:.1f} MB); RSS added by loading {rss1 - rss0:.0f} MB, "
          f"after the run {rss_mb() - rss0:.0f} MB; threads {args.threads}")
    print(f"rejection threshold {model.threshold:.3f}, temperature {model.temperature:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
