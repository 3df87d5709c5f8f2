"""The discovered entities on disk, so a restart knows the home before the broker answers.

One JSON file: ``{"version": 1, "entities": [{"unique_id", "discovery_topic",
"config"}]}``, where ``config`` is the discovery payload as expanded. Loading
parses each config again with ``parse_discovery`` (so the file cannot drift from
the parser); an entry that no longer parses is dropped with a warning. Writes
are atomic (temporary file, fsync, ``os.replace``, fsync of the folder), and
only happen when the content changes. A missing file is an empty home; an
unreadable one is logged, set aside as ``<name>.bad`` and replaced.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable

from edge.devices.discovery import Discovered, parse_discovery
from edge.devices.entity import Entity
from edge.devices.errors import DiscoveryError

log = logging.getLogger("edge.devices")

VERSION = 1


def _prefixes(entity_domain: str, topic: str) -> list[str]:
    """The discovery prefixes topic can have (with and without a node id)."""
    levels = topic.split("/")
    found = []
    for back in (3, 4):
        if len(levels) > back and levels[-back] == entity_domain:
            found.append("/".join(levels[:-back]))
    return found


def _record(entity: Entity) -> dict[str, Any]:
    return {
        "unique_id": entity.unique_id,
        "domain": entity.domain,
        "discovery_topic": entity.discovery_topic,
        "config": _plain(entity.config),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _entity_from(record: Any) -> Entity | None:
    if not isinstance(record, dict):
        return None
    topic, domain, config, uid = (record.get(k) for k in ("discovery_topic", "domain", "config", "unique_id"))
    if not all(isinstance(v, str) for v in (topic, domain, uid)) or not isinstance(config, dict):
        return None
    for prefix in _prefixes(domain, topic):
        try:
            result = parse_discovery(topic, json.dumps(config), prefix)
        except DiscoveryError:
            continue
        if isinstance(result, Discovered) and result.entity.unique_id == uid:
            return result.entity
    return None


class EntityStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._last: str | None = None
        self._warned = False

    def load(self) -> list[Entity]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            log.warning("cannot read the device registry %s (%s); starting empty", self.path, exc)
            return []
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("entities"), list):
                raise ValueError(f"not a version {VERSION} registry file")
        except (ValueError, RecursionError) as exc:
            bad = self.path.with_name(self.path.name + ".bad")
            log.warning("the device registry %s is unreadable (%s); moved it to %s, starting empty", self.path, exc, bad)
            try:
                os.replace(self.path, bad)
            except OSError:
                pass
            return []
        entities = []
        for record in data["entities"]:
            entity = _entity_from(record)
            if entity is None:
                log.warning("dropping an entry of the device registry %s that no longer parses: %.120r", self.path, record)
                continue
            entities.append(entity)
        self._last = self._dump(entities)
        return entities

    def _dump(self, entities: Iterable[Entity]) -> str:
        records = sorted((_record(e) for e in entities), key=lambda r: r["unique_id"])
        return json.dumps({"version": VERSION, "entities": records}, indent=1, sort_keys=True, ensure_ascii=False)

    def save(self, entities: Iterable[Entity]) -> bool:
        """Write the entities if they differ from the file; False when writing failed (logged once)."""
        text = self._dump(entities)
        with self._lock:
            if text == self._last:
                return True
            try:
                self._write(text)
            except OSError as exc:
                if not self._warned:
                    log.warning("cannot write the device registry %s (%s); entities will not survive a restart", self.path, exc)
                    self._warned = True
                return False
            self._last = text
            self._warned = False
            return True

    def _write(self, text: str) -> None:
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        try:
            dir_fd = os.open(folder, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)
