"""The doctor's desktop tests start a private Xvfb with the helper the environment tests use."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "environments"))  # x_display
