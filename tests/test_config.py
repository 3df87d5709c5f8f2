from pathlib import Path

import pytest

from edge.config import Settings, load_settings, settings_from_dict
from edge.errors import ConfigError


def test_no_file_means_every_default():
    s = load_settings(None)
    assert s == Settings()
    assert s.wake.model == "alexa" and s.asr.model == "tiny.en" and s.asr.compute_type == "int8"
    assert s.mqtt.discovery_prefix == "homeassistant" and s.vad.hangover_s <= 0.5


def test_file_overrides(tmp_path: Path):
    cfg = tmp_path / "edge.toml"
    cfg.write_text(
        '[mqtt]\nhost = "broker.lan"\nport = 8883\ntls = true\n[speaker]\narea = "Kitchen"\n[audio]\ninput_device = 2\n'
    )
    s = load_settings(cfg)
    assert (s.mqtt.host, s.mqtt.port, s.mqtt.tls) == ("broker.lan", 8883, True)
    assert s.speaker.area == "Kitchen" and s.audio.input_device == "2"


@pytest.mark.parametrize(
    "text, key",
    [
        ("[mqtt]\nport = 'abc'\n", "mqtt.port"),
        ("[mqtt]\nport = 70000\n", "mqtt.port"),
        ("[mqtt]\nhots = 'x'\n", "mqtt.hots"),
        ("[wake]\nthreshold = 1.5\n", "wake.threshold"),
        ("[asr]\ncompute_type = 'int4'\n", "asr.compute_type"),
        ("[mqtt]\ntls = 'yes'\n", "mqtt.tls"),
        ("[bogus]\nx = 1\n", "bogus"),
        ("mqtt = 3\n", "mqtt"),
    ],
)
def test_bad_values_name_the_key_and_the_fix(tmp_path: Path, text: str, key: str):
    cfg = tmp_path / "edge.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert key in err.value.message
    assert err.value.fix


def test_devices_add_aliases_and_areas(tmp_path: Path):
    cfg = tmp_path / "edge.toml"
    cfg.write_text('[devices."sim_kitchen_light"]\naliases = ["Cooking Light"]\narea = "Kitchen"\n[devices.EcoBee]\nname = "Thermostat"\n')
    s = load_settings(cfg)
    assert s.devices["sim_kitchen_light"].aliases == ("cooking light",) and s.devices["sim_kitchen_light"].area == "Kitchen"
    assert s.devices["EcoBee"].name == "Thermostat" and s.devices["EcoBee"].aliases == ()


@pytest.mark.parametrize(
    "text, key",
    [
        ('[devices]\nlamp = "x"\n', "devices"),
        ('[devices.lamp]\naliases = "big lamp"\n', 'devices."lamp".aliases'),
        ('[devices.lamp]\nroom = "den"\n', 'devices."lamp".room'),
    ],
)
def test_bad_device_entries_name_the_key(tmp_path: Path, text: str, key: str):
    cfg = tmp_path / "edge.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert key in err.value.message and err.value.fix


def test_corrupt_toml_is_a_config_error(tmp_path: Path):
    cfg = tmp_path / "edge.toml"
    cfg.write_bytes(b"[mqtt\nhost = \x00\xff")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert err.value.fix


def test_missing_file_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_the_device_registry_file_is_per_broker():
    a = settings_from_dict({"mqtt": {"host": "broker.lan", "port": 1883}}).mqtt.registry_path()
    b = settings_from_dict({"mqtt": {"host": "localhost", "port": 1883}}).mqtt.registry_path()
    assert a != b and a.name == "devices-broker.lan-1883.json"


def test_config_overrides_profile():
    s = settings_from_dict({"asr": {"threads": 1}}, profile="pi4")
    assert s.profile == "pi4" and s.asr.threads == 1


def test_dialog_lists_and_barge_in(tmp_path: Path):
    cfg = tmp_path / "edge.toml"
    cfg.write_text(
        '[dialog]\nsensitive_domains = ["lock"]\nyes_phrases = ["Yes", "affirmative"]\nfollowup_timeout_s = 3\n'
        "[barge_in]\necho_cancel = false\n"
    )
    s = load_settings(cfg)
    assert s.dialog.sensitive_domains == ("lock",) and s.dialog.yes_phrases == ("yes", "affirmative")
    assert s.dialog.followup_timeout_s == 3.0 and s.barge_in.echo_cancel is False and s.barge_in.enabled is True
    cfg.write_text('[dialog]\nsensitive_domains = "lock"\n')
    with pytest.raises(ConfigError, match="dialog.sensitive_domains must be a list of strings"):
        load_settings(cfg)
