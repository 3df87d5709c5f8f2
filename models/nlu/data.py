"""Training and evaluation data for the NLU model, from open sources only.

Three sources, each split in a declared, deterministic way:

* ``gen``: sentences sampled at random from the English ``home-assistant-intents``
  templates (with the sentences ``edge.nlu.extra_sentences`` adds to them, as the
  matcher has them) through hassil's parsed expressions, slot lists filled with
  varied names (drawn by the template's domain: people for "where is {name}",
  doors and windows for "is {name} open"), areas, numbers, colours and durations;
  the character span of every slot is kept for BIO labels. An intent's templates
  are drawn by the kind of answer they get, each kind with weight sqrt(its
  templates). Fold ``eval`` = the templates whose hash falls in one bucket of six
  (for intents with at least 8 templates, and kinds of answer with at least 6;
  smaller ones would lose their only form) with device names and areas that
  never appear in training, minus any sentence also generated for training.
* ``hwu64``: HWU64 utterances mapped to Home Assistant intents where they
  overlap (``iot_*``, ``weather_query``, ``datetime_query``, ``audio_volume_*``,
  ``play_*``), the rest (qa, calendar, email, news, ...) as out-of-domain.
  Folds 1-8 train, folds 9-10 eval.
* ``slurp``: SLURP *devel* (there is no train split here) mapped the same way;
  ``slurp_id`` odd -> train, even -> eval.

Never read here: the SLURP test split and the ``tests/`` sentences of the Home
Assistant intents repository (held out for judging the project).
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

OOD = "OutOfDomain"  # the rejection class
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nlu"

# Slot names the BIO head predicts. Template slot names map onto these.
SLOT_MAP = {
    "name": "name", "area": "area", "floor": "floor", "device_class": "device_class", "state": "state",
    "brightness": "brightness", "color": "color", "temperature": "temperature", "position": "position",
    "percentage": "percentage", "volume_level": "volume", "volume_step": "volume_step", "fan_mode": "fan_mode",
    "hours": "duration", "minutes": "duration", "seconds": "duration",
    "start_hours": "duration", "start_minutes": "duration", "start_seconds": "duration",
    "search_query": "search_query", "media_class": "media_class", "item": "item", "message": "message",
    "conversation_command": "command",
}
SLOTS = sorted(set(SLOT_MAP.values()))

# --- slot values -------------------------------------------------------------------------------------------

NAMES: dict[str, list[str]] = {
    "light": ["ceiling light", "desk lamp", "floor lamp", "kitchen light", "bedside lamp", "porch light", "reading light",
              "strip lights", "pendant light", "chandelier", "hue go", "night light", "spotlights", "mirror light",
              "lamp", "living room lamp", "fairy lights", "led strip", "corner lamp", "wall sconce", "emma's lamp",
              "tv backlight", "garden lights", "desk light", "cabinet lights", "hallway light", "office lamp"],
    "switch": ["coffee maker", "kettle", "christmas tree", "space heater", "dehumidifier", "towel rail",
               "aquarium pump", "smart plug", "printer", "electric blanket", "monitor", "sprinkler", "fountain",
               "air fryer", "water heater", "boiler"],
    "fan": ["ceiling fan", "desk fan", "bathroom fan", "tower fan", "air purifier", "extractor fan", "attic fan"],
    "cover": ["garage door", "blinds", "curtains", "shades", "roller shutter", "awning", "front gate", "skylight",
              "bedroom blinds", "patio door", "driveway gate", "window shades"],
    "media_player": ["tv", "television", "speaker", "sonos", "living room tv", "kitchen speaker", "radio",
                     "apple tv", "chromecast", "soundbar", "echo", "bedroom tv", "stereo"],
    "climate": ["thermostat", "air conditioner", "ac", "heat pump", "radiator", "ecobee", "nest", "heating"],
    "lock": ["front door", "back door", "front door lock", "side gate", "garage lock", "shed lock"],
    "vacuum": ["roomba", "vacuum", "robot vacuum", "rocky", "dustbot"],
    "lawn_mower": ["mower", "lawn mower", "automower", "robomow"],
    "todo": ["shopping list", "groceries", "todo list", "chores", "packing list"],
    "sensor": ["temperature sensor", "outdoor temperature", "humidity", "battery level", "power usage",
               "air quality", "washing machine", "dryer", "living room humidity", "phone battery",
               "power consumption", "energy usage", "solar production", "co2 level", "fridge temperature",
               "freezer temperature", "pool temperature", "wind speed", "rainfall", "uv index", "illuminance",
               "car battery", "printer ink", "soil moisture", "water usage", "gas meter", "electricity price",
               "download speed", "dishwasher", "indoor temperature", "bedroom temperature", "air pressure",
               "noise level", "grid power", "ev charger", "heat pump power", "radon level", "pm2.5"],
    # binary sensors by what their question asks ("is the back door open", "is the hallway occupied")
    "binary_sensor": ["water leak sensor", "motion sensor", "front door sensor", "smoke detector", "window sensor",
                      "garage door sensor", "doorbell", "presence sensor", "leak detector", "co detector",
                      "flood sensor", "vibration sensor", "mailbox", "washer", "phone charger", "router"],
    "binary_sensor/open": ["front door", "back door", "patio door", "kitchen window", "bedroom window",
                           "garage side door", "fridge door", "mailbox", "basement window", "skylight sensor",
                           "side gate", "bathroom window", "freezer door", "cellar door", "balcony door"],
    "binary_sensor/occupancy": ["hallway motion", "office presence", "motion sensor", "living room occupancy",
                                "kitchen motion sensor", "bathroom occupancy", "stairs motion", "porch motion",
                                "garage presence", "bedroom presence sensor", "desk occupancy", "driveway motion"],
    # the binary-sensor questions of edge.nlu.extra_sentences, by device class (the rest draw "binary_sensor")
    "binary_sensor/moisture": ["water leak sensor", "leak detector", "flood sensor", "basement leak sensor",
                               "dishwasher leak sensor", "sump sensor"],
    "binary_sensor/smoke": ["smoke detector", "smoke alarm", "kitchen smoke detector", "hallway smoke alarm"],
    "binary_sensor/carbon_monoxide": ["co detector", "carbon monoxide detector", "co alarm"],
    "binary_sensor/gas": ["gas detector", "gas sensor", "boiler gas sensor"],
    "binary_sensor/battery": ["phone battery", "door lock battery", "remote battery", "sensor battery"],
    "binary_sensor/connectivity": ["router", "internet", "printer", "nas", "doorbell camera"],
    "binary_sensor/plug": ["phone charger", "car charger", "laptop plug", "ev plug"],
    "binary_sensor/presence": ["sarah's phone", "john's phone", "car presence", "family"],
    "binary_sensor/running": ["washer", "dryer", "dishwasher", "pool pump"],
    "binary_sensor/problem": ["boiler", "water softener", "solar inverter", "heat pump"],
    "binary_sensor/update": ["firmware", "home assistant", "router firmware"],
    "binary_sensor/motion": ["motion sensor", "hallway motion", "driveway motion", "porch motion sensor"],
    "person": ["sarah", "john", "emma", "tom", "mom", "dad", "alex", "maria", "james", "olivia", "liam", "sophie",
               "david", "anna", "michael", "grace", "noah", "lucy", "ben", "chloe", "daniel", "mia", "paul",
               "nina", "george", "ella", "max", "zoe", "grandma", "grandpa", "my wife", "my husband"],
    "valve": ["water valve", "main water valve", "sprinkler valve", "gas valve", "irrigation valve", "garden tap",
              "radiator valve", "hose valve"],
    "scene": ["movie night", "romantic", "bedtime", "good morning", "dinner time", "party mode", "relax",
              "reading mode", "cozy evening", "focus", "wake up", "all off"],
    "script": ["goodnight routine", "morning routine", "leaving home", "arriving home", "feed the cat",
               "vacation mode", "guest mode", "bath time"],
    "button": ["doorbell", "restart router", "garage opener", "identify", "reboot server"],
    "weather": ["forecast", "weather station", "home weather"],
}
AREAS = ["kitchen", "living room", "bedroom", "bathroom", "office", "garage", "hallway", "dining room", "basement",
         "attic", "nursery", "guest room", "laundry room", "den", "patio", "garden", "master bedroom", "kids room",
         "study", "porch", "loft", "lounge", "family room", "upstairs bathroom", "playroom", "sun room", "pantry",
         "workshop", "back yard", "front yard", "mudroom", "toilet", "cellar", "games room", "utility room",
         "conservatory", "studio", "balcony", "terrace", "shed", "closet", "entryway", "foyer", "man cave",
         "media room", "gym", "library", "spare room", "sitting room", "parlor", "deck", "driveway", "hall"]
FLOORS = ["upstairs", "downstairs", "first floor", "ground floor", "second floor", "top floor", "main floor", "basement"]
WILDCARDS = {
    "search_query": ["some jazz", "the beatles", "taylor swift", "my workout playlist", "the news", "bbc radio four",
                     "classical music", "stranger things", "abbey road", "lo-fi beats", "the daily", "miles davis",
                     "rock music", "kind of blue", "something relaxing", "the latest episode of serial"],
    "message": ["dinner is ready", "time to go", "the laundry is done", "come downstairs", "we are leaving now"],
    "timer_name": ["pizza", "eggs", "pasta", "laundry", "tea", "oven", "bread", "rice", "nap", "homework"],
    "shopping_list_item": ["milk", "eggs", "bread", "apples", "batteries", "coffee", "toilet paper", "olive oil"],
    "todo_list_item": ["call mom", "pay the bills", "clean the garage", "water the plants", "book a dentist"],
    "zone": ["home", "work", "the office", "school", "the gym"],
    "timer_command": ["turn off the lights", "turn on the fan", "open the blinds", "pause the tv"],
}


def _split_pool(pool: list[str], fold: str) -> list[str]:
    """About a quarter of every pool (by hash) is used only in the eval fold."""
    held = [v for v in pool if _bucket(v, 4) == 0]
    train = [v for v in pool if _bucket(v, 4) != 0] or pool
    return held or pool if fold == "eval" else train


def _bucket(text: str, n: int) -> int:
    return int(hashlib.md5(text.encode()).hexdigest(), 16) % n


# --- examples ----------------------------------------------------------------------------------------------

@dataclass
class Example:
    text: str
    intent: str  # a Home Assistant intent name or OOD
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, slot) character spans
    source: str = "gen"
    fold: str = "train"  # train | eval

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "intent": self.intent, "spans": [list(s) for s in self.spans],
                "source": self.source, "fold": self.fold}


class _Builder:
    """Concatenates sampled pieces with single spaces, keeping slot spans."""

    def __init__(self) -> None:
        self.text = ""
        self.spans: list[tuple[int, int, str]] = []

    def emit(self, piece: str) -> None:
        piece = re.sub(r"\s+", " ", piece)
        if not self.text or self.text.endswith(" "):
            piece = piece.lstrip(" ")
        self.text += piece

    def emit_slot(self, value: str, slot: str) -> None:
        value = re.sub(r"\s+", " ", value).strip()
        if not value:
            return
        if self.text and not self.text.endswith(" ") and not self.text.endswith("-"):
            pass  # templates put the space themselves; a missing one means a glued suffix like "50%"
        start = len(self.text)
        self.text += value
        self.spans.append((start, len(self.text), slot))


class TemplateSampler:
    """Random walks through hassil's parsed templates (one alternative per group)."""

    def __init__(self, rng: random.Random) -> None:
        from hassil import Intents
        from hassil.numbers import get_rbnf_engine
        from home_assistant_intents import get_intents

        from edge.nlu.extra_sentences import with_extra_sentences

        data = get_intents("en")
        self.intents = Intents.from_dict(with_extra_sentences(data))  # the templates the matcher uses, extras too
        self.skip_words = data["skip_words"]
        self.rng = rng
        self.engine = get_rbnf_engine("en")

    def templates(self) -> Iterator[tuple[str, Any, Any]]:
        for name, intent in self.intents.intents.items():
            for data in intent.data:
                for sentence in data.sentences:
                    yield name, data, sentence

    def sample(self, data: Any, sentence: Any, fold: str) -> Example | None:
        from hassil.errors import MissingListError

        rules = {**self.intents.expansion_rules, **(data.expansion_rules or {})}
        domains = _domains(data, sentence.text)
        b = _Builder()
        try:
            self._walk(sentence.expression, rules, b, domains, fold, depth=0)
        except (MissingListError, RecursionError):
            return None
        text = b.text.strip()
        spans = _extend_durations(text, [s for s in b.spans if s[1] <= len(text)])
        if _DOUBLED.search(text) or any(n == "state" and _DETERMINER_END.search(text, 0, s) for s, _, n in spans):
            return None  # "is our my safe sensor", "which fans are my on": optional words nobody says together
        if self.rng.random() < 0.08:  # Home Assistant's skip words ("please", "can you", ...)
            # on a question only "please": not "i want is the door open", "would you are the lights on"
            word = "please" if _QUESTION.match(text) else self.rng.choice(self.skip_words)
            if word in ("for me", "please") and self.rng.random() < 0.5:
                text = f"{text} {word}"
            else:
                text = f"{word} {text}"
                spans = [(s + len(word) + 1, e + len(word) + 1, n) for s, e, n in spans]
        return Example(text=text, intent="", spans=spans, fold=fold)

    def _walk(self, e: Any, rules: dict[str, Any], b: _Builder, domains: list[str], fold: str, depth: int) -> None:
        from hassil.expression import Alternative, ListReference, Permutation, RuleReference, Sequence, TextChunk
        from hassil.intents import RangeSlotList, TextSlotList

        if depth > 40:
            raise RecursionError
        if isinstance(e, TextChunk):
            b.emit(e.original_text)
        elif isinstance(e, Alternative):
            self._walk(self.rng.choice(e.items), rules, b, domains, fold, depth + 1)
        elif isinstance(e, Permutation):
            items = list(e.items)
            self.rng.shuffle(items)
            for item in items:
                b.emit(" ")
                self._walk(item, rules, b, domains, fold, depth + 1)
                b.emit(" ")
        elif isinstance(e, Sequence):
            for item in e.items:
                self._walk(item, rules, b, domains, fold, depth + 1)
        elif isinstance(e, RuleReference):
            self._walk(rules[e.rule_name].expression, rules, b, domains, fold, depth + 1)
        elif isinstance(e, ListReference):
            slot = SLOT_MAP.get(e.slot_name)
            if e.list_name == "name":
                pool = [n for d in (domains or _ANY_DOMAIN) for n in NAMES.get(d, [])] or NAMES["light"]
                value = self.rng.choice(_split_pool(pool, fold))
            elif e.list_name == "area":
                value = self.rng.choice(_split_pool(AREAS, fold))
            elif e.list_name == "floor":
                value = self.rng.choice(FLOORS)
            elif e.list_name in WILDCARDS:
                value = self.rng.choice(WILDCARDS[e.list_name])
            else:
                lst = self.intents.slot_lists.get(e.list_name)
                if isinstance(lst, TextSlotList):
                    inner = _Builder()
                    self._walk(self.rng.choice(lst.values).text_in, rules, inner, domains, fold, depth + 1)
                    value = inner.text
                elif isinstance(lst, RangeSlotList):
                    value = self._number(lst)
                else:
                    value = self.rng.choice(WILDCARDS["search_query"])
            if slot:
                b.emit_slot(value, slot)
            else:
                b.emit(value)
        else:
            raise RecursionError

    def _number(self, lst: Any) -> str:
        step = lst.step or 1
        if lst.stop - lst.start > 200:
            n = self.rng.randrange(lst.start, lst.stop + 1, 100)
        elif lst.name in ("temperature",):
            n = self.rng.randint(15, 30) if self.rng.random() < 0.8 else self.rng.randint(55, 80)
        elif lst.name and lst.name.startswith("timer"):
            n = self.rng.choice([1, 2, 3, 5, 10, 15, 20, 25, 30, 45, 90] + list(range(1, 60)))
        else:
            n = self.rng.randrange(lst.start, lst.stop + 1, step)
            if self.rng.random() < 0.5:
                n = round(n, -1)
        if lst.words and self.rng.random() < 0.35:
            words = self.engine.format_number(n).text_by_ruleset.get("spellout-cardinal", str(n))
            return words.replace("-", " ") if self.rng.random() < 0.6 else words
        return str(n)


# Home Assistant's templates match loosely (``<is>`` is ``(is|are) [(there|the|my|our)]`` and a name takes
# ``[<the>]`` again), so a random walk can write two determiners in a row or one before a state: left out
_DETERMINERS = r"(?:the|my|our|your|a|an)"
_DOUBLED = re.compile(rf"\b{_DETERMINERS}\s+{_DETERMINERS}\b")
_DETERMINER_END = re.compile(rf"\b{_DETERMINERS}\s*$")
_QUESTION = re.compile(r"(is|are|what|what's|which|how|who|where|when|do|does|tell)\b")

# a template that names no domain ("turn on {name}") draws its name from the devices people switch and ask about
_ANY_DOMAIN = ("light", "switch", "fan", "cover", "media_player", "climate", "lock", "vacuum", "lawn_mower", "todo",
               "sensor", "weather")


def _domains(data: Any, template: str = "") -> list[str]:
    """The ``NAMES`` pools a template's ``{name}`` is drawn from: its domains, with a binary sensor's by the state
    its question asks (``bs_open_states``: doors and windows; ``bs_occupancy_states``: motion and presence)."""
    out: list[str] = []
    for ctx in (data.requires_context or {}, data.slots or {}):
        d = ctx.get("domain")
        if isinstance(d, str):
            out.append(d)
        elif isinstance(d, list):
            out.extend(x for x in d if isinstance(x, str))
    if "binary_sensor" in out:
        cls = (data.requires_context or {}).get("device_class")
        kind = "binary_sensor/open" if "bs_open_states" in template else (
            "binary_sensor/occupancy" if "bs_occupancy_states" in template else
            f"binary_sensor/{cls}" if isinstance(cls, str) and f"binary_sensor/{cls}" in NAMES else "binary_sensor")
        out = [kind if d == "binary_sensor" else d for d in out]
    return list(dict.fromkeys(out))


_UNIT = re.compile(r"[ -](?:an? )?(?:hours?|minutes?|mins?|seconds?|secs?)\b")


def _extend_durations(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A duration span covers its unit too: "5 minutes", not "5"."""
    out = []
    for s, e, slot in spans:
        if slot == "duration":
            m = _UNIT.match(text, e)
            if m:
                e = m.end()
        out.append((s, e, slot))
    return out


def generate(seed: int = 13, per_template: int = 8, max_per_intent: int = 900,
             min_per_intent: int = 120) -> list[Example]:
    """Sampled template sentences for every intent, both folds, deduplicated."""
    rng = random.Random(seed)
    sampler = TemplateSampler(rng)
    by_intent: dict[str, list[tuple[Any, Any]]] = {}
    for name, data, sentence in sampler.templates():
        by_intent.setdefault(name, []).append((data, sentence))
    out: list[Example] = []
    for name, items in by_intent.items():
        # a template is held out only where its kind of answer keeps others: GetState's two "what is the
        # {name}" templates are the only ones that ask a sensor's value, so neither goes to eval
        size: dict[int, int] = {}
        for group in _response_groups(items):
            size.update({id(it[1]): len(group) for it in group})
        held = [len(items) >= 8 and size[id(it[1])] >= 6 and _bucket(it[1].text, 6) == 0 for it in items]
        eval_items = [it for it, h in zip(items, held) if h]
        train_items = [it for it, h in zip(items, held) if not h] if eval_items else items
        for fold, pool in (("train", train_items), ("eval", eval_items or items)):
            want = min(max_per_intent, max(min_per_intent, per_template * len(pool)))
            if fold == "eval":
                want = max(30, want // 5)
            groups = _response_groups(pool)
            weights = [len(g) ** 0.5 for g in groups]
            seen: set[str] = set()
            for _ in range(want * 4):
                if len(seen) >= want:
                    break
                data, sentence = rng.choice(rng.choices(groups, weights)[0])
                ex = sampler.sample(data, sentence, fold)
                if ex is None or ex.text in seen or not ex.text:
                    continue
                seen.add(ex.text)
                ex.intent, ex.source = name, "gen"
                out.append(ex)
    train_texts = {e.text for e in out if e.fold == "train"}
    return [e for e in out if e.fold == "train" or e.text not in train_texts]


def _response_groups(pool: list[tuple[Any, Any]]) -> list[list[tuple[Any, Any]]]:
    """An intent's templates grouped by the kind of answer they get (``response``: GetState's "any", "which",
    "one", "where", ...). A group is drawn with weight sqrt(its size): uniform over templates would give
    "where is {name}" and "what is the {name}", 2 of GetState's 122 templates, under 2 % of its sentences."""
    groups: dict[str, list[tuple[Any, Any]]] = {}
    for data, sentence in pool:
        groups.setdefault(str(data.response), []).append((data, sentence))
    return list(groups.values())


# --- HWU64 and SLURP ---------------------------------------------------------------------------------------

_DIRECT = {
    "iot_hue_lighton": "HassTurnOn", "iot_wemo_on": "HassTurnOn", "hue_lighton": "HassTurnOn",
    "iot_hue_lightoff": "HassTurnOff", "iot_wemo_off": "HassTurnOff", "hue_lightoff": "HassTurnOff",
    "iot_hue_lightchange": "HassLightSet", "iot_hue_lightdim": "HassLightSet", "iot_hue_lightup": "HassLightSet",
    "hue_lightup": "HassLightSet", "hue_lightdim": "HassLightSet",
    "weather_query": "HassGetWeather",
    "audio_volume_up": "HassSetVolumeRelative", "audio_volume_down": "HassSetVolumeRelative",
    "audio_volume_mute": "HassMediaPlayerMute",
    "iot_cleaning": "HassVacuumStart",
    "play_music": "HassMediaSearchAndPlay", "play_radio": "HassMediaSearchAndPlay",
    "play_podcasts": "HassMediaSearchAndPlay", "play_audiobook": "HassMediaSearchAndPlay",
}
# Too close to an intent we have, or ambiguous: used neither as in-domain nor as out-of-domain.
_SKIP = {"alarm_query", "alarm_remove", "alarm_set", "general_commandstop", "iot_coffee", "music_query",
         "music_settings", "music_likeness", "music_dislikeness", "music", "lists_createoradd", "lists_remove",
         "lists_query", "set", "query", "general_negate", "general_dontcare", "general_affirm", "general_confirm",
         "general_repeat", "podcasts", "likeness", "cleaning"}
_ENTITY_MAP = {"house_place": "area", "color_type": "color"}


def map_intent(label: str, text: str) -> str | None:
    """A HWU64/SLURP intent label as a Home Assistant intent, OOD, or None (skip)."""
    if label in _DIRECT:
        return _DIRECT[label]
    if label == "datetime_query":
        if re.search(r"\b(time|clock|o'clock|hour)\b", text):
            return "HassGetCurrentTime"
        if re.search(r"\b(date|day|month|year|today)\b", text):
            return "HassGetCurrentDate"
        return None
    if label in _SKIP:
        return None
    return OOD


def hwu64(path: Path | None = None) -> list[Example]:
    path = path or DATA / "hwu64" / "hwu64_10fold_testsets_flat.tsv"
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            text = row["text"].strip()
            intent = map_intent(row["intent"], text)
            if intent is None or not text:
                continue
            spans = []
            for ent in json.loads(row["entities_json"] or "[]"):
                slot = _ENTITY_MAP.get(ent["entity"])
                if slot and intent != OOD:
                    spans.append((int(ent["start"]), int(ent["end"]), slot))
            fold = "eval" if int(row["fold"]) >= 9 else "train"
            out.append(Example(text=text, intent=intent, spans=spans, source="hwu64", fold=fold))
    return out


def slurp(path: Path | None = None) -> list[Example]:
    path = path or DATA / "slurp" / "devel.jsonl"
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            text = d["sentence"].strip()
            intent = map_intent(d["intent"], text)
            if intent is None or not text:
                continue
            # token offsets in the sentence (tokens are whitespace-separated surfaces)
            offsets, pos = [], 0
            for tok in d["tokens"]:
                start = text.find(tok["surface"], pos)
                offsets.append((start, start + len(tok["surface"])))
                pos = start + len(tok["surface"])
            spans = []
            for ent in d.get("entities", []):
                slot = _ENTITY_MAP.get(ent["type"])
                if slot and intent != OOD and ent["span"]:
                    spans.append((offsets[ent["span"][0]][0], offsets[ent["span"][-1]][1], slot))
            fold = "eval" if d["slurp_id"] % 2 == 0 else "train"
            out.append(Example(text=text, intent=intent, spans=spans, source="slurp", fold=fold))
    return out


def all_examples(seed: int = 13) -> list[Example]:
    return generate(seed=seed) + hwu64() + slurp()


# --- feedback: ground truth from the speakers -------------------------------------------------------------

class FeedbackError(ValueError):
    """A line of a feedback file that is no training example; the message names the file and line."""


def read_feedback(path: Path | str, intents: set[str] | frozenset[str] | None = None) -> list[Example]:
    """The examples of a ground-truth file the speakers write (``edge.learning.ground_truth``, ``[learning]
    ground_truth``): one ``Example.to_dict`` object a line, blank lines skipped. Every line is checked: a JSON
    object with a non-empty ``text``, an ``intent`` (one of ``intents`` when given), ``spans`` of ``[start,
    end, slot]`` inside the text with a slot of ``SLOTS``, fold ``train`` (feedback never goes to eval);
    the first bad line raises ``FeedbackError`` naming it. The examples come back with source
    ``feedback`` and fold ``train``."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedbackError(f"{p}: cannot read the feedback file: {exc}") from exc
    out = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            out.append(_feedback_example(line, f"{p}:{number}", intents))
    return out


def _feedback_example(line: str, where: str, intents: set[str] | frozenset[str] | None) -> Example:
    try:
        d = json.loads(line)
    except json.JSONDecodeError as exc:
        raise FeedbackError(f"{where}: not JSON ({exc.msg})") from exc
    if not isinstance(d, dict):
        raise FeedbackError(f"{where}: expected a JSON object, got {type(d).__name__}")
    text, intent, spans = d.get("text"), d.get("intent"), d.get("spans", [])
    if not isinstance(text, str) or not text.strip():
        raise FeedbackError(f"{where}: 'text' must be a non-empty string")
    if not isinstance(intent, str) or not intent:
        raise FeedbackError(f"{where}: 'intent' must be a non-empty string")
    if intents is not None and intent not in intents:
        raise FeedbackError(f"{where}: unknown intent {intent!r} (the model knows {len(intents)}: not this one)")
    if d.get("fold", "train") != "train":
        raise FeedbackError(f"{where}: fold {d.get('fold')!r}: feedback is for training only (fold 'train')")
    if not isinstance(spans, list):
        raise FeedbackError(f"{where}: 'spans' must be a list of [start, end, slot]")
    out: list[tuple[int, int, str]] = []
    for span in spans:
        ok = isinstance(span, list) and len(span) == 3 and all(type(v) is int for v in span[:2])
        if not ok or not isinstance(span[2], str):
            raise FeedbackError(f"{where}: span {span!r} is not [start, end, slot]")
        start, end, slot = span
        if not 0 <= start < end <= len(text):
            raise FeedbackError(f"{where}: span {span!r} is outside the text ({len(text)} characters)")
        if slot not in SLOTS:
            raise FeedbackError(f"{where}: unknown slot {slot!r} in span {span!r} (known: {', '.join(SLOTS)})")
        out.append((start, end, slot))
    return Example(text=text, intent=intent, spans=sorted(out), source="feedback", fold="train")


DEV_FRACTION = 0.06


def train_dev_split(examples: list[Example], rng: random.Random) -> tuple[list[Example], list[Example]]:
    """The train fold, shuffled by ``rng``, as (train, dev): dev is the first ``DEV_FRACTION``.

    The dev split is never trained on; training fits temperature and threshold on it, and
    the benchmark's ``--split dev`` chooses how hassil and the model are combined on it
    (``random.Random(seed)`` fresh, as ``models.nlu.train`` uses it, gives the same split).
    """
    pool = [e for e in examples if e.fold == "train"]
    rng.shuffle(pool)
    n_dev = int(DEV_FRACTION * len(pool))
    return pool[n_dev:], pool[:n_dev]


if __name__ == "__main__":
    import collections

    exs = all_examples()
    c = collections.Counter((e.source, e.fold, e.intent == OOD) for e in exs)
    for k, v in sorted(c.items()):
        print(k, v)
    rng = random.Random(0)
    for e in rng.sample([e for e in exs if e.source == "gen"], 25):
        print(e.intent, "|", e.text, "|", [(e.text[s:t], n) for s, t, n in e.spans])
