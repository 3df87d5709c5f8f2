"""Simulation: a virtual home that speaks Home Assistant MQTT discovery on a real broker."""

from edge.sim.appliances import (
    SimButton,
    SimContact,
    SimCover,
    SimFan,
    SimLock,
    SimOven,
    SimScene,
    SimSensor,
    SimThermostat,
)
from edge.sim.devices import (
    Message,
    SimAvailability,
    SimDevice,
    SimJsonLight,
    SimLight,
    SimOnOff,
    SimPowered,
    SimSwitch,
    default_devices,
)
from edge.sim.home import SimError, SimHome

__all__ = [
    "Message",
    "SimButton",
    "SimContact",
    "SimCover",
    "SimFan",
    "SimLock",
    "SimOven",
    "SimScene",
    "SimSensor",
    "SimThermostat",
    "SimAvailability",
    "SimDevice",
    "SimError",
    "SimHome",
    "SimJsonLight",
    "SimLight",
    "SimOnOff",
    "SimPowered",
    "SimSwitch",
    "default_devices",
]
