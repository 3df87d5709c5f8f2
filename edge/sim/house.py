"""The default simulated house: 27 entities in 10 areas, every domain edge reads, every discovery style.

The first nine (lights and switches) are the original small house; tests and the
latency benchmark rely on their names, unique ids and topics. New lights live in
rooms of their own ("Bed Light" in the guest room, "Standing Light" in the
dining room), so "the lights in the living room / bedroom" mean what they did.
There is no "Garage" area: "turn on the garage light" must stay a device nobody
has, not "the lights in the garage"; the garage door stands in the driveway.
Names follow the real recordings in ``shared/data/audio/commands-real`` ("turn
on Standing Light", "set Bed Light brightness to 50 percent", "lock the Front
Door", "is the Garage Door open", "what is the Outdoor Humidity", "what's the
temperature of the EcoBee", "activate Mood Lighting", "run Party Time").

``timing`` (seconds) shortens the slow devices for tests: ``travel_s`` (garage
door, patio door and blinds from closed to open, default 3), ``lock_s`` (the
front door's bolt, default 0.5).
"""

from __future__ import annotations

from typing import Any

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
from edge.sim.devices import SimAvailability, SimDevice, SimJsonLight, SimLight, SimSwitch


def default_devices(root: str = "edgesim", *, travel_s: float = 3.0, lock_s: float = 0.5) -> list[SimDevice]:
    """The house: every domain and every style of discovery edge must read. Topics live under root."""
    z2m = f"{root}/zigbee2mqtt"
    bridge = SimAvailability(f"{z2m}/bridge/state", json_key="state", as_list=True)

    def tasmota(name: str) -> dict[str, Any]:
        base = f"{root}/tasmota/{name}/"
        return {
            "base_topic": base,
            "command_suffix": "cmnd/POWER",
            "state_suffix": "stat/RESULT",
            "state_json_key": "POWER",
            "abbreviated": True,
            "tilde": True,
            "availability": SimAvailability(base + "tele/LWT", online="Online", offline="Offline"),
        }

    oven = SimOven("sim_oven", "Oven", "Kitchen", base_topic=f"{root}/kitchen/oven", state_suffix="/state")
    return [
        SimLight(
            "sim_kitchen_light",
            "Kitchen Light",
            "Kitchen",
            base_topic=f"{root}/kitchen/light",
            node_id="sim_kitchen",
            availability=SimAvailability(f"{root}/kitchen/light/availability"),
            brightness=True,
            rgb=True,  # "set Kitchen lights to green"
        ),
        SimLight("A1B2C3_LI_1", "Living Room Lamp", "Living Room", **tasmota("living_room_lamp")),
        SimJsonLight(
            "0x00158d0001a2b3c4_light_zigbee2mqtt",
            None,
            "living_room",
            device_name="Living Room Ceiling Light",
            base_topic=f"{z2m}/Living Room Ceiling Light",
            abbreviated=True,
            tilde=True,
            availability=bridge,
        ),
        SimLight(
            "sim_bedroom_light",
            "Bedroom Light",
            "Bedroom",
            base_topic=f"{root}/bedroom/light",
            payload_on="on",
            payload_off="off",
            abbreviated=True,
        ),
        SimLight(
            "sim_office_light",
            "Office Light",
            "Office",
            base_topic=f"{root}/office/light",
            state_suffix="/state",
            state_json_key="state",
        ),
        SimSwitch(
            "sim_coffee_maker",
            "Coffee Maker",
            "Kitchen",
            base_topic=f"{root}/kitchen/coffee_maker",
            state_suffix="/state",
            state_on="on",
            state_off="off",
        ),
        SimSwitch("D4E5F6_RL_1", "Desk Fan", "Office", **tasmota("desk_fan")),
        SimLight("sim_porch_light", "Porch Light", "Outside", base_topic=f"{root}/porch/light"),
        SimJsonLight("sim_hallway_light", "Hallway Light", "Hallway", base_topic=f"{root}/hallway/light"),
        # --- lights with brightness, colour temperature and colour -----------------------------------
        SimJsonLight(
            "0x0017880104a1b2c3_light_zigbee2mqtt",
            None,
            "Guest Room",
            device_name="Bed Light",
            base_topic=f"{z2m}/Bed Light",
            color_modes=("color_temp", "rgb"),
            availability=bridge,
        ),
        SimLight(
            "sim_standing_light",
            "Standing Light",
            "Dining Room",
            base_topic=f"{root}/dining/standing_light",
            brightness=True,
            brightness_scale=100,
            color_temp=True,
        ),
        # --- kitchen appliances --------------------------------------------------------------------
        oven,
        SimSensor(
            "sim_oven_temperature",
            "Oven Temperature",
            "Kitchen",
            base_topic=f"{root}/kitchen/oven/temperature",
            unit="°C",
            device_class="temperature",
            read=lambda: oven.temperature_c,
            digits=0,
        ),
        # --- climate, fan ------------------------------------------------------------------------------
        SimThermostat(
            "sim_ecobee", None, "Hallway", device_name="EcoBee", base_topic=f"{z2m}/EcoBee", availability=bridge
        ),
        SimFan(
            "E7F8A9_FAN_1",
            "Ceiling Fan",
            "Bedroom",
            base_topic=f"{root}/bedroom/ceiling_fan",
            abbreviated=True,
        ),
        # --- covers, lock --------------------------------------------------------------------------
        SimCover(
            "sim_garage_door",
            "Garage Door",
            "Driveway",
            base_topic=f"{root}/garage/door",
            device_class="garage",
            travel_s=travel_s,
        ),
        SimCover(
            "sim_bedroom_blinds",
            "Bedroom Blinds",
            "Bedroom",
            base_topic=f"{root}/bedroom/blinds",
            device_class="blind",
            position=True,
            travel_s=travel_s,
        ),
        SimCover(
            "sim_patio_door",
            "Patio Door",
            "Dining Room",
            base_topic=f"{root}/dining/patio_door",
            device_class="door",
            travel_s=travel_s,
        ),
        SimLock(
            "sim_front_door",
            "Front Door",
            "Hallway",
            base_topic=f"{root}/hallway/front_door",
            lock_s=lock_s,
            availability=SimAvailability(f"{root}/hallway/front_door/availability"),
        ),
        # --- sensors -------------------------------------------------------------------------------
        SimContact(
            "0x00158d000aa1b2c3_contact_zigbee2mqtt",
            "Back Door",
            "Kitchen",
            device_name="Back Door Sensor",
            base_topic=f"{z2m}/Back Door Sensor",
            device_class="door",
            zigbee=True,
            availability=bridge,
        ),
        SimContact(
            "sim_bedroom_window",
            "Bedroom Window",
            "Bedroom",
            base_topic=f"{root}/bedroom/window",
            device_class="window",
        ),
        SimSensor(
            "0x00158d000bb1b2c3_temperature_zigbee2mqtt",
            "Outdoor Temperature",
            "Outside",
            base_topic=f"{z2m}/Outdoor Sensor/temperature",
            unit="°C",
            device_class="temperature",
            read=12.5,
            json_key="temperature",
        ),
        SimSensor(
            "0x00158d000bb1b2c3_humidity_zigbee2mqtt",
            "Outdoor Humidity",
            "Outside",
            base_topic=f"{z2m}/Outdoor Sensor/humidity",
            unit="%",
            device_class="humidity",
            read=71.0,
            json_key="humidity",
        ),
        SimSensor(
            "sim_bathroom_humidity",
            "Bathroom Humidity",
            "Bathroom",
            base_topic=f"{root}/bathroom/humidity",
            unit="%",
            device_class="humidity",
            read=55.0,
            abbreviated=True,
        ),
        # --- button, scenes ------------------------------------------------------------------------
        SimButton("sim_restart_router", "Restart Router", "Office", base_topic=f"{root}/office/router/restart"),
        SimScene("sim_scene_mood_lighting", "Mood Lighting", "Living Room", base_topic=f"{root}/scenes/mood_lighting"),
        SimScene("sim_scene_party_time", "Party Time", "Living Room", base_topic=f"{root}/scenes/party_time"),
    ]
