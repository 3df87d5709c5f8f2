"""Board profiles: ``hardware/<name>.toml`` holds defaults for one board.

A profile has a ``[board]`` table (what the board is, hints for its microphone
HATs) and a ``[settings]`` table with the same sections as the config file
(``[settings.asr]``, ``[settings.wake]`` ...), which the config file overrides.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.errors import ConfigError


def hardware_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("EDGE_HARDWARE_DIR"):
        dirs.append(Path(os.environ["EDGE_HARDWARE_DIR"]))
    dirs.append(Path(__file__).resolve().parent.parent / "hardware")  # a source checkout
    dirs.append(Path("/usr/share/edge/hardware"))  # deploy/install.sh puts them here
    return dirs


@dataclass(frozen=True)
class Profile:
    name: str
    board: dict[str, Any]
    settings: dict[str, Any]


def available_profiles() -> list[str]:
    names: set[str] = set()
    for d in hardware_dirs():
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.toml"))
    return sorted(names)


def load_profile(name: str) -> Profile:
    from edge.config import parse_toml

    for d in hardware_dirs():
        path = d / f"{name}.toml"
        if path.is_file():
            data = parse_toml(path.read_text(encoding="utf-8"), str(path))
            settings = data.get("settings", {})
            if not isinstance(settings, dict):
                raise ConfigError(f"{path}: [settings] must be a table", fix="see hardware/pi4.toml")
            return Profile(name=name, board=dict(data.get("board", {})), settings=settings)
    known = ", ".join(available_profiles()) or "none found"
    raise ConfigError(f"unknown board profile {name!r}", fix=f"use one of: {known}")
