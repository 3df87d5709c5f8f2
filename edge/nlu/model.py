"""Our own NLU: a MiniLM-L6 encoder with a joint intent head and a BIO slot head (int8 ONNX).

``ModelInterpreter.interpret(text)`` -> ``NluResult`` (source="model"), the same
interface as ``TemplateMatcher``; plus ``nbest(text, k)`` (calibrated
probabilities) and ``embed(texts)`` (mean-pooled, L2-normalised sentence
embeddings of the same encoder, for rewrite retrieval). Runtime needs
onnxruntime, tokenizers and numpy only; the artifact is built by
``models/nlu/train.py`` (``make train-nlu``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from edge.errors import NluError
from edge.nlu.normalize import infer_domain, normalize_slot
from edge.nlu.templates import area_id, normalize_text
from edge.turn import NluResult

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # before onnxruntime loads (see field notes)

_LOG = logging.getLogger("edge.nlu")

ARTIFACTS = Path(__file__).resolve().parents[2] / "models" / "nlu" / "artifacts"
MODEL_FILE = "nlu.int8.onnx"


@dataclass(frozen=True, slots=True)
class Span:
    """A decoded slot: character offsets into the interpreted text, the words, the slot name."""

    start: int
    end: int
    slot: str
    text: str


@dataclass(frozen=True, slots=True)
class Prediction:
    """Everything one forward pass says about a text."""

    text: str
    probs: np.ndarray  # calibrated probabilities over ``intents`` (OOD last)
    spans: tuple[Span, ...]


def decode_bio(tags: Sequence[str], offsets: Sequence[tuple[int, int]], text: str) -> tuple[Span, ...]:
    """BIO tags per token -> character spans. An ``I-x`` that does not continue an ``x`` starts one.

    Special tokens have empty offsets ``(0, 0)`` and close any open span. A span covers whole words: one the
    head tagged on part of a word ("cap" of "capacitor", the word pieces after it left out) takes the word.
    """
    out: list[Span] = []
    for span in (_whole_words(s, text) for s in _bio_spans(tags, offsets, text)):
        if out and out[-1].slot == span.slot and span.start < out[-1].end:  # two pieces of one word
            start, end = out.pop().start, span.end
            span = Span(start, end, span.slot, text[start:end])
        out.append(span)
    return tuple(out)


def _whole_words(span: Span, text: str) -> Span:
    start, end = span.start, span.end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "'"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] == "'"):
        end += 1
    return span if (start, end) == (span.start, span.end) else Span(start, end, span.slot, text[start:end])


def _bio_spans(tags: Sequence[str], offsets: Sequence[tuple[int, int]], text: str) -> list[Span]:
    spans: list[Span] = []
    cur: list[Any] | None = None  # [slot, start, end]
    for tag, (s, e) in zip(tags, offsets):
        if e <= s or tag == "O":
            if cur:
                spans.append(Span(cur[1], cur[2], cur[0], text[cur[1]:cur[2]]))
            cur = None
            continue
        kind, slot = tag.split("-", 1)
        if kind == "I" and cur and cur[0] == slot:
            cur[2] = e
        else:
            if cur:
                spans.append(Span(cur[1], cur[2], cur[0], text[cur[1]:cur[2]]))
            cur = [slot, s, e]
    if cur:
        spans.append(Span(cur[1], cur[2], cur[0], text[cur[1]:cur[2]]))
    return spans


def spans_to_slots(spans: Sequence[Span], text: str) -> dict[str, Any]:
    """Normalised slot values; several duration spans ("1 hour and 5 minutes") add up."""
    slots: dict[str, Any] = {}
    for sp in spans:
        key, value = normalize_slot(sp.slot, sp.text)
        if key == "duration_s" and key in slots:
            slots[key] += value
        elif key not in slots:
            slots[key] = value
    if "area" in slots:
        slots["area"] = area_id(str(slots["area"]))  # what TemplateMatcher and the resolver use
    if "domain" not in slots:
        domain = infer_domain(str(slots.get("name", ""))) or infer_domain(text)
        if domain:
            slots["domain"] = domain
    return slots


def rejects(probs: np.ndarray, ood_index: int, threshold: float) -> bool:
    """Out of domain: the OOD class wins, or no in-domain intent reaches the threshold."""
    best = int(np.argmax(probs))
    return best == ood_index or float(probs[best]) < threshold


class ModelInterpreter:
    """``interpret(text)`` -> ``NluResult`` from the ONNX intent + slot model."""

    def __init__(self, path: str | Path = ARTIFACTS, *, threads: int = 2, threshold: float | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = Path(path)
        try:
            meta = json.loads((path / "labels.json").read_text())
            self._tok = Tokenizer.from_file(str(path / "tokenizer.json"))
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
            # threads that wait for work sleep instead of spinning: the audio path needs those cores
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            opts.log_severity_level = 3
            self._session = ort.InferenceSession(str(path / MODEL_FILE), opts, providers=["CPUExecutionProvider"])
        except (OSError, ValueError, RuntimeError) as e:
            raise NluError(f"cannot load the NLU model from {path}: {e}", fix="run `make train-nlu`") from e
        self.intents: list[str] = meta["intents"]
        self.ood_label: str = meta["ood_label"]
        self.bio: list[str] = meta["bio"]
        self.max_len: int = int(meta["max_len"])
        self.temperature: float = float(meta["temperature"])
        # subtracted from the out-of-domain logit (after temperature): chosen on the dev split, see calibrate()
        self.ood_bias: float = float(meta.get("ood_bias", 0.0))
        self.threshold: float = float(meta["threshold"] if threshold is None else threshold)
        self._tok.no_padding()
        self._tok.enable_truncation(self.max_len)
        self._ood = self.intents.index(self.ood_label)
        self._lock = threading.Lock()
        self.interpret("turn on the light")  # warm up off the request path

    # -- raw model --------------------------------------------------------------------------------------

    def _run(self, texts: Sequence[str]) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray]:
        encs = self._tok.encode_batch(list(texts))
        n = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), n), dtype=np.int64)
        mask = np.zeros((len(encs), n), dtype=np.int64)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1
        intent_logits, slot_logits, emb = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
        return encs, intent_logits, slot_logits, emb

    def predict(self, text: str) -> Prediction:
        clean = normalize_text(text).casefold()
        if not clean:
            probs = np.zeros(len(self.intents), dtype=np.float32)
            probs[self._ood] = 1.0
            return Prediction(text=clean, probs=probs, spans=())
        encs, logits, slot_logits, _ = self._run([clean])
        z = logits[0] / self.temperature
        z[self._ood] -= self.ood_bias
        p = np.exp(z - z.max())
        p /= p.sum()
        tags = [self.bio[i] for i in slot_logits[0].argmax(-1)]
        return Prediction(text=clean, probs=p, spans=decode_bio(tags, encs[0].offsets, clean))

    # -- the interface shared with TemplateMatcher --------------------------------------------------------

    def nbest(self, text: str, k: int = 3) -> list[tuple[str | None, float]]:
        """The k most probable intents, best first; out-of-domain appears as ``None``."""
        return self._nbest(self.predict(text), k)

    def _nbest(self, pred: Prediction, k: int) -> list[tuple[str | None, float]]:
        order = np.argsort(-pred.probs)[:k]
        return [(None if i == self._ood else self.intents[i], float(pred.probs[i])) for i in order]

    def likely(self, pred: Prediction, k: int) -> list[str]:
        """The k most probable in-domain intents, best first (out-of-domain left out)."""
        return [self.intents[i] for i in np.argsort(-pred.probs) if i != self._ood][:k]

    def is_rejected(self, pred: Prediction) -> bool:
        return rejects(pred.probs, self._ood, self.threshold)

    def interpret(self, text: str, *, area: str = "") -> NluResult:
        return self.result(self.predict(text), area=area)

    def result(self, pred: Prediction, *, area: str = "", k: int = 3) -> NluResult:
        """The ``NluResult`` of a prediction: intent None when rejected, with the top-k n-best."""
        best = int(pred.probs.argmax())
        nbest = tuple(self._nbest(pred, k))
        if self.is_rejected(pred):
            return NluResult(text=pred.text, intent=None, confidence=float(pred.probs[best]), source="model",
                             nbest=nbest)
        slots = spans_to_slots(pred.spans, pred.text)
        if area and "area" not in slots and "name" not in slots and "floor" not in slots:
            slots["area"] = area_id(area)  # the speaker's room, as hassil fills it from context
        return NluResult(
            text=pred.text, intent=self.intents[best], confidence=float(pred.probs[best]), slots=slots, source="model",
            nbest=nbest,
        )

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Mean-pooled, L2-normalised sentence embeddings, shape (len(texts), 384)."""
        out = []
        clean = [normalize_text(t).casefold() or "." for t in texts]
        for i in range(0, len(clean), batch_size):
            out.append(self._run(clean[i:i + batch_size])[3])
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 384), dtype=np.float32)


OVERRIDE_P = 0.9  # how sure the model must be that an exact template match is out of domain (chosen on dev)


def combine(exact: NluResult, model: NluResult, partial: NluResult | None = None,
            override_p: float = OVERRIDE_P, *, any_intent: bool = False) -> NluResult:
    """The combination rule of ``CombinedInterpreter`` on finished results.

    ``exact``: hassil's exact match (intent None if none); ``model``: the model's answer;
    ``partial``: hassil's partial match (a template matched, the device name is not in
    the registry), needed only when ``needs_partial(exact, model)``.

    1. The model overrules an exact match when it is at least ``override_p`` sure the
       sentence is out of domain: chatter a wildcard template happens to cover ("play
       poker with me" fits "play {search_query}"; ``CombinedInterpreter`` asks the model
       only about matches that filled a wildcard, as every such case on dev did). On the
       dev split every such override was right, and the result is the same for any
       ``override_p`` from 0.6 to 0.99 (one more OOD sentence below 0.57); 0.9 stays clear
       of weak verdicts on what dev cannot show, templates the model never saw.
       ``any_intent``: also when it is that sure of another intent; measured, not shipped:
       dev cannot tell how the model does on unseen templates, and its disputed cases were
       sentences two intents' templates share ("put milk on my shopping list").
    2. Otherwise the exact match stands (registry names, the resolver's best input).
    3. Without one, the model decides, rejection included.
    4. A partial match replaces the model's answer only when both agree on the intent and
       the model also reads a device name where hassil found an unknown one ("turn on the
       flux capacitor"), so the resolver can say "no device called flux capacitor". Where
       the model reads no name ("it's too dark in here"), hassil's "name" is just the
       words its template did not cover, and the model's answer stands.
    """
    if exact.intent is not None:
        overrule = model.intent is None or any_intent
        if overrule and model.intent != exact.intent and model.confidence >= override_p:
            return model
        return replace(exact, nbest=model.nbest)
    if partial is not None and needs_partial(exact, model) and partial.intent == model.intent:
        said = _content_words(str(partial.unmatched.get("name", "")))
        if said & _content_words(str(model.slots.get("name", ""))):
            return replace(partial, nbest=model.nbest)
    return model


def needs_partial(exact: NluResult, model: NluResult) -> bool:
    """Whether ``combine`` can use hassil's partial match: no exact match, and the model names a device."""
    return exact.intent is None and model.intent is not None and bool(model.slots.get("name"))


_STOP = frozenset("the a an my our your this that these those in on of to".split())


def _content_words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.casefold())) - _STOP


TEMPLATE_INTENTS = 5  # hassil tries the templates of the model's k most likely intents (chosen on dev)


class CombinedInterpreter:
    """hassil's exact template matches and our model, combined by ``combine`` (measured best in
    ``benchmarks/nlu_eval.py``, rule chosen on the dev split; see models/nlu/README.md).

    The model runs first; hassil then tries only the templates of the model's
    ``template_intents`` most likely intents (hassil's time grows with the intents it tries:
    5 of 42 cut it from about 6 ms to 1 ms a sentence here, and on the dev split it found the
    same exact matches as all 42, one wildcard match less on out-of-domain chatter). An
    exact match without a wildcard slot is final; hassil's partial matching runs only when
    ``combine`` can use it, and only for the model's intent.
    """

    def __init__(self, matcher: Any, model: ModelInterpreter, override_p: float = OVERRIDE_P,
                 template_intents: int = TEMPLATE_INTENTS) -> None:
        self.matcher = matcher
        self.model = model
        self.override_p = override_p
        self.template_intents = template_intents

    def set_vocabulary(self, entries: Any) -> None:
        self.matcher.set_vocabulary(entries)

    def interpret(self, text: str, *, area: str = "") -> NluResult:
        pred = self.model.predict(text)
        model = self.model.result(pred, area=area)
        exact, wildcard = self.matcher.match_detail(text, area=area, intents=self.model.likely(pred, self.template_intents))
        if exact.intent is not None and not wildcard:
            return replace(exact, nbest=model.nbest)
        partial = None
        if needs_partial(exact, model):
            partial = self.matcher.partial(text, area=area, intents=[str(model.intent)])
        return combine(exact, model, partial, self.override_p)

    def nbest(self, text: str, k: int = 3) -> list[tuple[str | None, float]]:
        return self.model.nbest(text, k)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.embed(texts)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m edge.nlu.model "turn the lights off"``: the result, the n-best, the time."""
    import argparse
    import time

    ap = argparse.ArgumentParser(description="interpret text with the ONNX NLU model")
    ap.add_argument("text", nargs="+")
    ap.add_argument("--artifacts", type=Path, default=ARTIFACTS)
    args = ap.parse_args(argv)
    model = ModelInterpreter(args.artifacts)
    for text in args.text:
        t0 = time.perf_counter()
        result = model.interpret(text)
        ms = (time.perf_counter() - t0) * 1000
        print(json.dumps({**result.to_dict(), "nbest": model.nbest(text, 3), "ms": round(ms, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
