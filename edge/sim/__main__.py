"""``python -m edge.sim``: run the simulated home against a broker until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from edge.errors import EdgeError
from edge.sim.devices import default_devices
from edge.sim.home import SimHome


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m edge.sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="MQTT broker host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=1883, help="MQTT broker port (default 1883)")
    parser.add_argument("--prefix", default="homeassistant", help="discovery prefix (default homeassistant)")
    parser.add_argument("--root", default="edgesim", help="root of the devices' own topics (default edgesim)")
    parser.add_argument("--delay-ms", type=float, default=20.0, help="state report delay after a command")
    parser.add_argument("--travel-s", type=float, default=3.0, help="garage door / blinds travel time (default 3 s)")
    parser.add_argument("--tick-s", type=float, default=1.0, help="how often thermostats and ovens change (default 1 s)")
    parser.add_argument("--clear", action="store_true", help="remove the retained discovery and state on exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every command")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    devices = default_devices(args.root, travel_s=args.travel_s)
    home = SimHome(args.host, args.port, args.prefix, devices, delay_s=args.delay_ms / 1000.0, tick_s=args.tick_s)
    try:
        home.start(wait_s=None)  # the broker may come up later: paho keeps retrying
        for device in home.devices:
            logging.getLogger("edge.sim").info(
                "%-13s %-28s %-12s %s", device.component, device.name or device.device_name, device.area, device.unique_id
            )
        while not done.wait(0.5):
            pass
    except EdgeError as exc:
        sys.stderr.write(f"error[{exc.code}]: {exc}\n")
        return 1
    finally:
        home.stop(clear=args.clear)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
