"""The OpenAI-compatible backend against a real loopback server: request shape, retries, clear errors."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from fake_openai_server import DROP, OK, FakeOpenAIServer, slow, status
from PIL import Image

from anyres_agent.model.backends import BackendError, open_backend, prepare_screenshot
from anyres_agent.model.backends.images import decode_data_url
from anyres_agent.model.backends.openai_compatible import (
    OpenAICompatibleBackend,
    normalize_endpoint,
    parse_retry_after,
)
from anyres_agent.model.conversation import (
    GenerationSettings,
    ImagePart,
    Message,
    ModelReply,
    ModelRequest,
    TextPart,
)
from anyres_agent.model.frame import Frame

KEY = "sk-test-DO-NOT-LEAK-1234"
FAST = {"backoff": 0.001, "max_backoff": 0.002}


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(owned_by="vllm").running() as running:
        yield running


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TEST_SERVER_KEY", KEY)
    return KEY


def _frame() -> Frame:
    return Frame.build(space="resized", screen=(1920, 1080), max_pixels=1280 * 28 * 28)


def _request(screenshot: Image.Image, settings: GenerationSettings | None = None) -> ModelRequest:
    frame = _frame()
    return ModelRequest(
        messages=[
            Message.text("system", "You are a GUI agent."),
            Message(
                role="user",
                content=[
                    TextPart(text="Click Login."),
                    ImagePart(image=prepare_screenshot(screenshot, frame)),
                ],
            ),
        ],
        frame=frame,
        settings=settings or GenerationSettings(),
    )


def _backend(fake: FakeOpenAIServer, **options: object) -> OpenAICompatibleBackend:
    options = {"api_key_env": "TEST_SERVER_KEY", **FAST, **options}
    spec = open_backend("qwen2.5-vl-7b", endpoint=fake.url, max_pixels=1280 * 28 * 28)[1]
    return OpenAICompatibleBackend(fake.url, spec, **options)  # type: ignore[arg-type]


def _run(backend: OpenAICompatibleBackend, request: ModelRequest) -> ModelReply:
    async def go() -> ModelReply:
        try:
            return await backend.complete(request)
        finally:
            await backend.aclose()

    return asyncio.run(go())


def test_request_carries_the_resized_image_and_the_vllm_pixel_budget(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image
) -> None:
    backend, spec = open_backend(
        "qwen2.5-vl-7b", endpoint=server.url, api_key_env="TEST_SERVER_KEY", max_pixels=1280 * 28 * 28
    )
    request = _request(screenshot_1080p, spec.settings)  # the loop sends the preset's settings
    reply = asyncio.run(backend.complete(request))

    (sent,) = server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    body = sent.body
    assert body["model"] == "Qwen/Qwen2.5-VL-7B-Instruct"  # what `vllm serve <hub id>` serves
    assert body["messages"][0] == {"role": "system", "content": "You are a GUI agent."}
    text_part, image_part = body["messages"][1]["content"]
    assert text_part == {"type": "text", "text": "Click Login."}
    assert image_part["type"] == "image_url"
    assert image_part["image_url"]["url"].startswith("data:image/png;base64,")
    image = decode_data_url(image_part["image_url"]["url"])
    assert image.size == (request.frame.resized_width, request.frame.resized_height) == (1316, 728)
    assert body["mm_processor_kwargs"] == {"min_pixels": spec.min_pixels, "max_pixels": 1280 * 28 * 28}
    assert body["repetition_penalty"] == 1.05 and body["temperature"] == 0.0

    assert reply.text == "Action: click(start_box='(500,500)')"
    assert (reply.prompt_tokens, reply.completion_tokens) == (1300, 12)
    assert reply.image_tokens == request.frame.image_tokens == 1222
    assert set(reply.timings) == {"prepare", "request", "backoff", "total"}
    assert reply.backend == "openai-compatible"


def test_the_body_with_spliced_images_is_byte_for_byte_what_httpx_json_would_send(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image
) -> None:
    frame = _frame()
    first, second = (prepare_screenshot(screenshot_1080p, frame) for _ in range(2))
    tricky = 'quotes " and \\ backslashes, é, 中文, a\nnewline, "data:image/png;base64,AAAA", {"url": 1}'
    request = ModelRequest(
        messages=[
            Message.text("system", tricky),
            Message(role="user", content=[TextPart(text=tricky), ImagePart(image=first)]),
            Message(role="assistant", content=[TextPart(text="click(1, 2)")]),
            Message(role="user", content=[ImagePart(image=second), TextPart(text="")]),
        ],
        frame=frame,
    )
    backend = _backend(server, server="vllm")

    sent = backend.encode_body(request)

    plain = backend.build_body(request)
    assert sent == httpx.Request("POST", server.url, json=plain).read()
    assert json.loads(sent)["messages"][1]["content"][0]["text"] == tricky
    _run(backend, request)
    assert server.requests[0].body == plain  # and that is what reached the server, said to be JSON
    assert server.requests[0].headers["content-type"] == "application/json"


def test_plain_openai_servers_get_no_unknown_fields(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image
) -> None:
    _run(
        _backend(server, server="generic"),
        _request(screenshot_1080p, GenerationSettings(repetition_penalty=1.05)),
    )
    body = server.requests[0].body
    assert "mm_processor_kwargs" not in body and "repetition_penalty" not in body


def test_server_kind_is_detected_from_models_owned_by(screenshot_1080p: Image.Image) -> None:
    with FakeOpenAIServer(owned_by="library").running() as ollama_like:  # Ollama reports "library"
        backend = _backend(ollama_like)
        _run(backend, _request(screenshot_1080p))
    assert backend.server == "generic"
    assert "mm_processor_kwargs" not in ollama_like.requests[0].body


def test_dashscope_gets_the_budget_on_each_image_part(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image
) -> None:
    _run(_backend(server, server="dashscope"), _request(screenshot_1080p))
    image_part = server.requests[0].body["messages"][1]["content"][1]
    assert (image_part["min_pixels"], image_part["max_pixels"]) == (3136, 1280 * 28 * 28)


def test_429_is_retried_after_the_servers_retry_after(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image
) -> None:
    server.script = [status(429, Retry_After="0.3"), OK]
    backend = _backend(server)
    reply = _run(backend, _request(screenshot_1080p))
    assert len(server.requests) == 2 and backend.last_attempts == 2
    assert reply.timings["backoff"] >= 0.3
    assert reply.text.startswith("Action:")


def test_500_then_dropped_connection_then_success(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image
) -> None:
    server.script = [status(500), DROP, OK]
    reply = _run(_backend(server), _request(screenshot_1080p))
    assert len(server.requests) == 3
    assert reply.completion_tokens == 12


def test_slow_answer_times_out_and_the_retry_succeeds(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image
) -> None:
    server.script = [slow(5), OK]  # the timeout also holds the retry, which must answer within it
    reply = _run(_backend(server, timeout=2), _request(screenshot_1080p))
    assert len(server.requests) == 2
    assert reply.timings["request"] >= 2


def test_error_after_the_last_try_is_clear_and_never_shows_the_key(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image, caplog: pytest.LogCaptureFixture
) -> None:
    server.script = [status(503), slow(5), status(500)]
    backend = _backend(server, max_attempts=3, timeout=2)  # the last attempt's 500 must come within it
    with caplog.at_level(logging.DEBUG), pytest.raises(BackendError) as caught:
        _run(backend, _request(screenshot_1080p))
    message = str(caught.value)
    assert len(server.requests) == 3
    assert f"{server.url}/chat/completions" in message
    assert "after 3 attempt(s)" in message and "HTTP 500" in message
    assert "Qwen/Qwen2.5-VL-7B-Instruct" in message and "/models" in message
    assert "retrying" in caplog.text
    for visible in (message, caplog.text, repr(backend)):
        assert KEY not in visible


def test_401_is_not_retried_and_points_at_the_key_variable(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image
) -> None:
    server.script = [status(401)]
    backend = _backend(server)
    with pytest.raises(BackendError, match="TEST_SERVER_KEY") as caught:
        _run(backend, _request(screenshot_1080p))
    assert len(server.requests) == 1
    assert KEY not in str(caught.value)
    assert "TEST_SERVER_KEY: set" in repr(backend) and KEY not in repr(backend)


@pytest.mark.parametrize(
    "message",
    [
        # vLLM (the V1 engine's wording, then the older one with the completion counted in)
        "This model's maximum context length is 4096 tokens. However, your request has 5310 input tokens. "
        "Please reduce the length of the input messages.",
        "This model's maximum context length is 4096 tokens. However, you requested 5822 tokens "
        "(5310 in the messages, 512 in the completion).",
        "The input (5310 tokens) is longer than the model's context length (4096 tokens).",  # SGLang
        "request (5310 tokens) exceeds the available context size (4096 tokens)",  # llama.cpp server
    ],
)
def test_a_prompt_too_long_for_the_server_says_how_to_fit_it(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image, message: str
) -> None:
    server.script = [status(400, message)]
    with pytest.raises(BackendError) as caught:
        _run(_backend(server), _request(screenshot_1080p))
    text = str(caught.value)
    assert len(server.requests) == 1  # the same prompt would fail again: no retry
    assert "4096 tokens" in text  # the server's own words are kept
    assert "context window" in text and "--max-model-len" in text and "--history-images" in text
    assert "unknown field" not in text


def test_another_400_still_points_at_the_profile_and_the_fields(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image
) -> None:
    server.script = [status(400, "Unrecognized request argument supplied: mm_processor_kwargs")]
    with pytest.raises(BackendError, match="unknown field") as caught:
        _run(_backend(server), _request(screenshot_1080p))
    assert "context window" not in str(caught.value)


def test_missing_usage_reports_zero_server_tokens_but_known_image_tokens(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image
) -> None:
    server.script = [OK.__class__(usage=False)]
    reply = _run(_backend(server), _request(screenshot_1080p))
    assert (reply.prompt_tokens, reply.completion_tokens, reply.image_tokens) == (0, 0, 1222)


def test_no_key_no_authorization_header(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_SERVER_KEY")
    _run(_backend(server), _request(screenshot_1080p))
    assert "authorization" not in server.requests[0].headers


def test_endpoint_and_retry_after_parsing() -> None:
    assert normalize_endpoint("http://h:8000/v1/chat/completions/") == "http://h:8000/v1"
    with pytest.raises(ValueError, match="http"):
        normalize_endpoint("localhost:8000/v1")
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past
    assert parse_retry_after("soon") is None


def test_an_image_the_server_would_resize_again_is_refused_before_sending(
    server: FakeOpenAIServer, screenshot_1080p: Image.Image
) -> None:
    """A frame built with the checkpoint budget (1932x1092) for a server capped at 1,280 tokens."""
    frame = Frame.build(space="resized", screen=(1920, 1080))
    request = ModelRequest(
        messages=[
            Message(role="user", content=[ImagePart(image=prepare_screenshot(screenshot_1080p, frame))])
        ],
        frame=frame,
    )
    with pytest.raises(BackendError, match=r"the image is 1932x1092, but .* would see it at 1316x728"):
        _run(_backend(server), request)
    assert server.requests == []
