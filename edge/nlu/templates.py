"""hassil template matching over Home Assistant's own English sentences."""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any, Collection, Iterable

from edge.errors import NluError
from edge.nlu.extra_sentences import with_extra_sentences
from edge.turn import NluResult

_LOG = logging.getLogger("edge.nlu")
MATCH_CACHE = 512  # exact matches remembered, by (text, area)


@dataclass(frozen=True, slots=True)
class VocabularyEntry:
    """One name the user may say for a device, with the context templates check."""

    name: str
    domain: str
    area: str = ""  # area display name ("Living Room")
    device_class: str = ""


def normalize_text(text: str) -> str:
    """What hassil sees: no surrounding punctuation, single spaces, ``%`` kept."""
    text = text.replace("’", "'")
    text = re.sub(r"[^\w\s'%.:-]", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # full stops go, decimal points stay
    return re.sub(r"\s+", " ", text).strip()


def area_id(area: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", area.casefold()).strip("_")


class TemplateMatcher:
    """``interpret(text)`` -> ``NluResult``; the vocabulary can be swapped at any time."""

    def __init__(self, language: str = "en", *, cache_size: int = MATCH_CACHE) -> None:
        from hassil import Intents
        from home_assistant_intents import get_intents

        data = get_intents(language)
        if data is None:
            raise NluError(f"no Home Assistant intents for language {language!r}", fix="set [nlu] language = \"en\"")
        self.language = language
        if language == "en":
            data = with_extra_sentences(data)
        self._intents = Intents.from_dict(data)
        self.intent_names = frozenset(self._intents.intents)
        self._subsets: dict[frozenset[str], Any] = {}  # hassil Intents restricted to a few intents, by their names
        self._lock = threading.Lock()
        self._lists: dict[str, Any] = {}
        # the last exact matches by (text, area): people say the same few commands every day, and
        # hassil takes 3-10 ms a sentence on a Pi-class CPU; cleared when the vocabulary changes
        self._matches: OrderedDict[tuple[str, str, frozenset[str] | None], tuple[NluResult, bool]] = OrderedDict()
        self._cache_size = cache_size
        self.set_vocabulary([])
        self.interpret("turn on the light")  # warm hassil's caches off the request path

    def set_vocabulary(self, entries: Iterable[VocabularyEntry]) -> None:
        from hassil.intents import TextSlotList

        names: list[tuple[str, str, dict[str, Any]]] = []
        areas: dict[str, str] = {}
        for e in entries:
            context: dict[str, Any] = {"domain": e.domain}
            if e.device_class:
                context["device_class"] = e.device_class
            if e.area:
                areas[e.area] = area_id(e.area)
            names.append((e.name, e.name, context))
        lists = {
            "name": TextSlotList.from_tuples(names, allow_template=False, name="name"),
            "area": TextSlotList.from_tuples(sorted(areas.items()), allow_template=False, name="area"),
            "floor": TextSlotList.from_strings([], allow_template=False, name="floor"),
        }
        with self._lock:
            self._lists = lists
            self._matches.clear()  # other names, other matches

    def forget(self) -> None:
        """Drop the remembered matches (benchmarks time hassil itself, not the memory)."""
        with self._lock:
            self._matches.clear()

    def interpret(self, text: str, *, area: str = "") -> NluResult:
        """An exact template match (confidence 1.0), else a partial one (0.5, see ``partial``), else none."""
        result = self.match(text, area=area)
        if result.intent is not None or not normalize_text(text):
            return result
        return self.partial(text, area=area)

    def _only(self, intents: Collection[str] | None) -> Any:
        """hassil's intents, or only those named (hassil's time grows with the intents it tries)."""
        if intents is None:
            return self._intents
        key = frozenset(intents) & self.intent_names
        with self._lock:
            sub = self._subsets.get(key)
            if sub is None:
                if len(self._subsets) > 4096:  # a bounded memory of the model's n-best combinations
                    self._subsets.clear()
                sub = self._subsets[key] = replace(
                    self._intents, intents={k: v for k, v in self._intents.intents.items() if k in key})
        return sub

    def _context(self, text: str, area: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
        with self._lock:
            lists = self._lists
        # Home Assistant's "here" templates ("turn on the lights", "what's the temperature") need an
        # area in the context; without a configured speaker area they match with no area slot.
        return normalize_text(text), lists, {"area": area_id(area) if area else _NO_AREA}

    def match(self, text: str, *, area: str = "") -> NluResult:
        """An exact template match over the registry's names and areas (confidence 1.0), or intent None."""
        return self.match_detail(text, area=area)[0]

    def match_detail(self, text: str, *, area: str = "",
                     intents: Collection[str] | None = None) -> tuple[NluResult, bool]:
        """``match``, and whether a wildcard slot took some of the words ("play {search_query}"):
        such a template fits any words there, chatter included ("play poker with me").

        ``intents``: try only these intents' templates (``CombinedInterpreter`` passes the
        model's n-best: a fifth of hassil's time, the same matches on the dev split)."""
        clean, lists, context = self._context(text, area)
        if not clean:
            return NluResult(text=text, intent=None, confidence=0.0, source="hassil"), False
        key = (clean, context["area"], frozenset(intents) if intents is not None else None)
        with self._lock:
            cached = self._matches.get(key)
            if cached is not None and lists is self._lists:
                self._matches.move_to_end(key)
                return cached
        found = self._match_detail(clean, lists, context, self._only(intents))
        with self._lock:
            if lists is self._lists:
                self._matches[key] = found
                while len(self._matches) > self._cache_size:
                    self._matches.popitem(last=False)
        return found

    def _match_detail(self, clean: str, lists: dict[str, Any], context: dict[str, Any],
                      intents: Any) -> tuple[NluResult, bool]:
        from hassil import recognize_best

        result = recognize_best(
            clean,
            intents,
            slot_lists=lists,
            intent_context=context,
            language=self.language,
            best_slot_name="name",
        )
        if result is not None:
            slots = {k: _slot_value(v.value) for k, v in result.entities.items() if v.value != _NO_AREA}
            if "domain" in result.context and "domain" not in slots:
                slots["domain"] = result.context["domain"]
            wildcard = any(e.is_wildcard for e in result.entities.values())
            exact = NluResult(text=clean, intent=result.intent.name, confidence=1.0, slots=slots, source="hassil")
            return exact, wildcard
        return NluResult(text=clean, intent=None, confidence=0.0, source="hassil"), False

    def partial(self, text: str, *, area: str = "", intents: Collection[str] | None = None) -> NluResult:
        """No full match: did the sentence ask for a device we don't have? (``intents``: only these.)

        Among the template matches that leave a ``name`` unmatched, keep those that
        matched some literal words (so "hello there" is not "turn on <hello there>"),
        take the one that matched the most literal words, and report the name as
        said, with the device noun that follows it ("garage" + "light").
        """
        from hassil import recognize_all

        clean, lists, context = self._context(text, area)
        best: tuple[tuple[int, int], Any, str] | None = None
        for result in recognize_all(
            clean, self._only(intents), slot_lists=lists, intent_context=context, language=self.language,
            allow_unmatched_entities=True,
        ):
            entity = result.unmatched_entities.get("name")
            said = getattr(entity, "text", "").strip()
            if not said or result.text_chunks_matched == 0:
                continue
            said = re.sub(r"^(the|my|a)\s+", "", said, flags=re.IGNORECASE)
            if not _words(said) - _ARTICLES:
                continue  # "what's the temperature" is not a request for a device called "the"
            if not _words(clean) - _words(said) - _ARTICLES:
                continue  # only a name and articles ("our legs are"): not a request for a device
            score = (result.text_chunks_matched, -len(said))
            if best is None or score > best[0]:
                best = (score, result, said)
        if best is None:
            return NluResult(text=clean, intent=None, confidence=0.0, source="hassil")
        _, result, said = best
        slots = {k: _slot_value(v.value) for k, v in result.entities.items() if v.value != _NO_AREA}
        follow = re.search(re.escape(said) + r"\s+(lights?|lamps?|switch(?:es)?|fans?|plugs?)\b", clean, re.IGNORECASE)
        if follow:
            said = f"{said} {follow.group(1)}"
        return NluResult(
            text=clean, intent=result.intent.name, confidence=0.5, slots=slots, unmatched={"name": said},
            source="hassil",
        )


_NO_AREA = "__no_area__"
_ARTICLES = frozenset("the a an my our your this that these those".split())


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.casefold()))


def _slot_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
