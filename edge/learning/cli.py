"""``edge hub``: the learning hub as a command and a service (``systemd/edge-hub.service``)."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from datetime import datetime
from typing import Any, Sequence

from edge.config import Settings, load_settings
from edge.errors import BrokerError

log = logging.getLogger("edge.learning")

PRIVATE_KEY = "hub.key"
PUBLIC_KEY = "hub.pub"
EVENTS_DB = "events.db"


def add_hub_parser(subparsers: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    """Add ``hub`` to the ``edge`` command's subparsers (parents: the shared --config/--profile/--log-level)."""
    p = subparsers.add_parser("hub", parents=list(parents), help="the learning hub: collect feedback, mine and sign rewrites")
    if not parents:
        p.add_argument("--config", metavar="FILE", help="TOML config (default: every built-in default)")
        p.add_argument("--profile", metavar="NAME", help=argparse.SUPPRESS)
        p.add_argument("--log-level", choices=("debug", "info", "warning", "error"), help="overrides [log] level")
    p.add_argument("--keygen", action="store_true", help="create the signing key pair in the hub's state dir and exit")
    p.add_argument("--mine-now", action="store_true", help="mine, sign and publish a table now, then exit")
    p.set_defaults(func=hub_main)
    return p


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config, profile=getattr(args, "profile", None))
    level = getattr(args, "log_level", None) or settings.log.level
    logging.basicConfig(level=getattr(logging, level.upper()), format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    return settings


def hub_main(args: argparse.Namespace) -> int:
    from edge.learning.hub import LearningHub
    from edge.learning.hub_store import HubStore
    from edge.learning.schedule import next_mining_time
    from edge.learning.signing import generate_keypair, load_private_key

    settings = _settings(args)
    learning, mqtt = settings.learning, settings.mqtt
    state = learning.hub_dir()
    if args.keygen:
        generate_keypair(state / PRIVATE_KEY, state / PUBLIC_KEY)
        print(f"public key: {state / PUBLIC_KEY}")
        print(f"copy it to every speaker as [learning] public_key (default <state dir>/{PUBLIC_KEY})")
        return 0
    key = load_private_key(state / PRIVATE_KEY)
    hub = LearningHub(
        HubStore(state / EVENTS_DB),
        key,
        mqtt.host,
        mqtt.port,
        client_id=learning.hub_client_id,
        topic_prefix=learning.topic_prefix,
        table_topic=learning.table_topic,
        min_support=learning.min_support,
        min_confidence=learning.min_confidence,
        username=mqtt.username,
        password=mqtt.password,
        tls=mqtt.tls,
        ca_file=mqtt.ca_file,
        keepalive_s=mqtt.keepalive_s,
        reconnect_max_s=mqtt.reconnect_max_s,
    )
    if args.mine_now:
        hub.start()
        try:
            if not hub.wait_ready(10.0):
                raise BrokerError(f"cannot reach the MQTT broker at {hub.address}", fix="start it or set [mqtt] host/port")
            table = hub.mine_and_publish()
            print(f"rewrite table v{table.version}: {len(table)} rewrites, {len(table.examples)} examples "
                  f"from {hub.store.count()} events, published on {learning.table_topic}")
        finally:
            hub.stop()
            hub.store.close()
        return 0
    return _serve(hub, lambda last: next_mining_time(datetime.now(), mine_at=learning.mine_at,
                                                     every_h=learning.mine_every_h, last=last))


def _serve(hub: Any, next_time: Any) -> int:
    from edge.service import SdNotifier, install_signal_handlers

    notifier = SdNotifier()
    stop: threading.Event = install_signal_handlers()
    hub.start()
    interval = notifier.watchdog_interval_s() or 30.0
    last: datetime | None = None
    due = next_time(last)
    notifier.ready("collecting feedback")
    log.info("learning hub running; next mining %s", due.isoformat(timespec="minutes") if due else "never (no schedule)")
    try:
        while not stop.is_set():
            now = datetime.now()
            if due is not None and now >= due:
                try:
                    hub.mine_and_publish()
                except Exception:
                    log.exception("mining failed; trying again at the next scheduled time")
                last = datetime.now()
                due = next_time(last)
                log.info("next mining %s", due.isoformat(timespec="minutes") if due else "never")
            wait = interval if due is None else min(interval, max(0.0, (due - datetime.now()).total_seconds()))
            stop.wait(max(wait, 0.05))
            notifier.watchdog()
    finally:
        notifier.stopping()
        hub.stop()
        hub.store.close()
        log.info("learning hub stopped; events flushed")
    return 0
