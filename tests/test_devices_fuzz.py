"""Property tests (hypothesis): malformed discovery and state payloads are skipped, never raised or crashing the link."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.config import MqttSettings
from edge.devices import DeviceLink, Discovered, DiscoveryError, Registry, parse_discovery
from edge.devices.abbreviations import ABBREVIATIONS
from edge.devices.domains import DOMAINS
from edge.devices.store import EntityStore
from tests.test_devices_discovery import ABBREVIATED_KEYS

COMPONENTS = sorted(DOMAINS) + ["vacuum"]
TOPICS = ["~", "~/set", "a/b", "a/+/b", "#", "", "s", "s/pos", "x/#/y", "~cmnd/POWER", "t/\u0000"]
TEMPLATES = ["{{ value_json.state }}", "{{ value }}", "{% if %}", "{{ x.y }}", "{{ value_json[0] }}", "{{ position }}"]
KEYS = sorted(
    set(ABBREVIATED_KEYS)
    | {
        "bri_cmd_t",
        "bri_stat_t",
        "bri_scl",
        "bri_val_tpl",
        "clr_temp_cmd_t",
        "clr_temp_stat_t",
        "rgb_cmd_t",
        "rgb_stat_t",
        "on_cmd_type",
        "sup_clrm",
        "brightness",
        "color_temp",
        "min_mirs",
        "max_mirs",
        "pct_cmd_t",
        "pct_stat_t",
        "spd_rng_min",
        "spd_rng_max",
        "temp_cmd_t",
        "temp_stat_t",
        "temp_stat_tpl",
        "curr_temp_t",
        "curr_temp_tpl",
        "mode_cmd_t",
        "mode_stat_t",
        "modes",
        "min_temp",
        "max_temp",
        "temp_step",
        "temp_unit",
        "pl_open",
        "pl_cls",
        "pl_stop",
        "pos_t",
        "set_pos_t",
        "set_pos_tpl",
        "pos_open",
        "pos_clsd",
        "stat_open",
        "pl_lock",
        "pl_unlk",
        "stat_locked",
        "unit_of_meas",
        "dev_cla",
        "pl_prs",
        "color_temp_kelvin",
    }
    | set(list(ABBREVIATIONS)[:30])
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(TOPICS),
    st.sampled_from(TEMPLATES),
    st.sampled_from(["json", "default", "template", "heat", "off", "C", "F", "brightness", "first"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS + ["t", "sa", "ids"]), inner, max_size=3)
    ),
    max_leaves=8,
)
configs = st.dictionaries(st.sampled_from(KEYS), values, max_size=12)


def _dumps(config: dict[str, Any]) -> str:
    return json.dumps(config, allow_nan=True)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(component=st.sampled_from(COMPONENTS), config=configs)
def test_parse_discovery_raises_only_discovery_error(component: str, config: dict[str, Any]) -> None:
    try:
        result = parse_discovery(f"homeassistant/{component}/fuzz/config", _dumps(config))
    except DiscoveryError as exc:
        assert exc.reason
        return
    if isinstance(result, Discovered):
        e = result.entity
        assert isinstance(e.name, str) and e.name and e.domain == component
        assert all(t and "\0" not in t for t in e.state_topics)
        hash(e)  # a frozen, hashable record (detail included)


@settings(max_examples=200, deadline=None)
@given(payload=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_random_bytes_as_discovery(payload: bytes) -> None:
    for component in ("light", "climate", "cover"):
        try:
            parse_discovery(f"homeassistant/{component}/fuzz/config", payload)
        except DiscoveryError:
            pass


def _registry_with_every_domain() -> Registry:
    from edge.sim import default_devices

    reg = Registry()
    for device in default_devices("f"):
        result = parse_discovery(device.discovery_topic("homeassistant"), json.dumps(device.discovery_config()))
        assert isinstance(result, Discovered)
        reg.add(result.entity)
    return reg


REGISTRY = _registry_with_every_domain()
STATE_TOPICS = sorted(REGISTRY.topics())
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(max_size=6)
            | st.sampled_from(
                [
                    "state",
                    "brightness",
                    "color",
                    "color_temp",
                    "r",
                    "g",
                    "b",
                    "x",
                    "y",
                    "h",
                    "s",
                    "position",
                    "contact",
                    "POWER",
                    "system_mode",
                    "occupied_heating_setpoint",
                    "local_temperature",
                    "temperature",
                    "humidity",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)
state_payloads = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=50).map(str.encode),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from(
        [b"ON", b"OFF", b"opening", b"LOCKED", b"JAMMED", b"1e309", b"-0", b"nan", b"255,0", b"1,2,3,4", b"\xff"]
    ),
)


@settings(max_examples=800, deadline=None)
@given(topic=st.sampled_from(STATE_TOPICS), payload=state_payloads)
def test_apply_message_never_raises(topic: str, payload: bytes) -> None:
    REGISTRY.apply_message(topic, payload)
    for e in REGISTRY.entities():
        record = REGISTRY.state_record(e.unique_id)
        assert record.value is None or isinstance(record.value, str)
        assert record.brightness_pct is None or 0 <= record.brightness_pct <= 100
        assert record.position is None or 0 <= record.position <= 100


class _Msg(SimpleNamespace):
    topic: str
    payload: bytes
    retain: bool


@pytest.fixture(scope="module")
def idle_link() -> DeviceLink:
    return DeviceLink(MqttSettings(host="127.0.0.1", port=1), "edge-fuzz")  # never started: callbacks only


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    topic=st.sampled_from(
        ["homeassistant/light/a/config", "homeassistant/climate/n/b/config", "homeassistant/cover/c/config"]
        + STATE_TOPICS[:5]
    ),
    payload=state_payloads | configs.map(lambda c: _dumps(c).encode()),
)
def test_link_callback_never_raises_and_logs_skips(
    idle_link: DeviceLink, topic: str, payload: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="edge.devices"):
        idle_link._on_message(None, None, _Msg(topic=topic, payload=payload, retain=True))  # type: ignore[arg-type]
    assert "error while handling" not in caplog.text  # nothing escaped to the catch-all
    caplog.clear()


def test_a_huge_payload_is_skipped_with_a_log_line(idle_link: DeviceLink, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="edge.devices"):
        idle_link._on_message(
            None,
            None,
            _Msg(topic="homeassistant/sensor/big/config", payload=b'{"stat_t":"' + b"a" * 200_000 + b'"}', retain=True),
        )  # type: ignore[arg-type]
        idle_link._on_message(
            None,
            None,
            _Msg(topic="homeassistant/sensor/trunc/config", payload=b'{"stat_t": "s", "unit_of_meas', retain=True),
        )  # type: ignore[arg-type]
    assert "larger than" in caplog.text and "not valid JSON" in caplog.text


# --- the store -----------------------------------------------------------------------------------


def test_store_round_trip_and_unreadable_file(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "registry.json"
    reg = Registry(path)
    for e in REGISTRY.entities():
        reg.add(e)
    saved = path.read_text()
    reg.add(REGISTRY.entities()[0])  # unchanged: no write
    assert path.read_text() == saved
    again = Registry(path)
    assert again.entities() == REGISTRY.entities()
    assert [dict(e.config) for e in again.entities()] == [dict(e.config) for e in REGISTRY.entities()]
    reg.remove(REGISTRY.entities()[0].unique_id)
    assert len(Registry(path)) == len(REGISTRY) - 1
    path.write_text('{"version": 1, "entities": [')  # truncated by a power cut before the atomic writes existed
    with caplog.at_level(logging.WARNING, logger="edge.devices"):
        assert len(Registry(path)) == 0
    assert "unreadable" in caplog.text and (tmp_path / "registry.json.bad").is_file()
    data = {
        "version": 1,
        "entities": [
            {
                "unique_id": "x",
                "domain": "light",
                "discovery_topic": "homeassistant/light/x/config",
                "config": {"name": "X"},
            },
            "junk",
        ],
    }
    path.write_text(json.dumps(data))
    with caplog.at_level(logging.WARNING, logger="edge.devices"):
        assert EntityStore(path).load() == []
    assert "no longer parses" in caplog.text


def test_overrides_apply_to_loaded_entities(tmp_path) -> None:
    from edge.devices import Override

    path = tmp_path / "r.json"
    first = Registry(path)
    first.add(REGISTRY.get("sim_garage_door"))  # type: ignore[arg-type]
    loaded = Registry(path)
    loaded.set_overrides({"sim_garage_door": Override(area="garage", aliases=("the big door",))})
    e = loaded.get("sim_garage_door")
    assert e is not None and e.area == "garage" and "the big door" in e.aliases and e.device_class == "garage"
    assert Registry(path).get("sim_garage_door").area == "driveway"  # type: ignore[union-attr]  # overrides are not persisted
