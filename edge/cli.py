"""``edge``: the command line. The only module that reads argv, files and the environment."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import edge  # noqa: F401  (privacy environment before anything imports onnxruntime)
from edge.config import Settings, load_settings
from edge.errors import BrokerError, EdgeError
from edge.turn import Outcome, Turn

_LOG = logging.getLogger("edge.cli")

TIMING_KEYS = ("asr", "nlu", "resolve", "action", "end_of_speech_to_action")


def turn_json(turn: Turn) -> dict[str, Any]:
    """The stable ``edge listen --json`` record of one turn."""
    timings: dict[str, float | None] = {k: None for k in TIMING_KEYS}
    timings.update({k: round(v, 1) for k, v in turn.timings_ms.items()})
    return {
        "file": turn.source,
        "turn_id": turn.turn_id,
        "wake": {"model": turn.wake.model, "score": turn.wake.score} if turn.wake else None,
        "transcript": turn.asr.text if turn.asr else None,
        "asr": {"avg_logprob": turn.asr.avg_logprob, "no_speech_prob": turn.asr.no_speech_prob, "model": turn.asr.model}
        if turn.asr
        else None,
        "intent": turn.nlu.intent if turn.nlu else None,
        "confidence": turn.nlu.confidence if turn.nlu else None,
        "slots": dict(turn.nlu.slots) if turn.nlu else {},
        "entities": [{"unique_id": e.unique_id, "name": e.name, "area": e.area} for e in turn.resolution.entities]
        if turn.resolution
        else [],
        "actions": [{"topic": a.topic, "payload": a.payload, "confirmed": a.confirmed} for a in turn.actions],
        "response": turn.response.text if turn.response else None,
        "outcome": turn.outcome.value if turn.outcome else None,
        "error": turn.error or None,
        "timings_ms": timings,
    }


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config, profile=args.profile)
    _setup_logging(args.log_level or settings.log.level)
    return settings


def _start_link(settings: Settings) -> Any:
    from edge.devices import DeviceLink
    from edge.presence import node_id

    link = DeviceLink(
        settings.mqtt,
        client_id=settings.mqtt.client_id or f"edge-{settings.speaker.id}",
        registry_path=settings.mqtt.registry_path(),
        ignore_node_ids=(node_id(settings.speaker.id),),  # the speaker's own sensors and mute switch
    )
    if settings.devices:
        from edge.devices.registry import Override

        link.registry.set_overrides(
            {key: Override(name=o.name or None, area=o.area or None, aliases=o.aliases) for key, o in settings.devices.items()}
        )
    link.start()
    return link


def _speaker_services(settings: Settings, assistant: Any) -> Any:
    """The speaker's Home Assistant entities and Hermes events, as configured (None: neither)."""
    from edge.presence import SpeakerServices

    services = SpeakerServices.build(settings, assistant)
    return services.start() if services is not None else None


def _turn_log(settings: Settings) -> Any:
    from edge.turnlog import TurnLog

    return TurnLog(settings.log.db_path())


# -- commands ---------------------------------------------------------------------------
def cmd_listen(args: argparse.Namespace) -> int:
    from edge.audio import NullSink, WavSink
    from edge.pipeline.assistant import Assistant

    settings = _settings(args)
    missing = [p for p in args.wav if not Path(p).is_file()]
    if missing:
        raise EdgeError(f"no such audio file: {missing[0]}", fix="pass WAV or FLAC files that exist")
    link = _start_link(settings)
    log = _turn_log(settings)
    services = None
    assistant = None
    try:
        assistant = Assistant(settings, link, turn_log=log)
        services = _speaker_services(settings, assistant)
        link.wait_for_discovery(settings.mqtt.discovery_wait_s)
        answers = Path(args.answers) if args.answers else None
        if answers:
            answers.mkdir(parents=True, exist_ok=True)
        rings = iter(range(1_000_000))

        def ring_sink() -> Any:  # a timer that ends while the files run rings here
            if args.speak:
                from edge.audio import SpeakerSink

                return SpeakerSink(settings.audio)
            return WavSink(answers / f"timer.{next(rings)}.wav") if answers else None

        assistant.ring_sink = ring_sink

        def sink_for(path: Path, n: int) -> Any:
            if args.speak:
                from edge.audio import SpeakerSink

                return SpeakerSink(settings.audio)
            if answers:
                return WavSink(answers / f"{path.stem}.{n}.wav")
            return NullSink() if args.tts else None

        for turn in assistant.run_files([Path(p) for p in args.wav], sink_for):
            if args.json:
                print(json.dumps(turn_json(turn)), flush=True)
            else:
                _print_turn(turn)
    finally:
        if assistant is not None:
            assistant.close()
        if services is not None:
            services.stop()
        link.stop()
        log.close()
    return 0


def nlu_json(turn: Turn, acted: bool) -> dict[str, Any]:
    """The stable ``edge nlu --json`` record of one text."""
    out: dict[str, Any] = {
        "text": turn.source,
        "intent": turn.nlu.intent if turn.nlu else None,
        "confidence": turn.nlu.confidence if turn.nlu else 0.0,
        "slots": dict(turn.nlu.slots) if turn.nlu else {},
        "nbest": [[intent, round(p, 4)] for intent, p in turn.nlu.nbest] if turn.nlu else [],  # the model's, best first
        "entities": [
            {"unique_id": e.unique_id, "name": e.name, "area": e.area, "score": e.score} for e in turn.resolution.entities
        ]
        if turn.resolution
        else [],
        "resolution": turn.resolution.reason if turn.resolution else None,
        "candidates": [
            {"unique_id": e.unique_id, "name": e.name, "area": e.area, "score": e.score} for e in turn.resolution.candidates
        ]
        if turn.resolution
        else [],
        "ambiguous": bool(turn.resolution and turn.resolution.ambiguous),
        # security-sensitive (unlock, open a garage door): the actions are what a spoken "yes" would send
        "needs_confirmation": turn.outcome is Outcome.REFUSED,
        "actions": [{"topic": a.topic, "payload": a.payload} for a in turn.actions],
        "response": turn.response.text if turn.response else None,
    }
    if acted:
        out["actions"] = [{"topic": a.topic, "payload": a.payload, "confirmed": a.confirmed} for a in turn.actions]
        out["outcome"] = turn.outcome.value if turn.outcome else None
    return out


def cmd_nlu(args: argparse.Namespace) -> int:
    from edge.nlu.factory import build_interpreter
    from edge.pipeline.processor import TurnProcessor
    from edge.skills import LocalSkills
    from edge.timers import TimerManager

    settings = _settings(args)
    link = _start_link(settings)
    try:
        processor = TurnProcessor(
            None,
            build_interpreter(settings.nlu),
            link,
            device_id=settings.speaker.id,
            area=settings.speaker.area,
            confirm_timeout_s=settings.mqtt.confirm_timeout_s,
            wake_model=settings.wake.model,
            skills=LocalSkills(TimerManager(None, time.time), hour_24=settings.speaker.hour_24),  # timers in memory
        )
        link.wait_for_discovery(settings.mqtt.discovery_wait_s)
        for text in args.text:
            turn = processor.process_text(text, act=args.act, source=text)
            if args.json:
                print(json.dumps(nlu_json(turn, args.act)), flush=True)
            else:
                print(f"{text!r} -> {turn.nlu.intent if turn.nlu else None} {dict(turn.nlu.slots) if turn.nlu else ''}")
                for e in turn.resolution.entities if turn.resolution else ():
                    print(f"  {e.name} ({e.area or '-'}, {e.unique_id}) score {e.score:.2f}")
                for a in turn.actions:
                    print(f"  -> {a.topic} {a.payload}")
                if turn.response:
                    print(f"  answer: {turn.response.text}")
    finally:
        link.stop()
    return 0


def _print_turn(turn: Turn) -> None:
    t = turn.timings_ms
    print(f"{Path(turn.source).name}: heard {turn.asr.text if turn.asr else '-'!r}")
    print(f"  intent {turn.nlu.intent if turn.nlu else '-'} {dict(turn.nlu.slots) if turn.nlu else ''}")
    for a in turn.actions:
        print(f"  -> {a.topic} {a.payload} ({'confirmed' if a.confirmed else 'not confirmed'})")
    print(f"  answer: {turn.response.text if turn.response else '-'}  [{turn.outcome.value if turn.outcome else '-'}]")
    if "end_of_speech_to_action" in t:
        print(f"  end of speech -> MQTT publish {t['end_of_speech_to_action']:.0f} ms (asr {t.get('asr', 0):.0f} ms)")


def cmd_run(args: argparse.Namespace) -> int:
    from edge.audio import MicSource, SpeakerSink
    from edge.learning.runtime import LearningRuntime
    from edge.pipeline.assistant import Assistant
    from edge.service import SdNotifier, install_signal_handlers

    settings = _settings(args)
    notifier = SdNotifier()
    stop = install_signal_handlers()
    mic = MicSource(settings.audio)
    mic.start()  # fails now, with the fix, if there is no microphone
    link = _start_link(settings)
    log = _turn_log(settings)
    services = None
    assistant = None
    learning = None
    try:
        assistant = Assistant(settings, link, turn_log=log)
        services = _speaker_services(settings, assistant)
        learning = LearningRuntime.start(settings, assistant)  # rephrases, feedback, rewrites ([learning])
        link.wait_for_discovery(settings.mqtt.discovery_wait_s)
        sink = SpeakerSink(settings.audio)
        interval = notifier.watchdog_interval_s() or 10.0
        last = [0.0]

        def heartbeat() -> None:
            now = time.monotonic()
            if now - last[0] >= interval:
                last[0] = now
                notifier.watchdog()

        notifier.ready(f"listening for {assistant.wake.name}")
        _LOG.info("listening for %r on %s", assistant.wake.name, settings.audio.input_device or "the default microphone")
        assistant.run_microphone(mic, sink, stop, heartbeat)
    finally:
        notifier.stopping()
        mic.stop()
        if assistant is not None:
            assistant.close()
        if learning is not None:
            learning.stop()
        if services is not None:
            services.stop()
        link.stop()
        log.close()
        _LOG.info("stopped; turn log flushed")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from edge.demo import run_demo

    if args.log_level is None:
        args.log_level = "warning"  # the demo prints its own story; --log-level info shows every stage
    settings = _settings(args)
    return run_demo(settings, out_dir=Path(args.out), use_mic=not args.no_mic)


def cmd_say(args: argparse.Namespace) -> int:
    from edge.audio import SpeakerSink, WavSink
    from edge.tts import Synthesizer

    settings = _settings(args)
    synth = Synthesizer(settings.tts, threads=settings.tts.threads)
    sink = WavSink(Path(args.out)) if args.out else SpeakerSink(settings.audio)
    with sink:
        first_ms = synth.speak(" ".join(args.text), sink)
        sink.wait()
    _LOG.info("first audio after %.0f ms", first_ms)
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from edge.respond.answers import shown_state

    settings = _settings(args)
    link = _start_link(settings)
    try:
        link.wait_for_discovery(settings.mqtt.discovery_wait_s)
        if not link.connected:
            raise BrokerError(
                f"cannot reach the MQTT broker at {settings.mqtt.host}:{settings.mqtt.port}",
                fix="start it (sudo systemctl start mosquitto) or set [mqtt] host/port in the config",
            )
        rows = []
        for e in sorted(link.registry.entities(), key=lambda e: (e.area or "", e.name)):
            rows.append({"unique_id": e.unique_id, "name": e.name, "domain": e.domain, "area": e.area or "",
                         "device_class": e.device_class, "state": link.registry.state(e.unique_id),
                         "available": link.registry.available(e.unique_id)})
        if args.json:
            for r in rows:
                print(json.dumps(r))
        elif not rows:
            print(f"no devices announced under {settings.mqtt.discovery_prefix}/ on {settings.mqtt.host}:{settings.mqtt.port}")
        else:
            for r in rows:
                shown = shown_state(r["state"], r["domain"], r["device_class"])
                print(f"{r['area'] or '-':<14} {r['name']:<24} {r['domain']:<8} {shown:<6} {r['unique_id']}")
    finally:
        link.stop()
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    from edge.service import install_signal_handlers
    from edge.sim import SimHome

    settings = _settings(args)
    stop = install_signal_handlers()
    with SimHome(settings.mqtt.host, settings.mqtt.port, prefix=settings.mqtt.discovery_prefix):
        _LOG.info("simulated home announced on %s:%d; Ctrl-C to stop", settings.mqtt.host, settings.mqtt.port)
        stop.wait()
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", help="TOML config (default: every built-in default)")
    common.add_argument("--profile", metavar="NAME", help="board profile from hardware/ (pi4, pi5, pi-zero-2w, jetson-orin-nano)")
    common.add_argument("--log-level", choices=("debug", "info", "warning", "error"), help="overrides [log] level")

    parser = argparse.ArgumentParser(prog="edge", description="On-device voice assistant for MQTT smart homes.")
    parser.add_argument("--version", action="version", version=f"edge {edge.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", parents=[common], help="the service loop on the microphone")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", parents=[common], help="the whole loop on a local broker and a simulated home")
    p.add_argument("--out", default="demo-out", help="folder for the spoken answers (WAV) when there is no speaker")
    p.add_argument("--no-mic", action="store_true", help="play synthesized commands even if a microphone exists")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("listen", parents=[common], help="run audio files through the loop as if spoken to the device")
    p.add_argument("--wav", nargs="+", required=True, metavar="FILE", help="WAV/FLAC files, any rate and channels")
    p.add_argument("--json", action="store_true", help="one JSON object per turn on stdout")
    p.add_argument("--answers", metavar="DIR", help="write each spoken answer to DIR/<file>.<n>.wav")
    p.add_argument("--speak", action="store_true", help="play the answers on the speaker")
    p.add_argument("--tts", action="store_true", help="synthesize answers (and time them) even without a sink")
    p.set_defaults(func=cmd_listen)

    p = sub.add_parser("nlu", parents=[common], help="interpret TEXT through everything after ASR (NLU, resolution)")
    p.add_argument("text", nargs="+", metavar="TEXT", help="one request per argument")
    p.add_argument("--json", action="store_true", help="one JSON object per text on stdout")
    p.add_argument("--act", action="store_true", help="also send the commands and report the outcome")
    p.set_defaults(func=cmd_nlu)

    p = sub.add_parser("say", parents=[common], help="speak TEXT with the configured voice")
    p.add_argument("text", nargs="+")
    p.add_argument("--out", metavar="FILE", help="write a WAV instead of playing")
    p.set_defaults(func=cmd_say)

    p = sub.add_parser("devices", parents=[common], help="devices discovered on the broker, with area and state")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_devices)

    p = sub.add_parser("sim", parents=[common], help="run the simulated home on the configured broker")
    p.set_defaults(func=cmd_sim)

    from edge.learning.cli import add_hub_parser
    from edge.report.cli import add_report_parser
    from edge.simulate.cli import add_simulate_parser

    add_hub_parser(sub, [common])
    add_simulate_parser(sub, [common])
    add_report_parser(sub, [common])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except EdgeError as exc:
        print(f"edge: error[{exc.code}]: {exc.message}", file=sys.stderr)
        if exc.fix:
            print(f"edge: fix: {exc.fix}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
