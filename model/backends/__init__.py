"""Backends: how a conversation reaches a model. `open_backend` is the one entry point.

CLI, tests and users all go through `open_backend(model, endpoint=...)`, so a tiny test checkpoint
and a real 7B model take the same path. Importing this package stays light: torch, transformers and
httpx are imported only when a backend that needs them is opened.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from anyres_agent.model.backends.base import Backend, BackendError
from anyres_agent.model.backends.images import ImageFormat, prepare_screenshot, to_data_url
from anyres_agent.model.backends.scripted import ScriptedBackend
from anyres_agent.model.backends.servers import ServerProfile, capped_budget
from anyres_agent.model.backends.spec import (
    ModelSpec,
    ModelSpecError,
    ModelUnavailableError,
    resolve_model,
)
from anyres_agent.model.conversation import GenerationSettings

if TYPE_CHECKING:
    from anyres_agent.model.backends.openai_compatible import OpenAICompatibleBackend
    from anyres_agent.model.backends.transformers_backend import TransformersBackend

__all__ = [
    "Backend",
    "BackendError",
    "ModelSpec",
    "ModelSpecError",
    "ModelUnavailableError",
    "OpenAICompatibleBackend",
    "ScriptedBackend",
    "TransformersBackend",
    "open_backend",
    "prepare_screenshot",
    "resolve_model",
    "serve_budget",
    "to_data_url",
]


def open_backend(
    model: str | None = None,
    *,
    endpoint: str | None = None,
    served_model: str | None = None,
    api_key_env: str = "OPENAI_API_KEY",
    server: str = "auto",
    request_fields: Mapping[str, Any] | None = None,
    family: str | None = None,
    min_pixels: int | None = None,
    max_pixels: int | None = None,
    settings: GenerationSettings | None = None,
    device: str | None = None,
    dtype: str | None = None,
    timeout: float = 120.0,
    max_attempts: int = 4,
    image_format: ImageFormat = "png",
) -> tuple[Backend, ModelSpec]:
    """A ready backend and the spec it runs, from what a user types after `--model`/`--endpoint`.

    `model` is a preset name, a local folder or a hub id (default: the default preset). Without an
    endpoint the weights load locally through transformers, once per process; with one, requests go
    to that OpenAI-compatible server, and `model` names what it serves (`served_model` overrides the
    name sent, e.g. for `vllm serve ... --served-model-name ui-tars`). `server` is its profile (vllm,
    sglang, ollama, dashscope, openrouter, generic; "auto" guesses from the address, the model name
    and `/models`): the returned spec's pixel budget stays within what that server keeps unchanged.
    `request_fields` are added to every request as they are.

    Raises ModelSpecError for input that cannot be resolved and ModelUnavailableError (a
    BackendError) when the weights are missing, with the ways forward in the message.
    """
    spec = resolve_model(
        model,
        endpoint=endpoint,
        family=family,
        min_pixels=min_pixels,
        max_pixels=max_pixels,
        settings=settings,
    )
    if endpoint:
        from anyres_agent.model.backends.openai_compatible import OpenAICompatibleBackend, normalize_endpoint
        from anyres_agent.model.backends.servers import resolve_profile

        try:
            url = normalize_endpoint(endpoint)
            key = os.environ.get(api_key_env)
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            profile = resolve_profile(server, url, served_model or spec.source, headers=headers)
        except ValueError as error:
            raise ModelSpecError(str(error)) from None
        spec = serve_budget(spec, profile)
        backend: Backend = OpenAICompatibleBackend(
            endpoint,
            spec,
            served_model=served_model,
            api_key_env=api_key_env,
            server=profile.name,
            request_fields=request_fields,
            timeout=timeout,
            max_attempts=max_attempts,
            image_format=image_format,
        )
        return backend, spec
    from anyres_agent.model.backends.transformers_backend import TransformersBackend, load_model

    return TransformersBackend(load_model(spec, device=device, dtype=dtype), spec), spec


def serve_budget(spec: ModelSpec, profile: ServerProfile) -> ModelSpec:
    """`spec` with its pixel budget within what the server of `profile` keeps unchanged."""
    from anyres_agent.model.families import get_family

    low, high = capped_budget(profile, get_family(spec.family).factor, spec.min_pixels, spec.max_pixels)
    if (low, high) == (spec.min_pixels, spec.max_pixels):
        return spec
    return spec.model_copy(update={"min_pixels": low, "max_pixels": high})


def __getattr__(name: str) -> Any:
    """Backend classes whose modules import httpx or torch, loaded on first use."""
    if name == "OpenAICompatibleBackend":
        from anyres_agent.model.backends.openai_compatible import OpenAICompatibleBackend

        return OpenAICompatibleBackend
    if name == "TransformersBackend":
        from anyres_agent.model.backends.transformers_backend import TransformersBackend

        return TransformersBackend
    raise AttributeError(f"module 'anyres_agent.model.backends' has no attribute {name!r}")
