"""What the speaker says back about a turn. Pure. (The time, the date and timers are answered by
``edge.skills.LocalSkills``, with the clock it is given.)"""

from __future__ import annotations

from typing import Sequence

from edge.turn import ActionResult, EntityRef, NluResult, Outcome, Resolution

_VERB = {"HassTurnOn": "Turned on", "HassTurnOff": "Turned off"}
_DOMAIN_VERB = {
    ("HassTurnOn", "cover"): "Opened",
    ("HassTurnOff", "cover"): "Closed",
    ("HassTurnOn", "lock"): "Locked",
    ("HassTurnOff", "lock"): "Unlocked",
    ("HassTurnOn", "scene"): "Activated",
    ("HassTurnOn", "button"): "Pressed",
}
PROGRESS_STATES = frozenset({"opening", "closing", "locking", "unlocking"})


def the(name: str) -> str:
    name = name.replace("_", " ")  # Zigbee2MQTT friendly names: "lounge_floor_lamp" is said "lounge floor lamp"
    return name if name.casefold().startswith("the ") else f"the {name.lower()}"


def _targets(entities: Sequence[EntityRef]) -> str:
    if len(entities) == 1:
        return the(entities[0].name)
    domains = {e.domain for e in entities}
    areas = {e.area for e in entities if e.area}
    noun = "lights" if domains == {"light"} else "devices"
    where = f" in the {next(iter(areas)).lower().replace('_', ' ')}" if len(areas) == 1 else ""
    return f"{len(entities)} {noun}{where}"


def _done(nlu: NluResult, entities: Sequence[EntityRef]) -> str:
    intent, slots = nlu.intent or "", nlu.slots
    if intent in ("HassTurnOn", "HassTurnOff"):
        domains = {e.domain for e in entities}
        verb = _DOMAIN_VERB.get((intent, next(iter(domains)))) if len(domains) == 1 else None
        return f"{verb or _VERB[intent]} {_targets(entities)}."
    if intent == "HassLightSet":
        if "brightness" in slots:
            return f"Set {_targets(entities)} to {slots['brightness']} percent."
        if "color" in slots:
            return f"Set {_targets(entities)} to {slots['color']}."
        return f"Set the color temperature of {_targets(entities)}."
    if intent == "HassClimateSetTemperature":
        return f"Set {_targets(entities)} to {slots.get('temperature')} degrees."
    if intent in ("HassSetPosition", "HassFanSetSpeed"):
        return f"Set {_targets(entities)} to {slots.get('position', slots.get('percentage'))} percent."
    return "Done."


def respond(
    outcome: Outcome,
    nlu: NluResult | None = None,
    resolution: Resolution | None = None,
    actions: Sequence[ActionResult] = (),
) -> str:
    if outcome is Outcome.NO_SPEECH:
        return "Sorry, I didn't hear a command."
    if outcome is Outcome.NOT_UNDERSTOOD and nlu is not None and nlu.source == "model":
        return "Sorry, I can't help with that."  # the NLU model judged it out of domain
    if outcome is Outcome.NOT_UNDERSTOOD or nlu is None:
        return "Sorry, I didn't understand that."
    if outcome is Outcome.NO_DEVICE:
        missing = resolution.missing if resolution else ""
        if resolution and resolution.reason == "nothing of that kind in the area":
            return f"There are no {missing}."
        if resolution and resolution.ambiguous and len(resolution.candidates) >= 2:
            from edge.pipeline.dialog import clarify_question  # the question the voice loop asks

            return "Which one? " + clarify_question(resolution.candidates)
        return (
            f"I couldn't find a device called {missing}."
            if missing and missing != "that"
            else "Which device do you mean?"
        )
    if outcome is Outcome.UNSUPPORTED:
        return "Sorry, I can't do that yet."
    if outcome is Outcome.UNREACHABLE:
        return "I can't reach your devices right now. I'll keep trying."
    if outcome is Outcome.ANSWERED:
        return "Okay."
    entities = resolution.entities if resolution else ()
    if outcome is Outcome.REFUSED:
        return (
            f"For safety, I won't {'unlock' if nlu.intent == 'HassTurnOff' else 'open'} {_targets(entities)} "
            "without a spoken yes."
        )
    if outcome is Outcome.DONE:
        return _done(nlu, entities)
    moving = [a for a in actions if not a.confirmed and (a.state or "") in PROGRESS_STATES]
    if outcome is Outcome.UNCONFIRMED and moving:
        return f"{the(next(e.name for e in entities if e.unique_id == moving[0].unique_id)).capitalize()} is {moving[0].state}."
    if outcome is Outcome.UNCONFIRMED:
        silent = [e for e in entities if not any(a.unique_id == e.unique_id and a.confirmed for a in actions)]
        who = _targets(silent or entities)
        return f"I sent the command, but {who} didn't respond."
    if outcome is Outcome.FAILED:
        return f"Sorry, I couldn't switch {_targets(entities)}."
    if outcome is Outcome.ERROR:
        return "Sorry, something went wrong."
    return "Okay."
