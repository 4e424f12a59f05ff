"""What `--model` means: a preset name, a local folder or a hub id, resolved to one ModelSpec.

Resolution is cheap on purpose (no torch, no network): it reads at most a config.json, so the CLI can
say "no local copy of X" in milliseconds instead of after importing torch and failing in a download.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from anyres_agent.model.backends.base import BackendError
from anyres_agent.model.conversation import GenerationSettings
from anyres_agent.model.frame import (
    CHECKPOINT_MAX_PIXELS,
    CHECKPOINT_MIN_PIXELS,
    QWEN3_MAX_PIXELS,
    QWEN3_MIN_PIXELS,
)
from anyres_agent.model.presets import (
    DEFAULT_PRESET,
    FAMILY_NAMES,
    Preset,
    get_preset,
    preset_for_folder_name,
    preset_for_hub_id,
)

SourceKind = Literal["preset", "local", "hub", "served"]

MODEL_TYPE_FAMILY = {"qwen2_vl": "qwen2vl", "qwen2_5_vl": "qwen25vl", "qwen3_vl": "qwen3vl"}
"""config.json model_type -> the base family (fine-tunes such as UI-TARS are told apart by name)."""

NAME_HINTS = (
    ("ui-tars-1.5", "uitars15"),
    ("ui-tars-1_5", "uitars15"),
    ("uitars-1.5", "uitars15"),
    ("ui-tars", "uitars"),
    ("uitars", "uitars"),
    ("showui", "showui"),
    ("os-atlas", "qwen2vl"),
    ("qwen3-vl", "qwen3vl"),
    ("qwen2.5-vl", "qwen25vl"),
    ("qwen2_5_vl", "qwen25vl"),
    ("qwen2-vl", "qwen2vl"),
)


class ModelSpecError(ValueError):
    """`--model`/`--family` input that cannot be resolved (the CLI shows it as a usage error)."""


class ModelUnavailableError(BackendError):
    """The weights are neither on disk nor downloadable here; the message says the ways forward."""


class ModelSpec(BaseModel):
    """Everything the loop and a backend must agree on about the model being driven."""

    model_config = ConfigDict(frozen=True)
    name: str = Field(description="what the user asked for: a preset name, a path or a hub id")
    source: str = Field(description="hub id, local folder, or the model name a server serves")
    kind: SourceKind
    family: str
    min_pixels: int = Field(gt=0)
    max_pixels: int = Field(gt=0)
    settings: GenerationSettings = Field(default_factory=GenerationSettings)
    preset: str | None = None
    hub_id: str | None = Field(None, description="the public hub id, when known (for error messages)")


def resolve_model(
    model: str | None = None,
    *,
    endpoint: str | None = None,
    family: str | None = None,
    min_pixels: int | None = None,
    max_pixels: int | None = None,
    settings: GenerationSettings | None = None,
) -> ModelSpec:
    """Resolve `--model` in this order: preset name, existing local folder, hub id.

    With an endpoint, `model` is the name the server serves; a preset name there still fixes the
    family and pixels (and is sent as the preset's hub id, which is what `vllm serve <hub id>` serves).
    """
    name = (model or DEFAULT_PRESET).strip()
    if not name:
        raise ModelSpecError("--model is empty; give a preset name, a local folder or a hub id")
    if family is not None and family not in FAMILY_NAMES:
        raise ModelSpecError(f"unknown family {family!r}; choose one of {', '.join(FAMILY_NAMES)}")

    preset = get_preset(name)
    folder = Path(name).expanduser()
    source: str
    hub_id: str | None
    if preset is not None:
        kind: SourceKind = "served" if endpoint else "preset"
        source, hub_id, model_type = preset.hub_id, preset.hub_id, None
    elif endpoint:
        preset = preset_for_hub_id(name) or preset_for_folder_name(name.split("/")[-1])
        kind, source, hub_id, model_type = "served", name, (preset.hub_id if preset else None), None
    elif folder.is_dir():
        model_type = _read_model_type(folder / "config.json")
        preset = preset_for_folder_name(folder.resolve().name)
        kind, source, hub_id = "local", str(folder.resolve()), (preset.hub_id if preset else None)
    elif _looks_like_path(name):
        raise ModelUnavailableError(_missing_folder_message(name))
    elif _looks_like_hub_id(name):
        preset = preset_for_hub_id(name)
        cached = cached_file(name, "config.json")
        model_type = _read_model_type(cached) if cached else None
        kind, source, hub_id = "hub", name, name
    else:
        raise ModelSpecError(
            f"--model {name!r} is not a preset, an existing folder or a hub id (org/name); "
            "run `agent models` to list the presets"
        )

    resolved_family = family or (preset.family if preset else None) or guess_family(source, model_type)
    if resolved_family is None:
        raise ModelSpecError(
            f"cannot tell which model family {name!r} belongs to; pass --family ({', '.join(FAMILY_NAMES)})"
        )
    low, high = _pixels(preset, resolved_family, folder if kind == "local" else None)
    low, high = min_pixels or low, max_pixels or high
    if low > high:
        raise ModelSpecError(f"min_pixels {low} is larger than max_pixels {high}")
    return ModelSpec(
        name=name,
        source=source,
        kind=kind,
        family=resolved_family,
        min_pixels=low,
        max_pixels=high,
        settings=settings or (preset.settings if preset else GenerationSettings()),
        preset=preset.name if preset else None,
        hub_id=hub_id,
    )


def guess_family(name: str, model_type: str | None = None) -> str | None:
    """The family from a name (fine-tunes keep their base's model_type) and then from model_type."""
    lowered = name.lower()
    for hint, family in NAME_HINTS:
        if hint in lowered:
            return family
    return MODEL_TYPE_FAMILY.get(model_type or "")


def cached_file(repo_id: str, filename: str) -> Path | None:
    """A file of a hub repo from the local hub cache only (never the network), or None."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    try:
        found = try_to_load_from_cache(repo_id, filename)
    except Exception:  # a malformed id or cache: treat as absent, the caller explains
        return None
    return Path(found) if isinstance(found, str) else None


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


HUB_PROBE_TIMEOUT = 10.0


def hub_unreachable(timeout: float = HUB_PROBE_TIMEOUT) -> str | None:
    """Why the model hub cannot be reached, in one phrase, or None when it answers.

    One quick request up front: without it, a machine with no route to the hub spends half a minute
    in the hub client's retries (printing each) before the same error.
    """
    import httpx

    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    try:
        httpx.head(endpoint, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as error:
        return (
            f"the model hub at {endpoint} cannot be reached ({type(error).__name__}: {error or 'no answer'})"
        )
    return None


def unavailable_message(spec: ModelSpec, reason: str) -> str:
    """One paragraph: what is missing and the two ways forward (a local folder, or a served model).

    The commands are the current ones: the hub's CLI is `hf` (huggingface_hub >= 0.34 replaced
    `huggingface-cli`), and vLLM takes `--limit-mm-per-prompt` as JSON (vllm-project/vllm
    docs/features/multimodal_inputs.md: `--limit-mm-per-prompt '{"image":2}'`). The server gets the
    spec's pixel budget, so its resize matches the client's frame and clicks land where meant.
    """
    hub_id = spec.hub_id or spec.source
    folder = hub_id.rstrip("/").split("/")[-1]
    offline = (
        " HF_HUB_OFFLINE is set, so nothing is downloaded; unset it to let transformers fetch the weights."
        if hub_offline()
        else ""
    )
    pixels = json.dumps({"min_pixels": spec.min_pixels, "max_pixels": spec.max_pixels})
    return (
        f"Model {spec.name!r} ({hub_id}) is not available here: {reason}.{offline} Two ways forward: "
        f"download the weights where the hub is reachable (`hf download {hub_id} --local-dir {folder}`) "
        f"and pass --model /path/to/{folder}, or serve it on a GPU machine with "
        f"`vllm serve {hub_id} --limit-mm-per-prompt '{{\"image\": 5}}' --mm-processor-kwargs '{pixels}'` "
        f"and pass --endpoint http://HOST:8000/v1 --model {spec.preset or hub_id}."
    )


def _pixels(preset: Preset | None, family: str, folder: Path | None) -> tuple[int, int]:
    if preset is not None:
        return preset.min_pixels, preset.max_pixels
    if folder is not None:
        from_config = _read_pixels(folder)
        if from_config:
            return from_config
    if family == "qwen3vl":
        return QWEN3_MIN_PIXELS, QWEN3_MAX_PIXELS
    return CHECKPOINT_MIN_PIXELS, CHECKPOINT_MAX_PIXELS


def _read_pixels(folder: Path) -> tuple[int, int] | None:
    """min/max pixels from a checkpoint's preprocessor config (v4 keys or v5 `size` edges)."""
    for name in ("preprocessor_config.json", "processor_config.json"):
        data = _read_json(folder / name)
        if not data:
            continue
        data = data.get("image_processor", data)
        size = data.get("size") or {}
        low = data.get("min_pixels") or size.get("shortest_edge")
        high = data.get("max_pixels") or size.get("longest_edge")
        if isinstance(low, int) and isinstance(high, int) and 0 < low <= high:
            return low, high
    return None


def _read_model_type(path: Path | None) -> str | None:
    data = _read_json(path) if path else None
    value = data.get("model_type") if data else None
    return value if isinstance(value, str) else None


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _looks_like_path(name: str) -> bool:
    """A path, not a hub id: starts like one, has more than one slash, or a backslash."""
    return name.startswith(("/", ".", "~")) or name.count("/") > 1 or "\\" in name


def _looks_like_hub_id(name: str) -> bool:
    parts = name.split("/")
    return len(parts) == 2 and all(parts) and " " not in name


def _missing_folder_message(name: str) -> str:
    return (
        f"Model folder {name!r} does not exist. Pass --model with a folder that holds the downloaded "
        f"weights (config.json, *.safetensors, tokenizer and preprocessor files), a preset name "
        f"(`agent models` lists them), or serve the model with vLLM and pass --endpoint."
    )
