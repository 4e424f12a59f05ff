"""Backends: how a conversation reaches a model. `open_backend` is the one entry point.

CLI, tests and users all go through `open_backend(model, endpoint=...)`, so a tiny test checkpoint
and a real 7B model take the same path. Importing this package stays light: torch, transformers and
httpx are imported only when a backend that needs them is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from anyres_agent.model.backends.base import Backend, BackendError
from anyres_agent.model.backends.images import ImageFormat, prepare_screenshot, to_data_url
from anyres_agent.model.backends.scripted import ScriptedBackend
from anyres_agent.model.backends.spec import (
    ModelSpec,
    ModelSpecError,
    ModelUnavailableError,
    resolve_model,
)
from anyres_agent.model.conversation import GenerationSettings

if TYPE_CHECKING:
    from anyres_agent.model.backends.openai_compatible import OpenAICompatibleBackend, ServerKind
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
    "to_data_url",
]


def open_backend(
    model: str | None = None,
    *,
    endpoint: str | None = None,
    served_model: str | None = None,
    api_key_env: str = "OPENAI_API_KEY",
    server: ServerKind = "auto",
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
    name sent, e.g. for `vllm serve ... --served-model-name ui-tars`).

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
        from anyres_agent.model.backends.openai_compatible import OpenAICompatibleBackend

        backend: Backend = OpenAICompatibleBackend(
            endpoint,
            spec,
            served_model=served_model,
            api_key_env=api_key_env,
            server=server,
            timeout=timeout,
            max_attempts=max_attempts,
            image_format=image_format,
        )
        return backend, spec
    from anyres_agent.model.backends.transformers_backend import TransformersBackend, load_model

    return TransformersBackend(load_model(spec, device=device, dtype=dtype), spec), spec


def __getattr__(name: str) -> Any:
    """Backend classes whose modules import httpx or torch, loaded on first use."""
    if name == "OpenAICompatibleBackend":
        from anyres_agent.model.backends.openai_compatible import OpenAICompatibleBackend

        return OpenAICompatibleBackend
    if name == "TransformersBackend":
        from anyres_agent.model.backends.transformers_backend import TransformersBackend

        return TransformersBackend
    raise AttributeError(f"module 'anyres_agent.model.backends' has no attribute {name!r}")
