"""The doctor's tests use the helpers of other test folders: a private Xvfb (the environment tests'
x_display) and the fake OpenAI-compatible server (the backend tests')."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TESTS / "environments"))  # x_display
sys.path.insert(0, str(TESTS / "model" / "backends"))  # fake_openai_server
