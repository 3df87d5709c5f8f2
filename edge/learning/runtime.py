"""The speaker's learning side in the service: the loop, the outbox and its sync, the rewrite table.

``LearningRuntime.start(settings, assistant)`` builds what ``[learning]`` asks
for and hooks the loop into the assistant (its processor's rewrite step, and
its observers, so every finished turn reaches ``LearningLoop.after_turn``):

* ``on_device = false``: nothing (returns None);
* ``sync = true``: the SQLite outbox and ``FeedbackSync`` to the hub;
* the hub's public key at ``public_key`` (default ``<state dir>/hub.pub``):
  ``RewriteTableSubscriber`` keeps the signed table the rewriter looks up;
  without the key, no table (the personal layer and teaching still work);
* a timer thread that sends the final labels of turns whose rephrase window
  closed while nobody spoke (``LearningLoop.flush``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from edge.config import Settings, default_state_dir
from edge.learning.loop import LearningLoop

log = logging.getLogger("edge.learning")


class LearningRuntime:
    def __init__(self, loop: LearningLoop, outbox: Any = None, sync: Any = None, subscriber: Any = None) -> None:
        self.loop = loop
        self.outbox = outbox
        self.sync = sync
        self.subscriber = subscriber
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._flusher, name="edge-learning-flush", daemon=True)

    @classmethod
    def start(cls, settings: Settings, assistant: Any) -> LearningRuntime | None:
        """Build, hook into ``assistant`` (``processor.learning``, ``events``) and start; None when off."""
        s, m = settings.learning, settings.mqtt
        if not s.on_device:
            return None
        from edge.feedback.outbox import Outbox
        from edge.feedback.sync import FeedbackSync
        from edge.learning.signing import load_public_key
        from edge.learning.subscriber import RewriteTableSubscriber

        common = dict(username=m.username, password=m.password, tls=m.tls, ca_file=m.ca_file, keepalive_s=m.keepalive_s,
                      reconnect_max_s=m.reconnect_max_s)  # fmt: skip
        outbox = sync = subscriber = None
        if s.sync:
            outbox = Outbox(s.outbox_path())
            client_id = f"edge-fb-{settings.speaker.id}"
            sync = FeedbackSync(outbox, m.host, m.port, client_id, s.topic_prefix, **common)  # type: ignore[arg-type]
        key_path = s.public_key_path()
        if key_path.is_file():
            subscriber = RewriteTableSubscriber(load_public_key(key_path), default_state_dir(), topic=s.table_topic)
        else:
            log.info("no hub public key at %s: no rewrite table (set [learning] public_key)", key_path)
        embed = getattr(assistant.matcher, "embed", None)
        loop = LearningLoop.from_settings(
            settings, embed=embed, table=subscriber.current if subscriber else (lambda: None), outbox=outbox
        )
        runtime = cls(loop, outbox, sync, subscriber)
        assistant.processor.learning = loop
        assistant.events.add(loop)
        if sync is not None:
            sync.start()
        if subscriber is not None:
            subscriber.start(m.host, m.port, f"edge-rw-{settings.speaker.id}", **common)  # type: ignore[arg-type]
        runtime._thread.start()
        return runtime

    def _flusher(self) -> None:
        while not self._stop.wait(self.loop.detector.window_s / 2):
            try:
                self.loop.flush()
            except Exception:  # never stop the service over a label
                log.exception("learning flush failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.loop.flush(float("inf"))  # the final labels of every turn still open
        for part in (self.subscriber, self.sync):
            if part is not None:
                part.stop()
        if self.outbox is not None:
            self.outbox.close()
        if self.loop.personal is not None:
            self.loop.personal.close()
