"""A second home for the benchmarks, unlike the simulated house edge's tests use.

Other names, other rooms, the same device kinds, announced with the same real
discovery payloads (the ``edge.sim`` device classes speak them). It has what
makes resolution hard: one name in two rooms ("Ceiling Light" in the kitchen
and in the nursery), two lamps in one room (the den), an appliance with its own
thermometer (the kettle), a gate and a lock (security-sensitive).
"""

from __future__ import annotations

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
from edge.sim.devices import SimDevice, SimJsonLight, SimLight, SimSwitch


def cottage(root: str = "cottage") -> list[SimDevice]:
    kettle = SimOven("ck_kettle", "Kettle", "Kitchen", base_topic=f"{root}/kitchen/kettle", state_suffix="/state")
    return [
        SimLight("ck_pantry", "Pantry Light", "Pantry", base_topic=f"{root}/pantry/light"),
        SimLight("ck_pendant", "Island Pendant", "Kitchen", base_topic=f"{root}/kitchen/pendant", brightness=True),
        SimJsonLight("ck_ceiling", None, "Kitchen", device_name="Ceiling Light", base_topic=f"{root}/kitchen/ceiling"),
        SimJsonLight("nu_ceiling", None, "Nursery", device_name="Ceiling Light", base_topic=f"{root}/nursery/ceiling"),
        SimLight("nu_lamp", "Nursery Lamp", "Nursery", base_topic=f"{root}/nursery/lamp", brightness=True, rgb=True),
        SimLight("dn_reading", "Reading Lamp", "Den", base_topic=f"{root}/den/reading", brightness=True),
        SimLight("dn_floor", "Floor Lamp", "Den", base_topic=f"{root}/den/floor"),
        SimLight("ba_vanity", "Vanity Light", "Bathroom", base_topic=f"{root}/bath/vanity"),
        SimLight("gd_lights", "Garden Lights", "Garden", base_topic=f"{root}/garden/lights"),
        SimSwitch("ba_towel", "Towel Heater", "Bathroom", base_topic=f"{root}/bath/towel"),
        SimSwitch("bs_dehum", "Dehumidifier", "Basement", base_topic=f"{root}/basement/dehumidifier"),
        kettle,
        SimSensor(
            "ck_kettle_temp", "Kettle Temperature", "Kitchen", base_topic=f"{root}/kitchen/kettle/temperature",
            unit="°C", device_class="temperature", read=lambda: kettle.temperature_c, digits=0,
        ),
        SimFan("at_fan", "Attic Fan", "Attic", base_topic=f"{root}/attic/fan"),
        SimThermostat("hw_nest", "Nest", "Hallway", base_topic=f"{root}/hallway/nest"),
        SimCover("gd_gate", "Side Gate", "Garden", base_topic=f"{root}/garden/gate", device_class="gate", travel_s=0.2),
        SimCover(
            "dn_shutter", "Roller Shutter", "Den", base_topic=f"{root}/den/shutter", device_class="shutter",
            position=True, travel_s=0.2,
        ),
        SimLock("ck_backdoor", "Back Door", "Kitchen", base_topic=f"{root}/kitchen/backdoor", lock_s=0.1),
        SimContact("nu_window", "Nursery Window", "Nursery", base_topic=f"{root}/nursery/window", device_class="window"),
        SimSensor(
            "bs_humidity", "Cellar Humidity", "Basement", base_topic=f"{root}/basement/humidity",
            unit="%", device_class="humidity", read=62.0,
        ),
        SimSensor(
            "gd_temp", "Garden Temperature", "Garden", base_topic=f"{root}/garden/temperature",
            unit="°C", device_class="temperature", read=8.5,
        ),
        SimScene("sc_movie", "Movie Night", "Den", base_topic=f"{root}/scenes/movie_night"),
        SimButton("bt_chime", "Doorbell Chime", "Hallway", base_topic=f"{root}/hallway/chime"),
    ]  # fmt: skip
