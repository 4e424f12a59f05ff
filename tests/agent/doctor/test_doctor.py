"""`agent doctor` on real Chromium and a real X desktop: a correct setup lands every click within a
pixel; a wrong one (a screen size taken from the screenshot on a DPR-2 page, a server that resizes
the image again, an adapter that reports image space as screen space) is measured and named."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from agent_fakes import Run
from fake_openai_server import Behaviour, FakeOpenAIServer
from PIL import Image, ImageDraw
from standin_model import standin
from x_display import XScreen

from anyres_agent.agent.cli import main
from anyres_agent.agent.doctor.check import measure
from anyres_agent.agent.doctor.probe import probe_server, seen_size
from anyres_agent.agent.doctor.surfaces import BrowserSurface
from anyres_agent.agent.doctor.targets import find_in_image, target_specs
from anyres_agent.environments.base import Observation, Size
from anyres_agent.model.backends.openai_compatible import OpenAICompatibleBackend
from anyres_agent.model.backends.spec import resolve_model
from anyres_agent.model.families import get_family
from anyres_agent.model.frame import image_tokens, smart_resize


def _doctor(*argv: str) -> tuple[int, dict[str, Any]]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["doctor", "--json", *argv])
    return code, json.loads(out.getvalue())


def _errors(report: dict[str, Any]) -> list[float | None]:
    return [row["error_px"] for row in report["rows"]]


@pytest.mark.parametrize(
    ("family", "model", "dpr", "fit"),
    [
        ("uitars15", "ui-tars-1.5-7b", "1", "pad"),
        ("qwen25vl", "qwen2.5-vl-7b", "2", "pad"),
        ("qwen2vl", "qwen2-vl-7b", "1.5", "resize"),
        ("qwen25vl", "qwen2.5-vl-7b", "1", "resize"),
    ],
)
def test_a_correct_browser_setup_lands_within_a_pixel(family: str, model: str, dpr: str, fit: str) -> None:
    code, report = _doctor("--model", model, "--family", family, "--dpr", dpr, "--viewport", "1280x720",
                           "--image-fit", fit)  # fmt: skip
    assert report["image_fit"] == fit
    assert code == 0, report["diagnosis"]
    assert len(report["rows"]) == 13 and all(e is not None and e <= 1 for e in _errors(report))
    assert report["measured_dpr"] == float(dpr) == report["true_dpr"]
    assert report["diagnosis"][0].startswith("OK: every click landed within")


def test_the_human_output_names_the_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "doctor",
        "--dpr",
        "2",
        "--viewport",
        "1280x720",
        "--family",
        "qwen25vl",
        "--model",
        "qwen2.5-vl-7b",
    ]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "measured DPR 2 (image 2560x1440 / screen 1280x720)" in err
    assert "the client sends 2576x1456 (pad;" in err and "not probed" in err and "OK: every click" in err
    assert re.search(r"│\s+12 │ 1254,698 │ 1254,698 │ 1254,698 │\s+0 │", err)


def test_a_dpr_2_screen_taken_for_image_space_is_diagnosed(capsys: pytest.CaptureFixture[str]) -> None:
    """The setup says the screen is the screenshot's 2560x1440, but the page is 1280x720 CSS px at DPR 2:
    clicks land at twice the target's position, and most fall off the page."""
    assert main(["doctor", "--dpr", "2", "--viewport", "1280x720", "--assume-screen", "2560x1440"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "clicks land at 2.00x / 2.00x the target's position" in err
    assert "the setup takes the screen to be 2560x1440 (the screenshot's size" in err
    assert "but it is 1280x720 at DPR 2" in err and "the setup's DPR is 1" in err


def test_an_adapter_reporting_image_space_as_screen_space_is_diagnosed(arun: Run) -> None:
    """The same mistake made inside an adapter (it reports the screenshot's size as the screen): only
    the device's own DPR gives it away."""

    class ImageIsScreen:
        def __init__(self, env: Any) -> None:
            self.inner, self.name, self.page = env, "browser", env.page

        async def observe(self) -> Observation:
            seen = await self.inner.observe()
            width, height = seen.screenshot.size
            return seen.model_copy(update={"screen": Size(width=width, height=height)})

        async def execute(self, action: Any) -> Any:
            return await self.inner.execute(action)

    async def main_() -> Any:
        surface = await BrowserSurface.open(target_specs(), viewport=(1280, 720), dpr=2)
        inner = surface.env
        try:
            surface.env = ImageIsScreen(inner)
            return await measure(
                surface,
                get_family("uitars15"),
                target_specs(),
                min_pixels=3136,
                max_pixels=12845056,
                model="m",
            )
        finally:
            surface.env = inner
            await surface.close()

    report = arun(main_())
    assert (
        not report.ok and report.fit is not None and report.fit.scale == pytest.approx((2.0, 2.0), abs=0.01)
    )
    assert any(
        "The device's DPR is 2, but the adapter reports a 2560x1440 screen" in n for n in report.diagnosis
    )


def test_a_server_that_resizes_again_is_caught_by_its_token_count(capsys: pytest.CaptureFixture[str]) -> None:
    """A vLLM-like stand-in whose own budget (640 image tokens) wins over the client's: UI-TARS-1.5's
    pixel coordinates then miss by a factor; Qwen2-VL's 0-1000 ones do not care."""
    with standin(lambda request: "ready", server_max_pixels=640 * 28 * 28) as server:
        code, report = _doctor("--endpoint", server.url, "--model", "ui-tars-1.5-7b")
        assert code == 1
        probe = report["probe"]
        assert probe["resized"] and probe["sent"] == [1288, 728] and probe["expected_tokens"] == 46 * 26
        assert probe["counted_tokens"] == image_tokens(*smart_resize(728, 1288, 28, 784, 640 * 28 * 28))
        assert probe["seen"] == [924, 532] and report["seen"] == [924, 532]
        assert report["fit"]["scale"][0] == pytest.approx(924 / 1288, abs=0.02)
        assert any("read as 1288x728" in n for n in report["diagnosis"])

        code, report = _doctor("--endpoint", server.url, "--model", "qwen2-vl-7b")
        assert code == 0 and report["probe"]["resized"]
        assert any("do not depend on the size, so clicks still land" in n for n in report["diagnosis"])


def test_a_server_that_keeps_the_size_is_told_apart() -> None:
    with standin(lambda request: "ready") as server:
        code, report = _doctor("--endpoint", server.url, "--model", "ui-tars-1.5-7b")
    assert code == 0 and report["probe"]["resized"] is False and report["probe"]["counted_tokens"] == 46 * 26


def test_a_server_without_usage_cannot_be_judged() -> None:
    """A server that answers without `usage` (token counts) leaves the resize question open."""
    server = FakeOpenAIServer()
    server.script = [Behaviour(text="ready", usage=False)] * 2
    with server.running():
        code, report = _doctor("--endpoint", server.url, "--model", "ui-tars-1.5-7b")
    assert code == 0 and len(server.requests) == 2  # both probe images were sent
    assert report["probe"]["resized"] is None and "no usage" in report["probe"]["note"]


def test_the_probe_requests_are_valid_for_the_model(arun: Run) -> None:
    """Both probe images pass the client's own size check, so a real server sees what we measure
    (Qwen3-VL: patches of 32 pixels, min_pixels 65,536)."""
    with standin(lambda request: "ready", factor=32) as server:
        spec = resolve_model("qwen3-vl-8b", endpoint=server.url)
        backend = OpenAICompatibleBackend(server.url, spec)
        family = get_family(spec.family)
        frame = family.frame(screen=(1920, 1080), image=(1920, 1080), min_pixels=spec.min_pixels,
                             max_pixels=spec.max_pixels)  # fmt: skip
        result = arun(
            probe_server(backend, frame, Image.new("RGB", (1920, 1080)), spec.min_pixels, spec.max_pixels)
        )
        arun(backend.aclose())
        sizes = [request.images[0].size for request in server.requests]
    assert result.resized is False and sizes[1] == (frame.resized_width, frame.resized_height)
    assert sizes[0][0] % 32 == 0 and sizes[0][0] ** 2 >= spec.min_pixels


@pytest.mark.parametrize("budget", [200_000, 500_000, 1_003_520])
def test_the_seen_size_is_the_budget_that_gives_the_count(budget: int) -> None:
    height, width = smart_resize(728, 1288, 28, 784, budget)
    assert seen_size((1288, 728), image_tokens(height, width), 28) == (width, height)


def test_a_target_is_found_by_its_exact_colour() -> None:
    image = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(image).rectangle((95, 45, 104, 54), fill=(255, 32, 0))  # pixels 95..104: centre 100.0
    ImageDraw.Draw(image).rectangle((10, 10, 19, 19), fill=(255, 33, 0))  # one unit off: not a match
    assert find_in_image(image, (255, 32, 0)) == (100.0, 50.0)
    assert find_in_image(image, (255, 48, 0)) is None


def test_the_desktop_window_lands_every_click(tmp_path: Path) -> None:
    screen = XScreen(1280, 800, tmp_path, app=False)
    try:
        code, report = _doctor("--env", "desktop", "--display", screen.display)
    finally:
        screen.stop()
    assert code == 0, report["diagnosis"]
    assert report["screen"] == [1280, 800] and report["measured_dpr"] == 1
    assert all(e is not None and e <= 1 for e in _errors(report))


def test_bad_input_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--viewport", "wide"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--viewport must look like 1280x720" in err and "\n" not in err


def test_an_unknown_server_kind_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--endpoint", "http://127.0.0.1:9/v1", "--server", "bogus"]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown server 'bogus'" in err and "\n" not in err and "Traceback" not in err
