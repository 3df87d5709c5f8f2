"""Every board profile in hardware/ loads through the config loader and sets what it says."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import settings_from_dict
from edge.errors import ConfigError
from edge.profiles import available_profiles, load_profile

HARDWARE = Path(__file__).resolve().parents[1] / "hardware"

# What each profile promises: (asr model, compute type, asr threads, asr beam size).
EXPECTED = {
    "pi4": ("tiny.en", "int8", 2, 5),
    "pi5": ("tiny.en", "int8", 3, 5),
    "pi-zero-2w": ("tiny.en", "int8", 1, 1),
    "jetson-orin-nano": ("base", "int8", 4, 5),
}


def test_every_board_has_a_profile() -> None:
    assert sorted(p.stem for p in HARDWARE.glob("*.toml")) == sorted(EXPECTED)
    assert set(EXPECTED) <= set(available_profiles())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_profile_loads_and_sets_what_it_says(name: str) -> None:
    settings = settings_from_dict({}, profile=name)
    model, compute_type, threads, beam_size = EXPECTED[name]
    assert settings.profile == name
    assert (settings.asr.model, settings.asr.compute_type) == (model, compute_type)
    assert (settings.asr.threads, settings.asr.beam_size) == (threads, beam_size)
    assert settings.wake.threads == 1
    # ASR plus the wake word fit in the board's cores.
    board = load_profile(name).board
    assert settings.asr.threads + settings.wake.threads <= board["cpu_cores"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_board_table_is_complete(name: str) -> None:
    board = load_profile(name).board
    assert board["name"] == name
    for key in ("description", "cpu", "cpu_cores", "ram_gb", "notes", "microphones"):
        assert board[key], key
    for mic_id, mic in board["microphones"].items():
        assert mic["name"] and mic["input_device"] and mic["notes"], mic_id
        assert all(line.startswith(("dtparam=", "dtoverlay=")) for line in mic["config_txt"]), mic_id
        # The hint must be usable as [audio] input_device.
        assert settings_from_dict({"audio": {"input_device": mic["input_device"]}}, profile=name)


def test_raspberry_pi_profiles_name_the_common_microphones() -> None:
    for name in ("pi4", "pi5", "pi-zero-2w"):
        mics = load_profile(name).board["microphones"]
        assert mics["respeaker-2mic"]["input_device"] == "seeed-2mic-voicecard"
        assert "dtoverlay=seeed-2mic-voicecard" in mics["respeaker-2mic"]["config_txt"]
        assert mics["adafruit-i2s-mems"]["input_device"] == "snd_rpi_i2s"
        assert {"respeaker-4mic", "usb"} <= set(mics)


def test_config_file_overrides_the_profile() -> None:
    settings = settings_from_dict({"profile": "pi4", "asr": {"threads": 3}})
    assert settings.asr.threads == 3
    assert settings.asr.model == "tiny.en"


def test_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({}, profile="pi3")
    assert "pi3" in info.value.message
    for name in EXPECTED:
        assert name in info.value.fix
