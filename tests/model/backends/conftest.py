"""Shared fixtures: tiny random checkpoints (built once per session) and a 1920x1080 screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from tiny_models import build_tiny_qwen2vl


@pytest.fixture(scope="session")
def tiny_qwen2vl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen2vl(tmp_path_factory.mktemp("models") / "tiny-qwen2-vl", "qwen2vl")


@pytest.fixture(scope="session")
def tiny_qwen25vl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen2vl(tmp_path_factory.mktemp("models") / "tiny-qwen2.5-vl", "qwen25vl")


@pytest.fixture
def screenshot_1080p() -> Image.Image:
    """A 1920x1080 page-like screenshot: a title bar, a text field and a Login button."""
    image = Image.new("RGB", (1920, 1080), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1920, 60), fill=(40, 60, 90))
    draw.text((20, 20), "Example app - Sign in", fill="white")
    draw.rectangle((760, 400, 1160, 450), outline="gray", width=2)
    draw.rectangle((860, 500, 1060, 560), fill=(30, 110, 220))
    draw.text((930, 522), "Login", fill="white")
    return image


@pytest.fixture
def hub_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty hub cache with HF_HUB_OFFLINE=1: no model can come from anywhere but a folder."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    yield tmp_path / "hub"
