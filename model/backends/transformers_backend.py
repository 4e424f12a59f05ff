"""Local inference with transformers: Qwen2-VL, Qwen2.5-VL (UI-TARS, ShowUI, OS-Atlas) and Qwen3-VL.

Three things matter here beyond "call generate":
- the processor is built without its video half, because the stock processor needs torchvision only
  for video and CPU torch wheels have no torchvision (research/feasibility.md section 4);
- the images arrive already smart-resized by the frame, so the processor is told a pixel range that
  keeps each image exactly as it is, and the image-token count equals Frame.image_tokens;
- decoding keeps special tokens, or `<|box_start|>...<|box_end|>` grounding vanishes.
Weights load once per process (keyed by folder, device and dtype); later backends share them.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anyres_agent.model.backends.spec import (
    ModelSpec,
    ModelUnavailableError,
    cached_file,
    hub_offline,
    hub_unreachable,
    unavailable_message,
)
from anyres_agent.model.conversation import GenerationSettings, ImagePart, ModelReply, ModelRequest, pixels

END_TOKENS = ("<|im_end|>", "<|endoftext|>", "<|end_of_text|>")

QWEN_CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant."
    "<|im_end|>\n{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
    "{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture "
    "{{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
"""The Qwen2-VL chat template (hub chat_template.json, S23), used only when a folder ships none."""


@dataclass
class LoadedModel:
    """Weights and processor for one checkpoint on one device, shared by every backend using it."""

    model: Any
    processor: Any
    source: str
    device: str
    dtype: str
    attention: str
    load_seconds: float
    lock: threading.Lock = field(default_factory=threading.Lock)


_models: dict[tuple[str, str, str], LoadedModel] = {}
_models_lock = threading.Lock()


def load_model(spec: ModelSpec, *, device: str | None = None, dtype: str | None = None) -> LoadedModel:
    """The model for `spec`, loaded on first use and reused for the rest of the process."""
    location = _local_location(spec)
    torch, transformers = _import_stack()
    device = device or pick_device(torch)
    dtype = dtype or pick_dtype(torch, device)
    key = (location, device, dtype)
    with _models_lock:
        if key in _models:
            return _models[key]
        start = time.perf_counter()
        attention = pick_attention(device)
        try:
            # device_map loads straight onto the GPU, but needs accelerate; else load, then move.
            placement = {"device_map": device} if importlib.util.find_spec("accelerate") else {}
            model = transformers.AutoModelForImageTextToText.from_pretrained(
                location, dtype=getattr(torch, dtype), attn_implementation=attention, **placement
            )
            processor = load_processor(location, transformers)
        except OSError as error:  # missing files, no network, gated repo
            raise ModelUnavailableError(unavailable_message(spec, f"loading failed ({error})")) from None
        except ValueError as error:  # e.g. a model_type this transformers does not know (Qwen3-VL on 4.x)
            raise ModelUnavailableError(
                unavailable_message(spec, f"transformers {transformers.__version__} cannot load it ({error})")
            ) from None
        model = model.to(device).eval()
        loaded = LoadedModel(
            model, processor, location, device, dtype, attention, time.perf_counter() - start
        )
        _models[key] = loaded
        return loaded


def loaded_models() -> list[LoadedModel]:
    """What this process holds in memory (for diagnostics and tests)."""
    with _models_lock:
        return list(_models.values())


def unload_models() -> None:
    """Forget every loaded model (tests; freeing GPU memory in a long-lived process)."""
    with _models_lock:
        _models.clear()


def pick_device(torch: Any) -> str:
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(torch: Any, device: str) -> str:
    """bf16 on a GPU that has it (the checkpoints' own dtype), fp16 on older GPUs and MPS, fp32 on CPU."""
    if device.startswith("cuda"):
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    return "float16" if device == "mps" else "float32"


def pick_attention(device: str) -> str:
    """flash_attention_2 when the package is installed on CUDA, else PyTorch's sdpa."""
    if device.startswith("cuda") and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def load_processor(location: str, transformers: Any) -> Any:
    """The family's processor without video: tokenizer + image processor + chat template."""
    from transformers import AutoConfig, AutoTokenizer

    model_type = AutoConfig.from_pretrained(location).model_type
    processor_class = {
        "qwen2_vl": "Qwen2VLProcessor",
        "qwen2_5_vl": "Qwen2_5_VLProcessor",
        "qwen3_vl": "Qwen3VLProcessor",
    }.get(model_type)
    if processor_class is None:
        raise ValueError(f"model_type {model_type!r} is not a Qwen2-VL-family model")
    base = getattr(transformers, processor_class)
    tokenizer = AutoTokenizer.from_pretrained(location)
    if transformers.utils.is_torchvision_available():
        image_processor = transformers.AutoImageProcessor.from_pretrained(location)
    else:
        from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

        image_processor = Qwen2VLImageProcessorPil.from_pretrained(location)
    template = _checkpoint_chat_template(location) or getattr(tokenizer, "chat_template", None)
    return _without_video(base)(
        image_processor=image_processor, tokenizer=tokenizer, chat_template=template or QWEN_CHAT_TEMPLATE
    )


def _checkpoint_chat_template(location: str) -> str | None:
    """The processor's chat template file (hub checkpoints keep it beside, not in, the tokenizer)."""
    import json

    for name in ("chat_template.jinja", "chat_template.json"):
        path = Path(location) / name if Path(location).is_dir() else cached_file(location, name)
        if path is None or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if name.endswith(".jinja"):
            return text
        template = json.loads(text).get("chat_template")
        if isinstance(template, str):
            return template
    return None


_no_video_classes: dict[type, type] = {}


def _without_video(base: type) -> type:
    """A subclass whose __init__ has no video_processor, so ProcessorMixin never builds one."""
    if base not in _no_video_classes:

        def __init__(
            self: Any,
            image_processor: Any = None,
            tokenizer: Any = None,
            chat_template: Any = None,
            **kw: Any,
        ):
            base.__init__(  # type: ignore[misc]  # a class made at run time for any processor base
                self, image_processor=image_processor, tokenizer=tokenizer, video_processor=None,
                chat_template=chat_template, **kw,
            )  # fmt: skip

        _no_video_classes[base] = type(f"{base.__name__}NoVideo", (base,), {"__init__": __init__})
    return _no_video_classes[base]


class TransformersBackend:
    """Runs one request at a time per loaded model, in a worker thread so the event loop stays free."""

    name = "transformers"

    def __init__(self, loaded: LoadedModel, spec: ModelSpec) -> None:
        self.loaded = loaded
        self.spec = spec
        self.model = spec.name

    async def complete(self, request: ModelRequest) -> ModelReply:
        return await asyncio.to_thread(self._complete, request)

    def _complete(self, request: ModelRequest) -> ModelReply:
        import torch

        start = time.perf_counter()
        processor, model = self.loaded.processor, self.loaded.model
        inputs = self.prepare(request).to(model.device)
        prepared = time.perf_counter()
        with self.loaded.lock, torch.inference_mode():
            output = model.generate(**inputs, **generation_kwargs(request.settings, processor.tokenizer))
        generated = time.perf_counter()
        prompt_length = inputs["input_ids"].shape[1]
        new_ids = output[0, prompt_length:].tolist()
        text = decode(processor.tokenizer, new_ids, request.settings.stop)
        done = time.perf_counter()
        return ModelReply(
            text=text,
            prompt_tokens=prompt_length,
            completion_tokens=len(new_ids),
            image_tokens=int((inputs["input_ids"] == processor.image_token_id).sum()),
            timings={
                "prepare": prepared - start,
                "generate": generated - prepared,
                "decode": done - generated,
                "total": done - start,
            },
            backend=self.name,
            model=self.model,
        )

    def prepare(self, request: ModelRequest) -> Any:
        """Chat template + processor, with a pixel range that keeps every (pre-resized) image as is."""
        processor = self.loaded.processor
        messages = [
            {
                "role": m.role,
                "content": [
                    {"type": "image"} if isinstance(p, ImagePart) else {"type": "text", "text": p.text}
                    for p in m.content
                ],
            }
            for m in request.messages
        ]
        text = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        images = [pixels(image) for image in request.images()]
        if not images:
            return processor(text=[text], return_tensors="pt")
        areas = [image.width * image.height for image in images]
        keep = {"size": {"shortest_edge": min(areas), "longest_edge": max(areas)}}
        return processor(text=[text], images=images, images_kwargs=keep, return_tensors="pt")

    async def aclose(self) -> None:
        """Nothing to close: the weights stay cached for the next backend in this process."""
        return None

    def __repr__(self) -> str:
        loaded = self.loaded
        return (
            f"TransformersBackend({self.spec.name!r} on {loaded.device}/{loaded.dtype}, {loaded.attention})"
        )


def generation_kwargs(settings: GenerationSettings, tokenizer: Any) -> dict[str, Any]:
    """GenerationSettings as generate() arguments (frequency_penalty has no transformers equivalent)."""
    kwargs: dict[str, Any] = {
        "max_new_tokens": settings.max_new_tokens,
        "do_sample": settings.temperature > 0,
        "repetition_penalty": settings.repetition_penalty,
    }
    if settings.temperature > 0:
        kwargs.update(temperature=settings.temperature, top_p=settings.top_p)
    else:  # greedy: clear sampling knobs a checkpoint's generation_config.json may carry
        kwargs.update(temperature=None, top_p=None, top_k=None)
    if settings.stop:
        kwargs.update(stop_strings=list(settings.stop), tokenizer=tokenizer)
    return kwargs


def decode(tokenizer: Any, ids: list[int], stop: list[str] | None = None) -> str:
    """Text with special tokens kept (boxes survive), minus trailing end/pad tokens and stop strings."""
    text = tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
    pad = getattr(tokenizer, "pad_token", None)
    ends = tuple(t for t in (*END_TOKENS, pad) if t)
    trimmed = True
    while trimmed:
        trimmed = False
        stripped = text.rstrip()
        for end in ends:
            if stripped.endswith(end):
                text, trimmed = stripped[: -len(end)], True
    for marker in stop or ():
        cut = text.find(marker)
        if cut >= 0:
            text = text[:cut]
    return text


def _local_location(spec: ModelSpec) -> str:
    """A folder or a hub id transformers can load without surprises, or a clear error up front."""
    if spec.kind == "local":
        return spec.source
    if cached_file(spec.source, "config.json") is None:
        if hub_offline():
            raise ModelUnavailableError(unavailable_message(spec, "there is no copy in the local hub cache"))
        unreachable = hub_unreachable()
        if unreachable:
            reason = f"there is no copy in the local hub cache and {unreachable}"
            raise ModelUnavailableError(unavailable_message(spec, reason))
    return spec.source


def _import_stack() -> tuple[Any, Any]:
    missing = [name for name in ("torch", "transformers") if importlib.util.find_spec(name) is None]
    if missing:
        raise ModelUnavailableError(
            f"Local inference needs {' and '.join(missing)}, which is not installed. Install the local "
            f"extra (pip install 'anyres-agent[local]'), or use a served model with --endpoint "
            f"http://HOST:8000/v1 (vLLM, SGLang, Ollama, LM Studio)."
        )
    import torch
    import transformers

    return torch, transformers
