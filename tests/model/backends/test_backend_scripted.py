"""The scripted backend: lists, callables that compute answers from the request, replays."""

from __future__ import annotations

import asyncio

import pytest
from PIL import Image

from anyres_agent.model.backends import BackendError, ScriptedBackend, prepare_screenshot
from anyres_agent.model.conversation import ImagePart, Message, ModelRequest, TextPart
from anyres_agent.model.frame import Frame


def _request(screenshot: Image.Image, frame: Frame, task: str = "Click Login.") -> ModelRequest:
    return ModelRequest(
        messages=[
            Message(
                role="user",
                content=[ImagePart(image=prepare_screenshot(screenshot, frame)), TextPart(text=task)],
            )
        ],
        frame=frame,
    )


def test_list_script_answers_in_order_then_says_it_ran_out(screenshot_1080p: Image.Image) -> None:
    frame = Frame.build(space="norm1000", screen=(1920, 1080))
    backend = ScriptedBackend(["Action: click(start_box='(500,500)')", "Action: finished()"])

    first = asyncio.run(backend.complete(_request(screenshot_1080p, frame)))
    second = asyncio.run(backend.complete(_request(screenshot_1080p, frame)))
    assert [first.text, second.text] == ["Action: click(start_box='(500,500)')", "Action: finished()"]
    assert backend.remaining == 0
    with pytest.raises(BackendError, match="no answer for call 3: the script holds 2 answer"):
        asyncio.run(backend.complete(_request(screenshot_1080p, frame)))


def test_reports_image_tokens_from_the_frame_and_estimated_text_tokens(screenshot_1080p: Image.Image) -> None:
    frame = Frame.build(space="norm1000", screen=(1920, 1080))
    reply = asyncio.run(ScriptedBackend(["Action: finished()"]).complete(_request(screenshot_1080p, frame)))
    assert reply.image_tokens == frame.image_tokens == 2691
    assert reply.prompt_tokens > reply.image_tokens
    assert reply.completion_tokens == 5  # 18 characters at about 4 per token
    assert set(reply.timings) == {"generate", "total"}
    assert (reply.backend, reply.model) == ("scripted", "scripted")


def test_callable_computes_the_answer_from_the_page_it_knows(screenshot_1080p: Image.Image) -> None:
    login_center_on_screen = (960, 530)  # the fixture draws the Login button there

    def answer(request: ModelRequest) -> str:
        assert request.frame is not None
        x, y = request.frame.screen_to_model(*login_center_on_screen)
        return f"Action: click(start_box='({round(x)},{round(y)})')"

    frame = Frame.build(space="resized", screen=(1920, 1080), max_pixels=1280 * 28 * 28)
    reply = asyncio.run(ScriptedBackend(answer).complete(_request(screenshot_1080p, frame)))
    assert reply.text == "Action: click(start_box='(658,357)')"  # pixels of the 1316x728 image


def test_async_callable_and_bad_return_type(screenshot_1080p: Image.Image) -> None:
    frame = Frame.build(space="unit", screen=(1920, 1080))

    async def answer(request: ModelRequest) -> str:
        await asyncio.sleep(0)
        return "[0.5, 0.49]"

    backend = ScriptedBackend(answer)
    assert asyncio.run(backend.complete(_request(screenshot_1080p, frame))).text == "[0.5, 0.49]"
    assert backend.remaining is None and len(backend.calls) == 1
    with pytest.raises(BackendError, match="returned int"):
        asyncio.run(ScriptedBackend(lambda request: 42).complete(_request(screenshot_1080p, frame)))  # type: ignore[arg-type,return-value]


def test_replay_of_a_recorded_trajectory() -> None:
    recorded = ["Thought: open the menu\nAction: click(start_box='(10,20)')", "Action: finished()"]
    backend = ScriptedBackend.from_trajectory(recorded)
    request = ModelRequest(messages=[Message.text("user", "replay")])
    texts = [asyncio.run(backend.complete(request)).text for _ in recorded]
    assert texts == recorded
    assert backend.model == "replay" and "0 answer(s) left" in repr(backend)
