"""A small LRU cache of synthesized replies ("Okay", "Sorry, I didn't catch that")."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np


class AudioCache:
    """Up to ``max_entries`` replies, each a tuple of read-only int16 chunks; least recently used goes first."""

    def __init__(self, max_entries: int = 32) -> None:
        if max_entries < 0:
            raise ValueError(f"max_entries must be >= 0, got {max_entries}")
        self.max_entries = max_entries
        self._items: OrderedDict[Hashable, tuple[np.ndarray, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> tuple[np.ndarray, ...] | None:
        with self._lock:
            chunks = self._items.get(key)
            if chunks is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return chunks

    def put(self, key: Hashable, chunks: tuple[np.ndarray, ...]) -> None:
        if self.max_entries == 0:
            return
        for c in chunks:
            c.flags.writeable = False  # callers share these arrays
        with self._lock:
            self._items[key] = chunks
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
