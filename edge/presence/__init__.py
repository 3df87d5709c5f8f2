"""The speaker on the broker: Home Assistant discovery for itself, and Hermes events.

``SpeakerServices.build(settings, assistant)`` wires what the config asks for
onto the Assistant's observers; ``start()`` / ``stop()`` run the connection.
"""

from __future__ import annotations

from typing import Any

from edge.config import Settings
from edge.presence.discovery import SpeakerTopics, node_id, speaker_configs
from edge.presence.link import SpeakerLink
from edge.presence.speaker import SpeakerPresence
from edge.presence.store import SpeakerStateStore


class SpeakerServices:
    def __init__(self, link: SpeakerLink, presence: SpeakerPresence | None, store: SpeakerStateStore | None) -> None:
        self.link = link
        self.presence = presence
        self._store = store

    @classmethod
    def build(cls, settings: Settings, assistant: Any) -> SpeakerServices | None:
        """None when neither Home Assistant discovery nor Hermes is enabled."""
        if not settings.speaker.ha_discovery and not settings.hermes.enabled:
            return None
        topics = SpeakerTopics(settings.speaker.id, settings.mqtt.discovery_prefix)
        client_id = f"{settings.mqtt.client_id or 'edge-' + settings.speaker.id}-speaker"
        link = SpeakerLink(settings.mqtt, client_id, topics.availability)
        presence = store = None
        if settings.speaker.ha_discovery:
            store = SpeakerStateStore(settings.speaker.state_db_path())
            presence = SpeakerPresence(
                link, topics, store, assistant.muted, area=settings.speaker.area, timers=assistant.timers
            )
            assistant.events.add(presence)
        if settings.hermes.enabled:
            from edge.hermes import HermesEvents

            hermes = HermesEvents(link.publish, settings.hermes.site_id or settings.speaker.id, settings.wake.threshold)
            assistant.events.add(hermes)
        return cls(link, presence, store)

    def start(self) -> SpeakerServices:
        self.link.start()
        return self

    def stop(self) -> None:
        self.link.stop()
        if self._store is not None:
            self._store.close()


__all__ = ["SpeakerLink", "SpeakerPresence", "SpeakerServices", "SpeakerStateStore", "SpeakerTopics", "node_id",
           "speaker_configs"]
