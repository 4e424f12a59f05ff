"""Device adapters behind one small protocol (see `environments.base`)."""

from environments.base import (
    ActionRejectedError,
    DeviceUnavailableError,
    Environment,
    EnvironmentError_,
    ExecutionResult,
    Observation,
    Size,
    check_on_screen,
)
from environments.screenshot import Screenshot, png_size

__all__ = [
    "ActionRejectedError",
    "DeviceUnavailableError",
    "Environment",
    "EnvironmentError_",
    "ExecutionResult",
    "Observation",
    "Screenshot",
    "Size",
    "check_on_screen",
    "png_size",
]
