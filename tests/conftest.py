"""Shared fixtures: a real Mosquitto broker per test session, the shared data folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # before anything can import onnxruntime

import pytest

import edge  # noqa: F401  (sets the privacy environment)

SHARED_DATA = Path(os.environ.get("EDGE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set EDGE_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def broker() -> Iterator["LocalBroker"]:
    """A real Mosquitto on a free loopback port, for the whole session."""
    from edge.broker import LocalBroker

    with LocalBroker() as b:
        yield b
