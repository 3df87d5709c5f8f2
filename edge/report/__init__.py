"""``edge report``: an HTML page with charts from a turn log or a simulation trace.

``data`` reads either source into a ``ReportData``; ``svg`` draws the charts
(inline SVG); ``html`` lays out the page. The page is one file: no script, no
font or style sheet from the internet.
"""

from edge.report.data import ReportData, ReportError, from_trace, from_turn_log, load
from edge.report.html import render

__all__ = ["ReportData", "ReportError", "from_trace", "from_turn_log", "load", "render"]
