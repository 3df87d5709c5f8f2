"""The speaker in Home Assistant: its sensors and its mute switch, kept up to date.

``SpeakerPresence`` is a loop observer: it publishes the listening state as it
changes and the last command when a turn is over. The mute switch sets the
``muted`` event the audio front checks before it acts on a wake word; its
state is stored (SQLite) so a restart keeps the speaker muted, and echoed on
the state topic.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from edge.pipeline.events import LoopObserver
from edge.presence.discovery import MAX_STATE_CHARS, SpeakerTopics, speaker_configs
from edge.presence.link import SpeakerLink
from edge.presence.store import SpeakerStateStore
from edge.timers import TimerManager
from edge.turn import Turn

_LOG = logging.getLogger("edge.presence")
MUTE_KEY = "muted"


class SpeakerPresence(LoopObserver):
    def __init__(
        self,
        link: SpeakerLink,
        topics: SpeakerTopics,
        store: SpeakerStateStore,
        muted: threading.Event,
        *,
        area: str = "",
        timers: TimerManager | None = None,
    ) -> None:
        self.link = link
        self.topics = topics
        self.area = area
        self._store = store
        self.muted = muted
        self._timers = timers
        self._listen_state = "idle"
        self._last: tuple[str, dict[str, Any]] | None = None
        if store.get(MUTE_KEY) == "1":
            muted.set()
            _LOG.info("the speaker is muted (from before the restart): wake words are ignored")
        link.subscribe(topics.mute_command, self._on_mute_command)
        link.add_connect_hook(self.announce)
        if timers is not None:
            timers.add_listener(self._publish_timers)

    # -- announcements -------------------------------------------------------------------
    def announce(self) -> None:
        """Discovery configs (retained) and every current state; on each (re)connection."""
        for topic, config in speaker_configs(self.topics, self.area).items():
            self.link.publish(topic, json.dumps(config), retain=True, qos=1)
        self._publish_mute()
        self.link.publish(self.topics.listen_state, self._listen_state, retain=True)
        if self._last is not None:
            self._publish_last(*self._last)
        self._publish_timers()

    def withdraw(self) -> None:
        """Remove this speaker from Home Assistant (empty retained configs)."""
        for topic in speaker_configs(self.topics, self.area):
            self.link.publish(topic, "", retain=True, qos=1)

    def _publish_mute(self) -> None:
        self.link.publish(self.topics.mute_state, "ON" if self.muted.is_set() else "OFF", retain=True, qos=1)

    def _publish_last(self, text: str, attributes: dict[str, Any]) -> None:
        self.link.publish(self.topics.last_command, text[:MAX_STATE_CHARS], retain=True)
        self.link.publish(self.topics.last_command_attributes, json.dumps(attributes), retain=True)

    def _publish_timers(self) -> None:
        if self._timers is None:
            return
        now = self._timers.now()
        timers = self._timers.timers()
        self.link.publish(self.topics.timers, str(len(timers)), retain=True)
        self.link.publish(self.topics.timers_attributes, json.dumps({"timers": [t.to_dict(now) for t in timers]}), retain=True)

    # -- the mute switch ------------------------------------------------------------------
    def set_muted(self, muted: bool) -> None:
        if muted:
            self.muted.set()
        else:
            self.muted.clear()
        self._store.set(MUTE_KEY, "1" if muted else "0")
        _LOG.info("the speaker is %s", "muted: wake words are ignored" if muted else "unmuted")
        self._publish_mute()

    def _on_mute_command(self, payload: str) -> None:
        value = payload.strip().upper()
        if value not in ("ON", "OFF"):
            _LOG.warning("ignored mute command %r: expected ON or OFF", payload[:40])
            return
        self.set_muted(value == "ON")

    # -- loop events ----------------------------------------------------------------------
    def state_changed(self, state: Any) -> None:
        self._listen_state = str(getattr(state, "value", state))
        self.link.publish(self.topics.listen_state, self._listen_state, retain=True)

    def finished(self, turn: Turn) -> None:
        text = turn.asr.text if turn.asr else (turn.nlu.text if turn.nlu else "")
        attributes = {
            "turn_id": turn.turn_id,
            "outcome": turn.outcome.value if turn.outcome else None,
            "intent": turn.nlu.intent if turn.nlu else None,
            "response": turn.response.text if turn.response else None,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        self._last = (text, attributes)
        self._publish_last(text, attributes)
