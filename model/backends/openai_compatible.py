"""Chat completions against any OpenAI-compatible server: vLLM, SGLang, Ollama, DashScope, OpenRouter...

The client must know the exact image the server shows the model, or Qwen2.5-VL-style coordinates
(pixels of the resized image) land in the wrong place. So images leave already at the frame's
smart-resized size, within what the server keeps unchanged, and each server gets the fields it needs:
both come from its profile (model.backends.servers). Fields from the user's config
(`request_fields`) are added to every request as they are.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import os
import random
import re
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

import httpx

from anyres_agent.model.backends.base import BackendError
from anyres_agent.model.backends.images import DEFAULT_FORMAT, ImageFormat, image_tokens, to_data_url
from anyres_agent.model.backends.servers import (
    PROFILES,
    ServerProfile,
    guess_profile,
    model_owners,
    profile_from_owners,
    profile_named,
)
from anyres_agent.model.backends.spec import ModelSpec
from anyres_agent.model.conversation import ImageLike, ImagePart, Message, ModelReply, ModelRequest
from anyres_agent.model.frame import QWEN_FACTOR, smart_resize

log = logging.getLogger(__name__)

RESERVED_FIELDS = frozenset({"model", "messages", "stream"})
"""Request fields the backend owns: extra fields from a config may not replace them."""
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
JSON_CONTENT = {"Content-Type": "application/json"}
CONTEXT_OVERFLOW = re.compile(
    r"context[ _](length|size|window|limit)|maximum (prompt|input) length|prompt is too long|max_model_len"
    r"|range of input length",
    re.IGNORECASE,
)
"""How servers word a prompt longer than their context: vLLM "This model's maximum context length is
N tokens", SGLang "longer than the model's context length", llama.cpp "exceeds the available context
size", OpenAI `context_length_exceeded`, DashScope "Range of input length should be [1, N]"."""


class OpenAICompatibleBackend:
    """POST /chat/completions with retries; the API key lives only in the Authorization header."""

    name = "openai-compatible"

    def __init__(
        self,
        endpoint: str,
        spec: ModelSpec,
        *,
        served_model: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        server: str = "auto",
        request_fields: Mapping[str, Any] | None = None,
        timeout: float = 120.0,
        connect_timeout: float = 10.0,
        max_attempts: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        image_format: ImageFormat = DEFAULT_FORMAT,
    ) -> None:
        reserved = RESERVED_FIELDS & set(request_fields or {})
        if reserved:
            raise ValueError(
                f"request_fields may not set {', '.join(sorted(reserved))}: the backend sends those"
            )
        self.endpoint = normalize_endpoint(endpoint)
        self.spec = spec
        self.model = served_model or spec.source
        self.request_fields = dict(request_fields or {})
        auto = server.strip().lower() == "auto"
        guessed = guess_profile(self.endpoint, self.model) if auto else profile_named(server)
        self.profile: ServerProfile = guessed or PROFILES["generic"]
        self._probe_owners = guessed is None
        """Undecided "auto": ask `/models` once, at the first request, whether it is vLLM or SGLang."""
        self.api_key_env = api_key_env
        self.__key = os.environ.get(api_key_env) or None
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.image_format: ImageFormat = image_format
        self.last_attempts = 0
        self._client = httpx.AsyncClient(
            base_url=self.endpoint, timeout=httpx.Timeout(timeout, connect=connect_timeout)
        )

    # --- the protocol ------------------------------------------------------------------------
    async def complete(self, request: ModelRequest) -> ModelReply:
        start = time.perf_counter()
        if self._probe_owners:
            self._probe_owners = False
            self.profile = await self._detect_profile()
        body = await asyncio.to_thread(self.encode_body, request)  # image and JSON off the event loop
        prepared = time.perf_counter()
        data, backoff_seconds = await self._post_with_retries(body)
        done = time.perf_counter()
        usage = data.get("usage") or {}
        factor = request.frame.factor if request.frame else QWEN_FACTOR
        return ModelReply(
            text=_content_text(data),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            image_tokens=sum(image_tokens(image, factor) for image in request.images()),
            timings={
                "prepare": prepared - start,
                "request": done - prepared,
                "backoff": backoff_seconds,
                "total": done - start,
            },
            backend=self.name,
            model=self.model,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    # --- request shape -------------------------------------------------------------------------
    def encode_body(self, request: ModelRequest) -> bytes:
        """The request body as UTF-8 JSON bytes, as httpx's `json=` writes them, made on a worker thread.

        The screenshots' data URLs are most of the body (several MB with a few 1080p images in the
        history), and base64 needs no JSON escaping, so they are spliced in as bytes instead of being
        scanned by the JSON encoder each step (bench_request_prep.py prints both ways). Each goes in
        as a marker made from a fresh random token, which no text in the request can contain.
        """
        token = uuid.uuid4().hex
        urls: list[str] = []

        def marker(image: ImageLike) -> str:
            urls.append(to_data_url(image, self.image_format))
            return f"{token}:{len(urls) - 1}"

        text = json.dumps(
            self.build_body(request, url_of=marker),
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
        )
        first, *marked = text.split(f'"{token}:')
        out = [first.encode("utf-8")]
        for piece in marked:  # '<n>"' and the JSON after it
            index, _, after = piece.partition('"')
            out += (b'"', urls[int(index)].encode("ascii"), b'"', after.encode("utf-8"))
        return b"".join(out)

    def build_body(
        self, request: ModelRequest, url_of: Callable[[ImageLike], str] | None = None
    ) -> dict[str, Any]:
        """The JSON body for this server kind (images as data URLs, or what `url_of` makes of them;
        extras only where accepted)."""
        self._check_sizes(request)
        url_of = url_of or (lambda image: to_data_url(image, self.image_format))
        settings = request.settings
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [self._message(m, url_of) for m in request.messages],
            "max_tokens": settings.max_new_tokens,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
        }
        if settings.frequency_penalty:
            body["frequency_penalty"] = settings.frequency_penalty
        if settings.stop:
            body["stop"] = list(settings.stop)
        profile = self.profile
        if profile.takes_repetition_penalty and settings.repetition_penalty != 1.0:
            body["repetition_penalty"] = settings.repetition_penalty
        if profile.budget_in_body:
            body["mm_processor_kwargs"] = {
                "min_pixels": self.spec.min_pixels,
                "max_pixels": self.spec.max_pixels,
            }
        body |= profile.body
        body |= self.request_fields
        return body

    @property
    def server(self) -> str:
        """The server profile's name (vllm, sglang, ollama, dashscope, openrouter or generic)."""
        return self.profile.name

    def _check_sizes(self, request: ModelRequest) -> None:
        """Refuse an image the server would resize again: the model's numbers would then be read in
        the wrong frame (the 3x trap). It happens when the frame's pixel budget is not the model's."""
        factor = request.frame.factor if request.frame is not None else QWEN_FACTOR
        for image in request.images():
            width, height = image.size
            seen = smart_resize(height, width, factor, self.spec.min_pixels, self.spec.max_pixels)
            if seen != (height, width):
                raise BackendError(
                    f"the image is {width}x{height}, but {self.spec.name} with min_pixels "
                    f"{self.spec.min_pixels} and max_pixels {self.spec.max_pixels} would see it at "
                    f"{seen[1]}x{seen[0]}: build the frame with the model's pixel budget "
                    f"(AgentConfig min_pixels/max_pixels, or leave them unset to take the model's)"
                )

    def _message(self, message: Message, url_of: Callable[[ImageLike], str]) -> dict[str, Any]:
        if not any(isinstance(p, ImagePart) for p in message.content):
            return {"role": message.role, "content": message.plain_text()}
        parts: list[dict[str, Any]] = []
        for part in message.content:
            if isinstance(part, ImagePart):
                image_part: dict[str, Any] = {
                    "type": "image_url",
                    "image_url": {"url": url_of(part.image)},
                }
                if self.profile.budget_on_images:
                    image_part.update(min_pixels=self.spec.min_pixels, max_pixels=self.spec.max_pixels)
                parts.append(image_part)
            else:
                parts.append({"type": "text", "text": part.text})
        return {"role": message.role, "content": parts}

    # --- transport -----------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.__key}"} if self.__key else {}

    async def _post_with_retries(self, body: bytes) -> tuple[dict[str, Any], float]:
        url = f"{self.endpoint}/chat/completions"
        last = "no attempt made"
        slept = 0.0
        for attempt in range(1, self.max_attempts + 1):
            self.last_attempts = attempt
            delay = self._backoff_delay(attempt)
            try:
                response = await self._client.post(
                    "/chat/completions", content=body, headers=self._headers() | JSON_CONTENT
                )
            except httpx.TimeoutException:
                last = f"no answer within {self.timeout:g} s (timeout)"
            except httpx.TransportError as error:
                last = f"connection failed ({type(error).__name__}: {self._redact(str(error)) or 'dropped'})"
            else:
                if response.status_code == 200:
                    return self._json(response, url), slept
                if response.status_code not in RETRY_STATUSES:
                    raise BackendError(self._refusal(url, response))
                last = f"HTTP {response.status_code} {self._snippet(response)}".rstrip()
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                if retry_after is not None:
                    delay = min(retry_after, MAX_RETRY_AFTER)
            if attempt < self.max_attempts:
                log.warning(
                    "%s: %s; retrying in %.2f s (attempt %d of %d)",
                    url,
                    last,
                    delay,
                    attempt + 1,
                    self.max_attempts,
                )
                await asyncio.sleep(delay)
                slept += delay
        raise BackendError(
            f"{url} gave no usable answer after {self.max_attempts} attempt(s); last: {last}. Check that "
            f"the server is running and reachable, that it serves {self.model!r} (GET {self.endpoint}/models "
            f"lists what it serves) and that it is not overloaded; raise the timeout for long generations."
        )

    def _backoff_delay(self, attempt: int) -> float:
        """Exponential backoff with jitter, so many agents behind one server do not retry in step."""
        ceiling = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return ceiling * (0.5 + random.random() / 2)

    def _json(self, response: httpx.Response, url: str) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise BackendError(f"{url} answered 200 but not with JSON: {self._snippet(response)}") from None
        if not isinstance(data, dict) or not data.get("choices"):
            raise BackendError(f"{url} answered without choices: {self._snippet(response)}")
        return data

    def _refusal(self, url: str, response: httpx.Response) -> str:
        status = response.status_code
        detail = self._snippet(response)
        if status in (401, 403):
            state = "is set" if self.__key else "is not set"
            hint = f"check the API key in the environment variable {self.api_key_env} (it {state})"
        elif status == 404:
            hint = f"check that the endpoint ends in /v1 and that the server serves {self.model!r}"
        elif status in (400, 413, 422) and CONTEXT_OVERFLOW.search(response.text):
            hint = (
                "the prompt and its screenshots do not fit the server's context window: start the server "
                "with a longer one (vLLM --max-model-len, SGLang --context-length, llama.cpp --ctx-size, "
                "Ollama OLLAMA_CONTEXT_LENGTH) or send less: fewer past screenshots (--history-images), "
                "a lower history_image_tokens or max_pixels, or a smaller max_new_tokens"
            )
        elif status in (400, 413, 422):
            hint = (
                "the server rejected the request; if it names an unknown field, pass the right server "
                f"profile (now {self.server!r}; 'generic' sends no extras) or fix request_fields, and if "
                "the image is too large, lower max_pixels"
            )
        else:
            hint = "see the server's log"
        return f"{url} refused the request with HTTP {status} {detail}; {hint}."

    def _snippet(self, response: httpx.Response) -> str:
        text = " ".join(response.text.split())[:300]
        return f"({self._redact(text)})" if text else ""

    def _redact(self, text: str) -> str:
        return text.replace(self.__key, "***") if self.__key else text

    async def _detect_profile(self) -> ServerProfile:
        """vLLM and SGLang name themselves in `GET /models` (`owned_by`); anything else stays generic."""
        try:
            response = await self._client.get("/models", headers=self._headers(), timeout=5.0)
        except httpx.HTTPError:
            return self.profile
        return profile_from_owners(model_owners(response)) or self.profile

    def __repr__(self) -> str:
        key = "set" if self.__key else "not set"
        return (
            f"OpenAICompatibleBackend({self.endpoint!r}, model={self.model!r}, server={self.server!r}, "
            f"api key from ${self.api_key_env}: {key})"
        )


def normalize_endpoint(endpoint: str) -> str:
    """`http://host:8000/v1` from what users paste (a trailing slash or /chat/completions)."""
    url = endpoint.strip().rstrip("/")
    if url.endswith("/chat/completions"):
        url = url[: -len("/chat/completions")]
    if not urlparse(url).scheme.startswith("http"):
        raise ValueError(f"endpoint {endpoint!r} must be an http(s) URL such as http://localhost:8000/v1")
    return url


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds (decimals tolerated) or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _content_text(data: dict[str, Any]) -> str:
    message = (data["choices"][0] or {}).get("message") or {}
    content = message.get("content")
    if isinstance(content, list):  # some servers answer with content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""
