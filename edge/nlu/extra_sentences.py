"""Sentences Home Assistant's English templates lack, in their own format, added to them at load.

Measured gaps: "set a 10 minute pasta timer", "how much time is left", "how long on
the pasta timer", "unpause the timer", "what day is it". Each block reuses the
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


EXTRA_LISTS: dict[str, Any] = {"edge_one": {"values": [{"in": "an", "out": 1}, {"in": "a", "out": 1}, {"in": "one", "out": 1}]}}


def with_extra_sentences(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the intents data with EXTRA_SENTENCES appended (the package's own data is untouched)."""
    out = copy.deepcopy(data)
    out.setdefault("lists", {}).update(copy.deepcopy(EXTRA_LISTS))
    for intent, blocks in EXTRA_SENTENCES.items():
        if intent in out.get("intents", {}):
            out["intents"][intent]["data"].extend(copy.deepcopy(blocks))
    return out
