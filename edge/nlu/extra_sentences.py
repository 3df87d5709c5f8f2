"""Sentences Home Assistant's English templates lack, in their own format, added to them at load.

Measured gaps: "set a 10 minute pasta timer", "how much time is left", "how long on
the pasta timer", "unpause the timer", "what day is it"; and the state of a binary
sensor of any device class ("is the basement leak sensor wet"), which the package's
earlier templates asked and its current ones no longer do. Each block reuses the
package's lists (``timer_minutes``, ``timer_name``, ...) and expansion rules.
"""

from __future__ import annotations

import copy
from typing import Any

_LENGTHS = (
    "{timer_hours:hours}( |-)hour[s] [and] {timer_minutes:minutes}( |-)minute[s]",
    "{timer_hours:hours}( |-)hour[s]",
    "{timer_minutes:minutes}( |-)minute[s] [and] {timer_seconds:seconds}( |-)second[s]",
    "{timer_minutes:minutes}( |-)minute[s]",
    "{timer_seconds:seconds}( |-)second[s]",
)

EXTRA_SENTENCES: dict[str, list[dict[str, Any]]] = {
    "HassStartTimer": [
        {"sentences": [f"<timer_set> [a|an|the|my] {length} {{timer_name:name}} timer" for length in _LENGTHS]},
        {"sentences": [f"[<timer_set>] [a|an|the|my] {{timer_name:name}} timer for {length}" for length in _LENGTHS]},
        {
            "sentences": [
                "[<timer_set>] [a|an|the|my] timer for {edge_one:hours} hour and a {timer_half:minutes}",
                "[<timer_set>] [a|an|the|my] timer for {edge_one:minutes} minute and a {timer_half:seconds}",
            ]
        },
    ],
    "HassTimerStatus": [
        {
            "sentences": [
                "how much time [is|do i have] left",
                "how long [is] left",
                "how much longer",
                "how long (on|for) [the|my] timer[s]",
                "how much time [is] left (on|for) [the|my] timer[s]",
            ]
        },
        {
            "sentences": [
                "how long (on|for) [the|my] {timer_name:name} timer",
                "how much (time|longer) [is left] (on|for) [the|my] {timer_name:name} timer",
            ]
        },
    ],
    "HassUnpauseTimer": [
        {"sentences": ["(unpause|restart|start) [the|my] timer"]},
        {"sentences": ["(unpause|restart|start) [the|my] {timer_name:name} timer"]},
    ],
    "HassPauseTimer": [{"sentences": ["(pause|hold) [the|my] {timer_name:name} timer"]}],
    "HassGetCurrentDate": [
        {"sentences": ["what day is (it|today) [today]", "<what_is> (the day|today)", "what's today's date", "which day is it"]}
    ],
}


# What a binary sensor of each device class says, as Home Assistant's earlier English templates had it
# ("is the basement leak sensor wet", "is the smoke detector triggered"); the package now keeps only the
# open/closed and occupancy questions (``bs_open_states``, ``bs_occupancy_states``)
_DETECTED = "(detected|triggered|on)"
BINARY_SENSOR_STATES: dict[str, tuple[str, str]] = {
    "battery": ("low", "(normal|charged)"),
    "battery_charging": ("charging", "not charging"),
    "carbon_monoxide": (_DETECTED, "clear"),
    "cold": ("cold", "normal"),
    "connectivity": ("connected", "disconnected"),
    "gas": (_DETECTED, "clear"),
    "heat": ("hot", "normal"),
    "light": ("detected", "no light"),
    "lock": ("unlocked", "locked"),
    "moisture": ("wet", "dry"),
    "motion": (_DETECTED, "clear"),
    "plug": ("plugged in", "unplugged"),
    "power": ("(powered [on]|power detected)", "(not powered|powered off)"),
    "presence": ("(home|present)", "(away|not (home|present)|gone)"),
    "problem": ("detected", "ok"),
    "running": ("running", "not running"),
    "safety": ("unsafe", "safe"),
    "smoke": (_DETECTED, "clear"),
    "sound": (_DETECTED, "clear"),
    "tamper": ("(detected|tampered with)", "clear"),
    "update": ("update available", "(up to date|up-to-date)"),
    "vibration": ("(detected|vibrating)", "(clear|not vibrating)"),
}

EXTRA_SENTENCES["HassGetState"] = [
    {
        "sentences": [
            f"<is> [<the>] {{name}} {{bs_{cls}_states:state}}",
            f"<is> [<the>] {{name}} {{bs_{cls}_states:state}} [<in>] [<the>] {{area}}",
        ],
        "requires_context": {"domain": "binary_sensor", "device_class": cls},
        "slots": {"domain": "binary_sensor"},
        "response": "one_yesno",
    }
    for cls in BINARY_SENSOR_STATES
]

EXTRA_LISTS: dict[str, Any] = {
    "edge_one": {"values": [{"in": "an", "out": 1}, {"in": "a", "out": 1}, {"in": "one", "out": 1}]},
    **{f"bs_{cls}_states": {"values": [{"in": on, "out": "on"}, {"in": off, "out": "off"}]}
       for cls, (on, off) in BINARY_SENSOR_STATES.items()},
}


def with_extra_sentences(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the intents data with EXTRA_SENTENCES appended (the package's own data is untouched)."""
    out = copy.deepcopy(data)
    out.setdefault("lists", {}).update(copy.deepcopy(EXTRA_LISTS))
    for intent, blocks in EXTRA_SENTENCES.items():
        if intent in out.get("intents", {}):
            out["intents"][intent]["data"].extend(copy.deepcopy(blocks))
    return out
