"""Running as a system service: sd_notify (readiness, watchdog) and signal handling."""

from edge.service.notify import SdNotifier, ServiceError, watchdog_interval_s
from edge.service.signals import ShutdownSignals, install_signal_handlers

__all__ = ["SdNotifier", "ServiceError", "ShutdownSignals", "install_signal_handlers", "watchdog_interval_s"]
