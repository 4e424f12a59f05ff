"""Server profiles: what each OpenAI-compatible server does to an image, and what it must be sent.

A Qwen2.5-VL-style model answers in pixels of the image it saw. If the server shrinks the image after
the client built its frame, every click lands short. So each profile names the largest image the
server keeps as it is (`max_pixels`, or `max_image_tokens` of factor x factor pixels), and the client
builds its frames within that budget; where the server takes a budget or a switch per request, the
profile sends it.

| profile    | keeps an image up to                    | sends                                            |
|------------|-----------------------------------------|--------------------------------------------------|
| vllm       | the budget it is sent                   | `mm_processor_kwargs: {min_pixels, max_pixels}`  |
| sglang     | 12,845,056 px (SGLANG_IMAGE_MAX_PIXELS) | `repetition_penalty`                             |
| ollama     | 1,003,520 px (its Qwen2.5-VL processor) | nothing (its context is set on the server)       |
| dashscope  | 16,384 tokens (1,280 without the switch)| `vl_high_resolution_images`, per-image budget    |
| openrouter | 1,280 tokens (the provider decides)     | nothing                                          |
| generic    | the model's own budget (assumed)        | nothing (api.openai.com rejects unknown fields)  |

Sources: vLLM's chat request field `mm_processor_kwargs` (vllm/entrypoints/openai/protocol.py);
SGLang `python/sglang/srt/multimodal/processors/qwen_vl.py` (MAX_PIXELS from SGLANG_IMAGE_MAX_PIXELS,
default 16384*28*28); ollama/ollama `model/models/qwen25vl/process_image.go` (maxPixels 28*28*1280
from 2025-05-13, 2<<20 from 2025-12-15: the smaller one holds for both); DashScope: the Qwen cookbooks
send per-image min_pixels/max_pixels (QwenLM/Qwen3-VL cookbooks/mobile_agent.ipynb), and
`vl_high_resolution_images` lifts its 1,280-token image cap to 16,384 (Model Studio API reference; as
measured in this project's issue 13). OpenRouter forwards to a provider of its choosing, so the profile
takes the smallest cap seen among Qwen providers.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal, get_args
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

ProfileName = Literal["vllm", "sglang", "ollama", "dashscope", "openrouter", "generic"]
PROFILE_NAMES: tuple[str, ...] = get_args(ProfileName)
ALIASES = {"openai": "generic", "lmstudio": "generic"}
"""Older server kinds: api.openai.com and LM Studio take no extra fields, which is what generic sends."""
SERVER_CHOICES: tuple[str, ...] = ("auto", *PROFILE_NAMES, *ALIASES)


class ServerProfile(BaseModel):
    """How one kind of server treats images and which request fields it needs."""

    model_config = ConfigDict(frozen=True)
    name: ProfileName
    max_pixels: int | None = Field(None, description="the largest image it keeps unchanged, in pixels")
    max_image_tokens: int | None = Field(None, description="the same cap in image tokens (factor^2 px each)")
    budget_in_body: bool = Field(False, description="send min/max_pixels as mm_processor_kwargs")
    budget_on_images: bool = Field(False, description="send min/max_pixels on each image_url part")
    takes_repetition_penalty: bool = False
    body: dict[str, Any] = Field(default_factory=dict, description="fields every request carries")
    notes: str = ""

    def pixel_cap(self, factor: int) -> int | None:
        """The largest image this server keeps, in pixels, for a model with this resize factor."""
        caps = [
            c for c in (self.max_pixels, self.max_image_tokens and self.max_image_tokens * factor**2) if c
        ]
        return min(caps) if caps else None


PROFILES: dict[str, ServerProfile] = {
    p.name: p
    for p in (
        ServerProfile(
            name="vllm",
            budget_in_body=True,
            takes_repetition_penalty=True,
            notes="honours the per-request budget; or start it with the same --mm-processor-kwargs",
        ),
        ServerProfile(
            name="sglang",
            max_pixels=16384 * 28 * 28,
            takes_repetition_penalty=True,
            notes="resizes to SGLANG_IMAGE_MAX_PIXELS (default 12,845,056); if you lower it, pass the "
            "same value as --max-pixels",
        ),
        ServerProfile(
            name="ollama",
            max_pixels=1280 * 28 * 28,
            notes="shrinks larger images; its default context (4,096 tokens on small GPUs) cuts long "
            "prompts: start it with OLLAMA_CONTEXT_LENGTH=16384 or more",
        ),
        ServerProfile(
            name="dashscope",
            max_image_tokens=16384,
            budget_on_images=True,
            body={"vl_high_resolution_images": True},
            notes="without vl_high_resolution_images an image is capped at 1,280 tokens",
        ),
        ServerProfile(
            name="openrouter",
            max_image_tokens=1280,
            notes="the upstream provider resizes as it likes: the budget is the smallest cap seen",
        ),
        ServerProfile(name="generic", notes="assumed to keep the image the model's budget allows"),
    )
}

OLLAMA_PORT = 11434
_HOSTS = (("dashscope", "dashscope"), ("maas.aliyuncs.com", "dashscope"), ("openrouter.ai", "openrouter"))


def profile_named(name: str) -> ServerProfile:
    """The profile called `name` (or an alias of it); a ValueError lists the choices."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in PROFILES:
        raise ValueError(f"unknown server {name!r}; choose one of {', '.join(SERVER_CHOICES)}")
    return PROFILES[key]


def guess_profile(endpoint: str, model: str = "") -> ServerProfile | None:
    """The profile an endpoint and a served model name point to without asking the server, or None.

    The host decides first (DashScope, OpenRouter; api.openai.com is generic), then Ollama's port,
    then Ollama's `name:tag` model names (`qwen2.5vl:7b`)."""
    url = urlparse(endpoint)
    host = (url.hostname or "").lower()
    for part, name in _HOSTS:
        if part in host:
            return PROFILES[name]
    if host.endswith("api.openai.com"):
        return PROFILES["generic"]
    if url.port == OLLAMA_PORT or (":" in model and "/" not in model):
        return PROFILES["ollama"]
    return None


def profile_from_owners(owners: set[str]) -> ServerProfile | None:
    """vLLM and SGLang name themselves in `GET /v1/models` (`owned_by`)."""
    for name in ("vllm", "sglang"):
        if name in owners:
            return PROFILES[name]
    return None


def model_owners(response: httpx.Response) -> set[str]:
    """The `owned_by` values of a `GET /models` response (empty when it is not such a listing)."""
    try:
        return {str(m.get("owned_by", "")).lower() for m in response.json().get("data", [])}
    except (ValueError, AttributeError, TypeError):
        return set()


def probe_owners(endpoint: str, headers: dict[str, str], timeout: float = 5.0) -> set[str]:
    """The `owned_by` values of `GET {endpoint}/models` (empty when it does not answer)."""
    import httpx

    try:
        response = httpx.get(f"{endpoint}/models", headers=headers, timeout=timeout)
    except httpx.HTTPError:
        return set()
    return model_owners(response)


def resolve_profile(
    server: str, endpoint: str, model: str = "", *, headers: dict[str, str] | None = None
) -> ServerProfile:
    """The profile for `--server` (a name, or "auto": guessed from the address and model name, then
    from what `/models` says, else generic)."""
    if server.strip().lower() != "auto":
        return profile_named(server)
    guessed = guess_profile(endpoint, model)
    if guessed is not None:
        return guessed
    found = profile_from_owners(probe_owners(endpoint, headers or {}))
    return found if found is not None else PROFILES["generic"]


def capped_budget(profile: ServerProfile, factor: int, min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """(min, max) pixels within what `profile` keeps unchanged; lowering max_pixels is logged."""
    cap = profile.pixel_cap(factor)
    if cap is None or max_pixels <= cap:
        return min_pixels, max_pixels
    log.warning(
        "the %s server keeps images up to %s pixels by default; max_pixels %s lowered to %s so that it "
        "does not resize them (clicks would land wrong). If yours keeps larger ones, pass --server "
        "generic with the budget it keeps",
        profile.name,
        f"{cap:,}",
        f"{max_pixels:,}",
        f"{cap:,}",
    )
    return min(min_pixels, cap), cap
