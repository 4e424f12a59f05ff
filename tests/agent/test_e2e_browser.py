"""End to end on real headless Chromium: the demo site, a scripted model writing each family's real
output format from the page's geometry, the real parser, guards, trajectory and report."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from agent_fakes import Run, family, prompt_text

from anyres_agent.agent.api import Agent, RunResult
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.demo_site import DemoSite
from anyres_agent.agent.demo_site.script import DemoScript
from anyres_agent.agent.guards import ConfirmationRequest, Decision
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.conversation import ModelRequest, pixels
from anyres_agent.tools import Click, Finish, Type

TASK = "Create an account for Ada Lovelace (ada@example.com) on the Pro plan."
RED_BORDER = (220, 38, 38)  # the terms dialog's border colour (#dc2626)


async def _center(env: BrowserEnvironment, selector: str) -> tuple[int, int]:
    box = await env.page.locator(selector).bounding_box()
    assert box is not None, selector
    return round(box["x"] + box["width"] / 2), round(box["y"] + box["height"] / 2)


async def _run(
    chromium: Any, url: str, answer: Any, fam: Any, config: AgentConfig, task: str = TASK, **agent: Any
) -> tuple[RunResult, ScriptedBackend, dict[str, Any]]:
    """Open a context at `url`, run the agent with `answer(env, request)`, return result + page state."""
    env = await BrowserEnvironment.from_browser(chromium, url, settle_s=0.05)
    try:
        backend = ScriptedBackend(lambda request: answer(env, request))
        result = await Agent(env, backend, fam, config, **agent).run(task)
        page = await env.page.evaluate(
            "() => ({url: location.pathname, text: document.body.innerText,"
            " payment: window.demoPayment || null})"
        )
        return result, backend, page
    finally:
        await env.close()


@pytest.mark.parametrize("name", ["qwen2vl", "qwen25vl", "uitars15"])
def test_the_sign_up_form_is_filled_selected_and_submitted(
    name: str, arun: Run, chromium: Any, demo_site: DemoSite, tmp_path: Path
) -> None:
    fam = family(name)
    config = AgentConfig(record_dir=tmp_path / "run")
    result, _, page = arun(_run(chromium, demo_site.url, lambda env, r: DemoScript(env, fam)(r), fam, config))
    assert result.status == "success", result.reason
    assert page["url"] == "/welcome.html"
    assert "Welcome, Ada Lovelace! Plan: pro." in page["text"]
    assert result.steps == 8  # click+type twice, choose the plan, tick, submit, finish
    assert result.report is not None and "<svg" in result.report.read_text()
    # each step's report thumbnail was written as the step landed, and the report embeds those bytes
    thumbs = sorted((tmp_path / "run" / "steps").glob("*.jpg"))
    assert len(thumbs) == 8
    assert base64.b64encode(thumbs[0].read_bytes()).decode() in result.report.read_text()


def test_a_wrong_click_is_seen_in_the_screenshot_and_corrected(
    arun: Run, chromium: Any, demo_site: DemoSite
) -> None:
    fam = family("qwen25vl")
    seen_dialog: list[int] = []
    calls: list[int] = []

    async def answer(env: BrowserEnvironment, request: ModelRequest) -> str:
        assert request.frame is not None
        calls.append(1)
        if len(calls) == 1:
            x, y = await _center(env, "#terms-link")  # meant to tick the box, hit the link instead
            return fam.render([Click(x=x, y=y)], request.frame, thought="Tick the terms box.")
        screenshot = pixels(request.images()[-1])  # what the model sees, made on demand
        red = sum(1 for p in screenshot.get_flattened_data() if p == RED_BORDER)
        if red > 500:  # the dialog's border is on screen: close it, as a model looking at it would
            seen_dialog.append(red)
            x, y = await _center(env, "#terms-close")
            return fam.render(
                [Click(x=x, y=y)], request.frame, thought="A dialog opened by mistake; close it."
            )
        return await DemoScript(env, fam)(request)

    result, _, page = arun(_run(chromium, demo_site.url, answer, fam, AgentConfig()))
    assert result.status == "success", result.reason
    assert len(seen_dialog) == 1
    assert page["url"] == "/welcome.html"


def test_a_parse_error_on_the_real_page_is_fed_back(arun: Run, chromium: Any, demo_site: DemoSite) -> None:
    fam = family("uitars15")
    calls: list[int] = []

    async def answer(env: BrowserEnvironment, request: ModelRequest) -> str:
        calls.append(1)
        if len(calls) == 1:
            # x=5000 is off the 1288-pixel-wide image the model was shown
            return "Thought: I will click the name field.\nAction: click(point='<point>5000 34</point>')"
        return await DemoScript(env, fam)(request)

    result, backend, _ = arun(_run(chromium, demo_site.url, answer, fam, AgentConfig()))
    assert result.status == "success"
    assert "could not be used" in prompt_text(backend.calls[1])


def test_the_step_budget_stops_the_run(arun: Run, chromium: Any, demo_site: DemoSite) -> None:
    fam = family("qwen2vl")
    result, _, page = arun(
        _run(chromium, demo_site.url, lambda env, r: DemoScript(env, fam)(r), fam, AgentConfig(max_steps=3))
    )
    assert result.status == "stopped" and "step budget reached" in result.reason
    assert result.steps == 3 and page["url"] == "/"


def test_clicking_a_dead_heading_again_and_again_is_stopped(
    arun: Run, chromium: Any, demo_site: DemoSite
) -> None:
    fam = family("qwen25vl")

    async def answer(env: BrowserEnvironment, request: ModelRequest) -> str:
        x, y = await _center(env, "#title")
        assert request.frame is not None
        return fam.render([Click(x=x, y=y)], request.frame, thought="Click the heading.")

    config = AgentConfig(loop_nudge_after=1, loop_stop_after=2)
    result, backend, _ = arun(_run(chromium, demo_site.url, answer, fam, config))
    assert result.status == "stopped" and result.reason.startswith("loop detected")
    assert "the screen did not change" in prompt_text(backend.calls[-1])


def _checkout_script(fam: Any, password: str = "{{secret:DEMO_PW}}") -> Any:
    """Fill the checkout form (holder, password) and press Pay, one action per step; then finish."""

    async def answer(env: BrowserEnvironment, request: ModelRequest) -> str:
        assert request.frame is not None
        state = await env.page.evaluate(
            "() => ({holder: holder.value, pw: password.value, focus: document.activeElement.id,"
            " paid: !document.getElementById('paid').hidden})"
        )
        if state["paid"] or "declined" in prompt_text(request):
            return fam.render([Finish(success=state["paid"])], request.frame, thought="Done.")
        for field, text in (("holder", "Ada Lovelace"), ("password", password)):
            if not state["pw" if field == "password" else field]:
                if state["focus"] != field:
                    x, y = await _center(env, f"#{field}")
                    return fam.render([Click(x=x, y=y)], request.frame, thought=f"Click the {field} field.")
                return fam.render([Type(text=text)], request.frame, thought=f"Type the {field}.")
        x, y = await _center(env, "#pay")
        return fam.render([Click(x=x, y=y)], request.frame, thought="Click the Pay $42.00 button.")

    return answer


def test_a_declined_payment_is_never_clicked(arun: Run, chromium: Any, demo_site: DemoSite) -> None:
    fam = family("qwen25vl")
    asked: list[str] = []

    def confirm(request: ConfirmationRequest) -> Decision:
        asked.append(request.reason)
        return Decision.approve() if request.reason == "types a secret" else Decision.reject("not today")

    config = AgentConfig(confirm="ask")
    result, _, page = arun(
        _run(chromium, demo_site.page("checkout.html"), _checkout_script(fam), fam, config, confirm=confirm,
             secrets={"DEMO_PW": "pw-for-the-demo"})
    )  # fmt: skip
    assert asked == ["types a secret", "thought mentions 'pay'"]
    assert page["payment"] is None and "Payment received" not in page["text"]
    assert result.status == "failure"


def test_typing_into_the_password_field_asks_first_even_without_a_secret(
    arun: Run, chromium: Any, demo_site: DemoSite
) -> None:
    fam = family("qwen25vl")
    asked: list[ConfirmationRequest] = []

    def confirm(request: ConfirmationRequest) -> Decision:
        asked.append(request)
        return Decision.reject("no passwords today")

    result, _, page = arun(
        _run(chromium, demo_site.page("checkout.html"), _checkout_script(fam, password="hunter2"), fam,
             AgentConfig(confirm="ask"), confirm=confirm)
    )  # fmt: skip
    assert [(r.reason, r.action) for r in asked] == [("types into a password field", Type(text="hunter2"))]
    assert page["payment"] is None and result.status == "failure"  # declined: never typed, never paid


def test_a_secret_is_typed_but_never_reaches_the_model_or_the_files(
    arun: Run, chromium: Any, demo_site: DemoSite, tmp_path: Path
) -> None:
    fam = family("uitars15")
    secret = "Tr0ub4dor-and-3"
    config = AgentConfig(confirm="approve", record_dir=tmp_path / "run")
    result, backend, page = arun(
        _run(chromium, demo_site.page("checkout.html"), _checkout_script(fam), fam, config,
             task="Pay for the plan as Ada Lovelace with password {{secret:DEMO_PW}}",
             secrets={"DEMO_PW": secret})
    )  # fmt: skip
    assert result.status == "success", result.reason
    assert page["payment"] == {"holder": "Ada Lovelace", "passwordLength": len(secret)}
    assert all(secret not in prompt_text(call) for call in backend.calls)
    files = [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    assert any(p.name == "report.html" for p in files)
    for path in files:
        assert secret.encode() not in path.read_bytes(), path
