"""Entity resolution accuracy: edge's resolver versus exact-name matching, in one run.

Two homes: the simulated house the tests use and a second home (``benchmarks/homes.py``,
other names and rooms). Each is announced by real Home Assistant discovery payloads,
parsed by edge's discovery code into a registry (no broker: nothing is switched). Every
utterance goes through everything after ASR (templates + the NLU model, resolution,
action planning) as ``edge nlu`` does, once with edge's resolver and once with a
baseline that knows only exact names and areas. The utterances:

- ``exact``: each device by its name, with the verbs of its kind;
- ``asr``: the same with the name as an ASR writes it ("bet light", "eco bee", "addict fan");
- ``room``: "the light", "the lights", "turn off the kitchen", from a given room;
- ``state``: device state decides ("turn off the lamp" with one of two lamps on; the
  temperature while the oven bakes);
- ``recent``: "close it" after "open the garage door";
- ``ambiguous``: two devices fit equally: the right outcome is a question, not a guess.

A case is right when the devices chosen are exactly the expected ones and each gets the
expected service and data (or, for a question, the right device answers; for an
ambiguous one, edge asks). Resolution latency is the resolver's own time per turn.

    python benchmarks/resolution.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import pct  # noqa: E402  (sets ORT_DISABLE_TELEMETRY first)
from benchmarks.homes import cottage  # noqa: E402

ASK = "ask"


@dataclass(frozen=True)
class Case:
    home: str
    kind: str  # exact, asr, room, state, recent, ambiguous
    text: str
    expect: tuple[str, ...] | str  # unique ids, or ASK
    service: str = ""  # expected service for each device ("answer" for a question)
    data: Mapping[str, Any] = field(default_factory=dict)
    area: str = ""  # the speaker's room
    states: Mapping[str, str] = field(default_factory=dict)  # unique id -> state before the utterance
    before: tuple[str, ...] = ()  # said first, in the same conversation


# -- the utterances -------------------------------------------------------------------------
# (template, service, data) per domain; {n} is the device's name
VERBS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "light": [("turn on the {n}", "turn_on", {}), ("switch off the {n}", "turn_off", {})],
    "switch": [("turn on the {n}", "turn_on", {}), ("turn off the {n}", "turn_off", {})],
    "fan": [("turn on the {n}", "turn_on", {}), ("turn off the {n}", "turn_off", {})],
    "climate": [("set the {n} to 21 degrees", "set_temperature", {"temperature": 21.0}),
                ("what's the temperature of the {n}", "answer", {})],
    "cover": [("open the {n}", "open_cover", {}), ("close the {n}", "close_cover", {})],
    "lock": [("lock the {n}", "lock", {}), ("is the {n} locked", "answer", {})],
    "sensor": [("what is the {n}", "answer", {})],
    "binary_sensor": [("is the {n} open", "answer", {})],
    "scene": [("activate {n}", "activate", {})],
    "button": [("press the {n}", "press", {})],
}  # fmt: skip
BRIGHTNESS = ("set the {n} to 40 percent", "turn_on", {"brightness_pct": 40})

# names as the ASR writes them (Whisper tiny.en's kinds of mistakes: sound-alikes, split words, near spellings)
MISHEARD: dict[str, str] = {
    # the simulated house
    "Kitchen Light": "kitchen lite", "Living Room Lamp": "living room lamb", "Living Room Ceiling Light": "living room sealing light",
    "Bedroom Light": "bed room light", "Office Light": "offices light", "Coffee Maker": "copy maker", "Desk Fan": "best fan",
    "Porch Light": "porch lite", "Hallway Light": "hall way light", "Bed Light": "bet light", "Standing Light": "stand in light",
    "Oven": "oven", "EcoBee": "eco bee", "Ceiling Fan": "sealing fan", "Garage Door": "garage store",
    "Bedroom Blinds": "bedroom blind", "Patio Door": "patty o door", "Front Door": "front doors", "Back Door": "back tour",
    "Bedroom Window": "bed room window", "Outdoor Temperature": "out door temperature", "Outdoor Humidity": "outdoor humidity",
    "Bathroom Humidity": "bath room humidity", "Restart Router": "restart rooter", "Mood Lighting": "mode lighting",
    "Party Time": "party thyme", "Oven Temperature": "oven temperatures",
    # the second home
    "Pantry Light": "panty light", "Island Pendant": "island pendent", "Ceiling Light": "sealing light",
    "Nursery Lamp": "nursery lamb", "Reading Lamp": "reading lamps", "Floor Lamp": "flour lamp", "Vanity Light": "vanity lights",
    "Garden Lights": "guarding lights", "Towel Heater": "tower heater", "Dehumidifier": "de humidifier", "Kettle": "kettel",
    "Kettle Temperature": "kettle temp richer", "Attic Fan": "addict fan", "Nest": "nest", "Side Gate": "site gate",
    "Roller Shutter": "roller shudder", "Nursery Window": "nursery windows", "Cellar Humidity": "seller humidity",
    "Garden Temperature": "garden temperatures", "Movie Night": "movie knight", "Doorbell Chime": "door bell chime",
}  # fmt: skip


def per_device_cases(home: str, entities: Sequence[Any]) -> list[Case]:
    """Each device by its name, then by its misheard name, with its kind's verbs."""
    names: dict[str, list[Any]] = {}
    for e in entities:
        names.setdefault(e.name, []).append(e)
    cases = []
    for e in entities:
        verbs = list(VERBS.get(e.domain, ()))
        if e.domain == "light" and e.supports("brightness"):
            verbs.append(BRIGHTNESS)
        twins = len(names[e.name]) > 1  # the same name in two rooms: said from the device's own room
        for kind, name in (("exact", e.name), ("asr", MISHEARD.get(e.name, e.name))):
            if kind == "asr" and name == e.name:
                continue
            for template, service, data in verbs:
                area = e.area if twins else ""
                cases.append(Case(home, kind, template.format(n=name), (e.unique_id,), service, data, area=area))
    return cases


def sim_context_cases() -> list[Case]:
    h = "sim"
    lamp, ceiling, kitchen = "A1B2C3_LI_1", "0x00158d0001a2b3c4_light_zigbee2mqtt", "sim_kitchen_light"
    return [
        Case(h, "room", "turn on the light", (kitchen,), "turn_on", area="Kitchen"),
        Case(h, "room", "turn off the lights", (kitchen,), "turn_off", area="Kitchen"),
        Case(h, "room", "turn off the lights", (lamp, ceiling), "turn_off", area="Living Room"),
        Case(h, "room", "turn on the light", ("sim_office_light",), "turn_on", area="Office"),
        Case(h, "room", "turn on the fan", ("D4E5F6_RL_1",), "turn_on", area="Office"),
        Case(h, "room", "turn on the fan", ("E7F8A9_FAN_1",), "turn_on", area="Bedroom"),
        Case(h, "room", "turn off all the lights in the bedroom", ("sim_bedroom_light",), "turn_off", area="Kitchen"),
        Case(h, "room", "turn on the lights in the dining room", ("sim_standing_light",), "turn_on", area="Kitchen"),
        Case(h, "room", "open the blinds", ("sim_bedroom_blinds",), "open_cover", area="Kitchen"),
        Case(h, "room", "is the window open", ("sim_bedroom_window",), "answer", area="Kitchen"),
        Case(h, "room", "set the heat to 20", ("sim_ecobee",), "set_temperature", {"temperature": 20.0}, area="Kitchen"),
        Case(h, "room", "set the thermostat to 22 degrees", ("sim_ecobee",), "set_temperature", {"temperature": 22.0}),
        Case(h, "state", "turn off the light", (ceiling,), "turn_off", area="Living Room", states={ceiling: "on", lamp: "off"}),
        Case(h, "state", "turn on the light", (ceiling,), "turn_on", area="Living Room", states={ceiling: "off", lamp: "on"}),
        Case(h, "state", "what is the temperature", ("sim_oven_temperature",), "answer", area="Kitchen", states={"sim_oven": "on"}),
        Case(h, "state", "what is the temperature", ("sim_ecobee",), "answer", area="Kitchen", states={"sim_oven": "off"}),
        Case(h, "recent", "close it", ("sim_garage_door",), "close_cover", before=("open the garage door",)),
        Case(h, "recent", "turn it off", ("D4E5F6_RL_1",), "turn_off", before=("turn on the desk fan",)),
        Case(h, "recent", "turn them off", (kitchen,), "turn_off", area="Kitchen", before=("turn on the lights",)),
        Case(h, "recent", "set it to 50 percent", ("sim_bedroom_blinds",), "set_cover_position", {"position": 50},
             before=("open the bedroom blinds",)),
        Case(h, "ambiguous", "turn on the light", ASK, area="Living Room", states={ceiling: "off", lamp: "off"}),
        Case(h, "ambiguous", "turn off the light", ASK, area="Living Room", states={ceiling: "on", lamp: "on"}),
    ]  # fmt: skip


def cottage_context_cases() -> list[Case]:
    h = "cottage"
    return [
        Case(h, "room", "turn on the light", ("ba_vanity",), "turn_on", area="Bathroom"),
        Case(h, "room", "turn off the lights", ("ck_pendant", "ck_ceiling"), "turn_off", area="Kitchen"),
        Case(h, "room", "turn off the lights in the nursery", ("nu_ceiling", "nu_lamp"), "turn_off", area="Den"),
        Case(h, "room", "turn on the fan", ("at_fan",), "turn_on", area="Den"),
        Case(h, "room", "turn off the bathroom", ("ba_vanity", "ba_towel"), "turn_off", area="Den"),
        Case(h, "room", "set the heating to 19 degrees", ("hw_nest",), "set_temperature", {"temperature": 19.0}, area="Den"),
        Case(h, "room", "is the window open", ("nu_window",), "answer", area="Den"),
        Case(h, "room", "what's the humidity in the basement", ("bs_humidity",), "answer", area="Den"),
        Case(h, "room", "turn on the ceiling light", ("ck_ceiling",), "turn_on", area="Kitchen"),
        Case(h, "room", "turn on the ceiling light", ("nu_ceiling",), "turn_on", area="Nursery"),
        Case(h, "room", "turn on the ceiling light in the nursery", ("nu_ceiling",), "turn_on", area="Den"),
        Case(h, "state", "turn off the lamp", ("dn_floor",), "turn_off", area="Den", states={"dn_floor": "on", "dn_reading": "off"}),
        Case(h, "state", "turn on the lamp", ("dn_floor",), "turn_on", area="Den", states={"dn_floor": "off", "dn_reading": "on"}),
        Case(h, "state", "what is the temperature", ("ck_kettle_temp",), "answer", area="Kitchen", states={"ck_kettle": "on"}),
        Case(h, "state", "what is the temperature", ("hw_nest",), "answer", area="Kitchen", states={"ck_kettle": "off"}),
        Case(h, "recent", "close it", ("gd_gate",), "close_cover", before=("open the side gate",)),
        Case(h, "recent", "turn it off", ("ba_towel",), "turn_off", before=("turn on the towel heater",)),
        Case(h, "recent", "lower it to 30 percent", ("dn_shutter",), "set_cover_position", {"position": 30},
             before=("open the roller shutter",)),
        Case(h, "ambiguous", "turn on the ceiling light", ASK, area="Den"),
        Case(h, "ambiguous", "turn on the lamp", ASK, area="Den", states={"dn_floor": "off", "dn_reading": "off"}),
        Case(h, "ambiguous", "turn off the lamp", ASK, area="Den", states={"dn_floor": "on", "dn_reading": "on"}),
    ]  # fmt: skip


# -- the exact-name baseline ----------------------------------------------------------------
def exact_resolve(nlu: Any, devices: Sequence[Any], speaker_area: str = "", recent: Sequence[str] = (),
                  states: Mapping[str, Any] | None = None) -> Any:  # fmt: skip
    """Names matched exactly (case aside), else every device of the kind in the area given; nothing else."""
    from edge.nlu.templates import area_id
    from edge.resolve.resolver import DEVICE_INTENTS
    from edge.turn import EntityRef, Resolution

    if nlu.intent not in DEVICE_INTENTS:
        return None
    domains = DEVICE_INTENTS[nlu.intent]
    if nlu.slots.get("domain"):
        domains = tuple(d for d in domains if d == nlu.slots["domain"]) or domains
    said = str(nlu.unmatched.get("name") or nlu.slots.get("name") or "").casefold().strip()
    pool = [d for d in devices if d.domain in domains]
    if said:
        chosen = [d for d in pool if said in (d.name.casefold(), *(a.casefold() for a in d.aliases))]
    else:
        area = str(nlu.slots.get("area") or "")
        chosen = [d for d in pool if area and area_id(d.area) == area]
    refs = tuple(EntityRef(d.unique_id, d.name, d.area, d.domain) for d in chosen)
    return Resolution(entities=refs, reason="exact", missing="" if refs else (said or "that"))


# -- running ---------------------------------------------------------------------------------
class OfflineDevices:
    """The processor's view of the devices, from discovery payloads parsed into a registry; never sends."""

    connected = True

    def __init__(self, sims: Sequence[Any]) -> None:
        from edge.devices.discovery import parse_discovery
        from edge.devices.registry import Registry

        self.registry = Registry()
        self._sims = {s.unique_id: s for s in sims}
        for sim in sims:
            result = parse_discovery(sim.discovery_topic("homeassistant"), json.dumps(sim.discovery_config()))
            if result.entity is not None:
                self.registry.add(result.entity)
        self.reset()

    def reset(self) -> None:
        for sim in self._sims.values():
            for m in sim.current_state_messages():
                self.registry.apply_message(m.topic, m.payload)

    def publish_command(self, entity: Any, service: str, data: Any = None) -> Any:
        raise RuntimeError("the benchmark never sends commands")


def _processor(devices: OfflineDevices, interpreter: Any) -> Any:
    from edge.pipeline.processor import TurnProcessor

    return TurnProcessor(None, interpreter, devices, device_id="bench", area="", confirm_timeout_s=0.0, wake_model="alexa")


def judge(case: Case, turn: Any, registry: Any) -> bool:
    from edge.resolve.actions import NoAction, plan_action

    res = turn.resolution
    if case.expect == ASK:
        return res is not None and res.ambiguous and not res.entities
    if res is None or sorted(e.unique_id for e in res.entities) != sorted(case.expect):
        return False
    if case.service == "answer":
        return turn.outcome is not None and turn.outcome.value == "answered"
    for ref in res.entities:
        try:
            service, data = plan_action(turn.nlu.intent or "", turn.nlu.slots, registry.get(ref.unique_id))
        except NoAction:
            return False
        if service != case.service or any(data.get(k) != v for k, v in case.data.items()):
            return False
    return True


def _cold_caches() -> None:
    """Each utterance is timed as if it were the first: no string comparison remembered from the last."""
    from edge.resolve import fuzzy, phonetic

    fuzzy.similarity.cache_clear()
    fuzzy._ratio.cache_clear()
    phonetic.phrase_key.cache_clear()


def run(cases: Sequence[Case], homes: Mapping[str, OfflineDevices], interpreter: Any, resolver: Callable[..., Any],
        verbose: bool, label: str) -> tuple[dict[str, list[bool]], list[float]]:  # fmt: skip
    import edge.pipeline.processor as processor_module

    original, original_request = processor_module.resolve, processor_module.device_request
    processor_module.resolve = resolver
    if resolver is exact_resolve:  # the baseline reads no device names out of the words either
        processor_module.device_request = lambda *a, **k: None
    results: dict[str, list[bool]] = {}
    latencies: list[float] = []
    try:
        for case in cases:
            _cold_caches()
            devices = homes[case.home]
            devices.reset()
            for uid, value in case.states.items():
                devices.registry.set_state(uid, value)
            proc = _processor(devices, interpreter)
            proc.area = case.area
            for text in case.before:
                proc.process_text(text, act=False)
            turn = proc.process_text(case.text, act=False)
            ok = judge(case, turn, devices.registry)
            results.setdefault(case.kind, []).append(ok)
            results.setdefault(f"home:{case.home}", []).append(ok)
            if "resolve" in turn.timings_ms:
                latencies.append(turn.timings_ms["resolve"])
            if verbose and not ok:
                got = [e.name for e in turn.resolution.entities] if turn.resolution else None
                why = turn.resolution.reason if turn.resolution else "-"
                print(f"  [{label}] MISS {case.home}/{case.kind} {case.text!r} (room {case.area or '-'}): "
                      f"{turn.nlu.intent if turn.nlu else None} {dict(turn.nlu.slots) if turn.nlu else ''} -> {got} ({why})")  # fmt: skip
    finally:
        processor_module.resolve, processor_module.device_request = original, original_request
    return results, latencies


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true", help="print every case a resolver gets wrong")
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("edge").setLevel(logging.ERROR)  # refusals and devices' limits are part of the cases, not news

    from edge.config import NluSettings
    from edge.nlu.factory import build_interpreter
    from edge.resolve import resolve
    from edge.sim.house import default_devices

    homes = {"sim": OfflineDevices(default_devices()), "cottage": OfflineDevices(cottage())}
    cases: list[Case] = []
    for name, devices in homes.items():
        cases += per_device_cases(name, devices.registry.entities())
    cases += sim_context_cases() + cottage_context_cases()
    t0 = time.perf_counter()
    interpreter = build_interpreter(NluSettings())
    print(f"{len(cases)} utterances over 2 homes ({', '.join(f'{k}: {len(v.registry)} devices' for k, v in homes.items())}); "
          f"NLU loaded in {time.perf_counter() - t0:.1f} s")  # fmt: skip

    edge_results, edge_lat = run(cases, homes, interpreter, resolve, args.verbose, "edge")
    base_results, _ = run(cases, homes, interpreter, exact_resolve, args.verbose and False, "exact")

    def rate(rs: list[bool]) -> str:
        return f"{sum(rs):4d}/{len(rs):<4d} {100 * sum(rs) / len(rs):5.1f} %" if rs else "-"

    print(f"{'set':<16} {'edge resolver':>18} {'exact names':>18}")
    for key in [k for k in edge_results if not k.startswith("home:")] + [k for k in edge_results if k.startswith("home:")]:
        print(f"{key:<16} {rate(edge_results[key]):>18} {rate(base_results.get(key, [])):>18}")
    every = [ok for k, v in edge_results.items() if not k.startswith("home:") for ok in v]
    base = [ok for k, v in base_results.items() if not k.startswith("home:") for ok in v]
    print(f"{'all':<16} {rate(every):>18} {rate(base):>18}")
    print(f"resolution latency (cold caches): p50 {statistics.median(edge_lat):.3f} ms  p90 {pct(edge_lat, 0.9):.3f} ms  "
          f"(n={len(edge_lat)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
