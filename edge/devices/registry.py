"""The thread-safe table of discovered entities, their state and their availability.

The MQTT network thread writes (``add``, ``apply_message``), the pipeline reads
(``entities``, ``state``). Listeners hear every state report, changed or not:
a device that is already on still answers an "on" command with "on", and that
answer is the confirmation. Listeners run on the writer's thread, outside the
lock; an exception in one is logged and does not stop the others.

With a ``path`` the discovered entities persist across restarts
(``edge.devices.store``): they are known at start, before the broker answers.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from edge.devices import domains
from edge.devices.entity import Entity
from edge.devices.store import EntityStore
from edge.devices.templates import render
from edge.devices.topics import has_wildcard, topic_matches

log = logging.getLogger("edge.devices")

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class EntityState:
    """The normalised state of one entity; None = not reported (yet).

    ``value`` is the domain's state: "on" / "off" (light, switch, fan,
    binary_sensor), "open" / "closed" / "opening" / "closing" (cover), "locked" /
    "unlocked" / "locking" / "unlocking" / "jammed" (lock), the HVAC mode
    (climate), the reading as text (sensor); buttons and scenes have none.
    """

    value: str | None = None
    raw: str | None = None  # the last state payload as received (on any of the entity's state topics)
    updated_monotonic: float | None = None
    brightness_pct: int | None = None  # light, 0..100
    color_temp_kelvin: int | None = None  # light
    rgb_color: tuple[int, int, int] | None = None  # light
    percentage: int | None = None  # fan speed, 0..100
    position: int | None = None  # cover, 0 (closed) .. 100 (open)
    current_temperature: float | None = None  # climate
    target_temperature: float | None = None  # climate
    hvac_mode: str | None = None  # climate
    unit: str = ""  # sensor unit / climate temperature unit

    @property
    def attributes(self) -> dict[str, Any]:
        """The attributes that are known (not None), by name."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("value", "raw", "updated_monotonic") and getattr(self, f.name) not in (None, "")
        }


STATE_ATTRIBUTES = frozenset(f.name for f in dataclasses.fields(EntityState)) - {"raw", "updated_monotonic"}


@dataclass(frozen=True, slots=True)
class StateReport:
    """One state message for one entity, as listeners receive it."""

    unique_id: str
    value: str | None  # what this message said ("on" / "off"); None = it carried no state
    raw: str
    previous: str | None  # the state before this message
    received_monotonic: float
    optimistic: bool = False  # set by edge itself, not reported by the device
    attributes: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)  # other fields this message set (brightness_pct...)
    state: EntityState | None = None  # the entity's whole state after this message

    @property
    def changed(self) -> bool:
        return self.value is not None and self.value != self.previous


@dataclass(frozen=True, slots=True)
class Override:
    """Local corrections to a discovered entity (from config): a better name, the real area, aliases."""

    name: str | None = None
    area: str | None = None
    aliases: tuple[str, ...] = ()


Listener = Callable[[StateReport], None]


def _decode(payload: bytes | str) -> str:
    return payload if isinstance(payload, str) else bytes(payload).decode("utf-8", errors="replace")


class Registry:
    """Entities, state and availability; ``path`` (None: none) persists the entities across restarts."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._lock = threading.RLock()
        self._discovered: dict[str, Entity] = {}  # as discovered
        self._entities: dict[str, Entity] = {}  # with overrides applied
        self._overrides: dict[str, Override] = {}
        self._states: dict[str, EntityState] = {}
        self._avail: dict[str, dict[str, bool]] = {}  # unique_id -> topic -> available
        self._avail_latest: dict[str, bool] = {}
        self._by_state_topic: dict[str, set[str]] = {}
        self._by_avail_topic: dict[str, set[str]] = {}
        self._wildcards: list[str] = []
        self._listeners: list[Listener] = []
        self._store = EntityStore(path) if path is not None else None
        if self._store is not None:
            for entity in self._store.load():
                self._discovered[entity.unique_id] = entity
                self._entities[entity.unique_id] = entity
                self._states[entity.unique_id] = EntityState()
            self._reindex()
            if self._discovered:
                log.info("loaded %d entities from %s", len(self._discovered), self._store.path)

    @property
    def path(self) -> str | None:
        """The persistence file (None: entities are not persisted)."""
        return None if self._store is None else str(self._store.path)

    def _save(self) -> None:
        if self._store is None:
            return
        with self._lock:
            snapshot = list(self._discovered.values())
        self._store.save(snapshot)

    # --- entities ------------------------------------------------------------------------------

    def add(self, entity: Entity) -> bool:
        """Add or update an entity; True when it is new. State and availability survive an update."""
        with self._lock:
            old = self._discovered.get(entity.unique_id)
            new = old is None
            self._discovered[entity.unique_id] = entity
            self._entities[entity.unique_id] = self._apply_override(entity)
            self._states.setdefault(entity.unique_id, EntityState())
            self._reindex()
            changed = old is None or old != entity or dict(old.config) != dict(entity.config)
        if changed:
            self._save()
        return new

    update = add

    def remove(self, unique_id: str) -> Entity | None:
        with self._lock:
            entity = self._entities.pop(unique_id, None)
            self._discovered.pop(unique_id, None)
            self._states.pop(unique_id, None)
            self._avail.pop(unique_id, None)
            self._avail_latest.pop(unique_id, None)
            self._reindex()
        if entity is not None:
            self._save()
        return entity

    def remove_by_discovery_topic(self, topic: str) -> Entity | None:
        """Remove the entity whose config came from topic (an empty discovery payload)."""
        with self._lock:
            for uid, entity in self._discovered.items():
                if entity.discovery_topic == topic:
                    return self.remove(uid)
            return None

    def by_discovery_topic(self, topic: str) -> Entity | None:
        with self._lock:
            for entity in self._entities.values():
                if entity.discovery_topic == topic:
                    return entity
            return None

    def entities(self, domain: str | None = None) -> tuple[Entity, ...]:
        with self._lock:
            found = self._entities.values()
            return tuple(sorted((e for e in found if domain is None or e.domain == domain), key=lambda e: e.unique_id))

    def get(self, unique_id: str) -> Entity | None:
        with self._lock:
            return self._entities.get(unique_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entities)

    def __contains__(self, unique_id: object) -> bool:
        with self._lock:
            return unique_id in self._entities

    def names(self) -> tuple[str, ...]:
        """Every name and alias, once each (case-insensitively), sorted: the vocabulary ASR and NLU need."""
        with self._lock:
            words = {n.lower(): n for e in self._entities.values() for n in (e.name, *e.aliases) if n}
            return tuple(sorted(words.values(), key=str.lower))

    def areas(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted({e.area for e in self._entities.values() if e.area}))

    def topics(self) -> frozenset[str]:
        """State and availability topics of every entity (what a client must subscribe to)."""
        with self._lock:
            return frozenset(self._by_state_topic) | frozenset(self._by_avail_topic)

    # --- overrides -----------------------------------------------------------------------------

    def set_overrides(self, overrides: Mapping[str, Override]) -> None:
        """Replace the local overrides, keyed by unique_id or by the name discovery gives the entity
        (case does not matter); they apply to present and future entities."""
        with self._lock:
            self._overrides = {k.casefold(): v for k, v in overrides.items()}
            self._entities = {uid: self._apply_override(e) for uid, e in self._discovered.items()}

    def _apply_override(self, entity: Entity) -> Entity:
        override = self._overrides.get(entity.unique_id.casefold()) or self._overrides.get(entity.name.casefold())
        if override is None:
            return entity
        aliases = tuple(dict.fromkeys((*entity.aliases, *override.aliases)))
        return dataclasses.replace(
            entity,
            name=override.name or entity.name,
            area=override.area if override.area is not None else entity.area,
            aliases=aliases,
        )

    # --- state and availability ----------------------------------------------------------------

    def state(self, unique_id: str) -> str | None:
        """The normalised state ("on" / "off", "open", "locked", a reading...), None when unknown."""
        return self.state_record(unique_id).value

    def state_record(self, unique_id: str) -> EntityState:
        with self._lock:
            return self._states.get(unique_id, EntityState())

    def available(self, unique_id: str) -> bool:
        """Home Assistant's rule: an entity with availability topics is unavailable until one says online."""
        with self._lock:
            entity = self._entities.get(unique_id)
            if entity is None:
                return False
            if not entity.availability:
                return True
            seen = self._avail.get(unique_id, {})
            if entity.availability_mode == "all":
                return all(seen.get(a.topic, False) for a in entity.availability)
            if entity.availability_mode == "any":
                return any(seen.values())
            return self._avail_latest.get(unique_id, False)

    def set_state(
        self, unique_id: str, value: str | None, raw: str | None = None, attributes: Mapping[str, Any] | None = None
    ) -> None:
        """Record a state edge assumed itself (an optimistic command); listeners are told.

        value None keeps the current state; attributes are EntityState fields ("target_temperature"...).
        """
        now = time.monotonic()
        changes = {k: v for k, v in (attributes or {}).items() if k in STATE_ATTRIBUTES and k != "value"}
        with self._lock:
            if unique_id not in self._entities:
                return
            old = self._states.get(unique_id, EntityState())
            new = dataclasses.replace(
                old, value=value if value is not None else old.value, raw=raw, updated_monotonic=now, **changes
            )
            self._states[unique_id] = new
        report = StateReport(
            unique_id, value, raw or "", old.value, now, optimistic=True, attributes=MappingProxyType(changes), state=new
        )
        self._notify([report])

    def apply_state_message(self, topic: str, payload: bytes | str) -> tuple[str, ...]:
        """Update every entity with a state topic matching topic; returns their unique ids.

        A payload an entity cannot read (garbage, wrong types) changes nothing but ``raw``: it is
        logged at debug level, never raised.
        """
        now = time.monotonic()
        text = _decode(payload)
        reports: list[StateReport] = []
        with self._lock:
            for uid in self._matching(self._by_state_topic, topic):
                entity = self._entities[uid]
                old = self._states.get(uid, EntityState())
                try:
                    changes = domains.read_update(entity, topic, text, old.position)
                except Exception:  # a domain bug must not stop the other entities on this topic
                    log.exception("cannot read the state of %s from %s", uid, topic)
                    changes = {}
                if not changes:
                    log.debug("no usable state for %s in %.80r on %s", uid, text, topic)
                changes = {k: v for k, v in changes.items() if k in STATE_ATTRIBUTES}
                value = changes.pop("value", None)
                # A message without a usable state (e.g. a brightness-only report) keeps the last one.
                new = dataclasses.replace(
                    old, value=value if value is not None else old.value, raw=text, updated_monotonic=now, **changes
                )
                self._states[uid] = new
                reports.append(StateReport(uid, value, text, old.value, now, attributes=MappingProxyType(changes), state=new))
        self._notify(reports)
        return tuple(r.unique_id for r in reports)

    def apply_availability_message(self, topic: str, payload: bytes | str) -> tuple[str, ...]:
        text = _decode(payload)
        updated: list[str] = []
        with self._lock:
            for uid in self._matching(self._by_avail_topic, topic):
                for entry in self._entities[uid].availability:
                    if not topic_matches(entry.topic, topic):
                        continue
                    value = render(entry.value_template, text)
                    if value == entry.payload_available:
                        online = True
                    elif value == entry.payload_not_available:
                        online = False
                    else:
                        continue
                    self._avail.setdefault(uid, {})[entry.topic] = online
                    self._avail_latest[uid] = online
                    updated.append(uid)
        return tuple(dict.fromkeys(updated))

    def apply_message(self, topic: str, payload: bytes | str) -> tuple[str, ...]:
        """A message on any subscribed topic: state, availability, or both."""
        found = self.apply_state_message(topic, payload) + self.apply_availability_message(topic, payload)
        return tuple(dict.fromkeys(found))

    # --- listeners -----------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call listener for every state report; returns a function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def _notify(self, reports: Iterable[StateReport]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for report in reports:
            for listener in listeners:
                try:
                    listener(report)
                except Exception:
                    log.exception("state listener %r failed on %s", listener, report.unique_id)

    # --- index ---------------------------------------------------------------------------------

    def _reindex(self) -> None:
        self._by_state_topic = {}
        self._by_avail_topic = {}
        for uid, entity in self._entities.items():
            for topic in entity.state_topics:
                self._by_state_topic.setdefault(topic, set()).add(uid)
            for topic in entity.availability_topics:
                self._by_avail_topic.setdefault(topic, set()).add(uid)
        self._wildcards = [t for t in (*self._by_state_topic, *self._by_avail_topic) if has_wildcard(t)]

    def _matching(self, index: Mapping[str, set[str]], topic: str) -> list[str]:
        found = set(index.get(topic, ()))
        for sub in self._wildcards:  # rare (a state_topic with + or #): exact topics need no scan
            if sub in index and topic_matches(sub, topic):
                found |= index[sub]
        return sorted(found)
