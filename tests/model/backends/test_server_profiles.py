"""Server profiles: against a loopback stand-in that resizes the way each server does (standin_servers),
a Qwen2.5-VL click lands on its target with the right profile, and misses without it.

The stand-in answers from the image it really received, as a model would; the client then maps the
answer with the frame it built. A click lands only when that frame is the image the model saw.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from PIL import Image, ImageDraw
from standin_servers import StandInServer

from anyres_agent.agent.guards import LOOP_ACTIONS
from anyres_agent.environments.browser import SUPPORTED as BROWSER
from anyres_agent.model.backends import ModelSpecError, open_backend, prepare_screenshot
from anyres_agent.model.backends.openai_compatible import OpenAICompatibleBackend
from anyres_agent.model.backends.servers import (
    PROFILE_NAMES,
    PROFILES,
    capped_budget,
    guess_profile,
    profile_named,
)
from anyres_agent.model.conversation import ModelRequest
from anyres_agent.model.families import get_family

TARGET = 40


def screenshot(size: tuple[int, int], at: tuple[int, int]) -> Image.Image:
    """A page-like screenshot with one pure-red square, the target, whose top-left corner is `at`."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], 80), fill=(40, 60, 90))
    draw.rectangle((at[0], at[1], at[0] + TARGET - 1, at[1] + TARGET - 1), fill=(255, 0, 0))
    return image


def click(
    kind: str, server: str, shot: Image.Image, **options: Any
) -> tuple[tuple[int, int], StandInServer, Any]:
    """Ask the stand-in of `kind` (through profile `server`) to click the red square; the click in
    screen space (the screenshot is the screen, DPR 1), the stand-in, and the spec used."""
    with StandInServer(kind).running() as standin:
        backend, spec = open_backend("qwen2.5-vl-7b", endpoint=standin.url, server=server, **options)
        family = get_family(spec.family)
        frame = family.frame(
            screen=shot.size, image=shot.size, min_pixels=spec.min_pixels, max_pixels=spec.max_pixels
        )
        messages = family.build_messages(
            task="Click the red square.",
            actions=BROWSER | LOOP_ACTIONS,
            frame=frame,
            screenshot=prepare_screenshot(shot, frame),
        )

        async def ask() -> str:
            try:
                return (await backend.complete(ModelRequest(messages=messages, frame=frame))).text
            finally:
                await backend.aclose()

        action = family.parse(asyncio.run(ask()), frame).actions[0]
    return (action.x, action.y), standin, spec


def on_target(point: tuple[int, int], at: tuple[int, int]) -> bool:
    return at[0] <= point[0] < at[0] + TARGET and at[1] <= point[1] < at[1] + TARGET


QHD, AT = (2560, 1440), (1900, 300)
CASES = {  # kind: (screenshot size, extra open_backend options)
    "vllm": (QHD, {}),
    "sglang": ((5120, 2880), {"max_pixels": 16384 * 32 * 32}),  # a budget above SGLang's own cap
    "ollama": (QHD, {}),
    "dashscope": (QHD, {}),
    "openrouter": (QHD, {}),
    "generic": (QHD, {}),
}


@pytest.mark.parametrize("kind", PROFILE_NAMES)
def test_with_its_profile_the_click_lands_on_the_target(kind: str) -> None:
    size, options = CASES[kind]
    point, standin, spec = click(kind, kind, screenshot(size, AT), **options)
    assert on_target(point, AT), (kind, point, standin.seen, spec.max_pixels)
    sent = standin.bodies[0]
    image_part = sent["messages"][-1]["content"][-1]
    assert ("mm_processor_kwargs" in sent) == (kind == "vllm")
    assert sent.get("vl_high_resolution_images") is (True if kind == "dashscope" else None)
    assert ("max_pixels" in image_part) == (kind == "dashscope")


@pytest.mark.parametrize("kind", [k for k in PROFILE_NAMES if k != "generic"])
def test_without_its_profile_the_server_resizes_and_the_click_misses(kind: str) -> None:
    """The negative control: the same stand-in, reached as a generic server, shows the model a smaller
    image than the client's frame, and the click lands far from the target."""
    size, options = CASES[kind]
    point, standin, spec = click(kind, "generic", screenshot(size, AT), **options)
    assert not on_target(point, AT), (kind, point, standin.seen)
    assert standin.seen[0][0] < size[0] * (spec.max_pixels / (size[0] * size[1])) ** 0.5 - 28


def test_the_profiles_budgets() -> None:
    assert PROFILES["ollama"].pixel_cap(28) == 1_003_520
    assert (
        PROFILES["dashscope"].pixel_cap(28) == 12_845_056
        and PROFILES["dashscope"].pixel_cap(32) == 16_777_216
    )
    assert PROFILES["openrouter"].pixel_cap(28) == 1_003_520
    assert PROFILES["sglang"].pixel_cap(32) == 12_845_056  # SGLang caps pixels, whatever the factor
    assert PROFILES["vllm"].pixel_cap(28) is None and PROFILES["generic"].pixel_cap(28) is None


def test_a_budget_above_the_cap_is_lowered_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert capped_budget(PROFILES["ollama"], 28, 3136, 12_845_056) == (3136, 1_003_520)
    assert "ollama" in caplog.text and "1,003,520" in caplog.text
    assert capped_budget(PROFILES["ollama"], 28, 3136, 500_000) == (3136, 500_000)  # within: unchanged


@pytest.mark.parametrize(
    ("endpoint", "model", "expected"),
    [
        ("https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "qwen-vl-max", "dashscope"),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1", "qwen2.5-vl-72b-instruct", "dashscope"),
        ("https://openrouter.ai/api/v1", "qwen/qwen2.5-vl-72b-instruct", "openrouter"),
        ("http://127.0.0.1:11434/v1", "anything", "ollama"),
        ("http://gpu-box:8080/v1", "qwen2.5vl:7b", "ollama"),  # Ollama's name:tag model names
        ("https://api.openai.com/v1", "gpt-4o", "generic"),
        ("http://gpu-box:8000/v1", "Qwen/Qwen2.5-VL-7B-Instruct", None),  # ask /models
    ],
)
def test_auto_guesses_from_the_address_and_the_model_name(
    endpoint: str, model: str, expected: str | None
) -> None:
    guessed = guess_profile(endpoint, model)
    assert (guessed.name if guessed else None) == expected


@pytest.mark.parametrize("kind", ["vllm", "sglang", "ollama"])
def test_auto_asks_the_models_endpoint(kind: str) -> None:
    with StandInServer(kind).running() as standin:
        backend, _ = open_backend("qwen2.5-vl-7b", endpoint=standin.url)
    assert backend.server == ("generic" if kind == "ollama" else kind)  # Ollama is told by port or name


def test_served_model_names_resolve_to_families_and_budgets() -> None:
    with StandInServer("ollama").running() as standin:
        _, spec = open_backend("qwen2.5vl:7b", endpoint=standin.url)  # the name:tag says Ollama
    assert (spec.family, spec.max_pixels) == ("qwen25vl", 1_003_520)
    with StandInServer("generic").running() as standin:
        _, spec = open_backend("qwen-vl-max", endpoint=standin.url, server="dashscope")
        _, v3 = open_backend("qwen3-vl-plus", endpoint=standin.url, server="dashscope")
    assert (spec.family, spec.max_pixels) == ("qwen25vl", 12_845_056)
    assert (v3.family, v3.max_pixels) == ("qwen3vl", 16_777_216)


def test_request_fields_from_the_config_go_into_every_request() -> None:
    """Sent, not only built: two requests to the stand-in, and each body it received has the fields."""
    provider = {"order": ["alibaba"], "allow_fallbacks": False}
    with StandInServer("generic").running() as standin:
        shot = screenshot(QHD, AT)
        backend, spec = open_backend(
            "qwen2.5-vl-7b",
            endpoint=standin.url,
            server="openrouter",
            request_fields={"provider": provider, "top_k": 1},
        )
        frame = get_family(spec.family).frame(screen=QHD, image=QHD, max_pixels=spec.max_pixels)
        messages = get_family(spec.family).build_messages(
            task="t", actions=BROWSER, frame=frame, screenshot=prepare_screenshot(shot, frame)
        )

        async def ask_twice() -> None:
            try:
                for _ in range(2):
                    await backend.complete(ModelRequest(messages=messages, frame=frame))
            finally:
                await backend.aclose()

        asyncio.run(ask_twice())
    assert len(standin.bodies) == 2
    for body in standin.bodies:
        assert body["provider"] == provider and body["top_k"] == 1


@pytest.mark.parametrize("field", ["model", "messages", "stream"])
def test_request_fields_cannot_replace_what_the_backend_sends(field: str) -> None:
    with StandInServer("generic").running() as standin:
        spec = open_backend("qwen2.5-vl-7b", endpoint=standin.url, server="generic")[1]
        with pytest.raises(ValueError, match=f"may not set {field}"):
            OpenAICompatibleBackend(standin.url, spec, request_fields={field: 1})


def test_an_unknown_profile_is_a_usage_error_naming_the_choices() -> None:
    with pytest.raises(ModelSpecError, match="choose one of auto, vllm, sglang, ollama"):
        open_backend("qwen2.5-vl-7b", endpoint="http://127.0.0.1:9/v1", server="tgi")
    assert profile_named("LMStudio").name == "generic"
