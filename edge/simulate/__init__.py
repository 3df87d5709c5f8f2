"""The closed-loop simulator (``edge simulate``): simulated users speak to the real pipeline for simulated days.

``users`` and ``household`` say who wants what and how they say it;
``voices`` renders it (Piper, espeak-ng; cached); ``speaker`` is the pipeline
under test with its learning, sync, hub and signed table; ``runner`` drives
the days; ``truth`` judges each turn; ``metrics`` reduces a day to numbers.
"""

from edge.simulate.household import default_household
from edge.simulate.metrics import DayMetrics, TurnRecord, day_metrics, rewrite_summary
from edge.simulate.runner import Simulation, SimulationSettings
from edge.simulate.users import Goal, Household, Kind, Phrasing, User

__all__ = [
    "DayMetrics",
    "Goal",
    "Household",
    "Kind",
    "Phrasing",
    "Simulation",
    "SimulationSettings",
    "TurnRecord",
    "User",
    "day_metrics",
    "default_household",
    "rewrite_summary",
]
