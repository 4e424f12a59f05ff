"""The neutral conversation a family builds and a backend sends: the contract between the two.

A family knows how its model was trained to be prompted; a backend knows how to move text and
images to a model (transformers, an OpenAI-compatible server, a script). They meet in these types.
Images in a request are already at the frame's smart-resized size, so no backend resizes again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from anyres_agent.model.frame import Frame


class TextPart(BaseModel):
    model_config = ConfigDict(frozen=True)
    type: Literal["text"] = "text"
    text: str


class LazyImage:
    """An image made on first use, with its size known up front.

    The loop hands families the frame-sized screenshot this way: a backend that needs pixels (a
    transformers processor) makes them once; one that sends an image over HTTP asks for `png()`, which
    can be the captured bytes themselves when the screenshot needed no change (no decode, no
    re-encode); one that needs only the size (the scripted backend, token accounting) pays nothing.
    """

    __slots__ = ("__weakref__", "_factory", "_image", "_lock", "_png", "_png_factory", "height", "width")

    def __init__(
        self,
        factory: Callable[[], Image.Image],
        size: tuple[int, int],
        *,
        png: Callable[[], bytes] | None = None,
    ) -> None:
        self._factory: Callable[[], Image.Image] | None = factory
        self._image: Image.Image | None = None
        self._png_factory = png
        self._png: bytes | None = None
        self._lock = threading.Lock()
        self.width, self.height = size

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    def load(self) -> Image.Image:
        with self._lock:
            if self._image is None:
                assert self._factory is not None
                image = self._factory()
                if image.size != self.size:
                    raise ValueError(f"lazy image promised {self.size} but made {image.size}")
                self._image, self._factory = image, None
            return self._image

    @property
    def has_png(self) -> bool:
        """The image came with its own way to PNG bytes (see `png`): the capture as it is, or the run's
        encoder; without one, a backend encodes the pixels itself."""
        return self._png_factory is not None or self._png is not None

    def png(self) -> bytes:
        """The image as PNG bytes, from the factory given (None when there is none)."""
        with self._lock:
            if self._png is None and self._png_factory is not None:
                self._png, self._png_factory = self._png_factory(), None
            if self._png is None:
                raise ValueError("this lazy image has no PNG source; encode its pixels instead")
            return self._png

    def __repr__(self) -> str:
        return f"LazyImage({self.width}x{self.height}, {'loaded' if self._image is not None else 'pending'})"


ImageLike = Image.Image | LazyImage


def pixels(image: ImageLike) -> Image.Image:
    """The PIL image behind an ImageLike (making a lazy one now)."""
    return image.load() if isinstance(image, LazyImage) else image


class ImagePart(BaseModel):
    """An image exactly as the model must see it (resized by the frame), possibly not made yet."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    type: Literal["image"] = "image"
    image: ImageLike

    @property
    def pixels(self) -> Image.Image:
        return pixels(self.image)


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)
    role: Literal["system", "user", "assistant"]
    content: list[TextPart | ImagePart]

    @classmethod
    def text(cls, role: Literal["system", "user", "assistant"], text: str) -> Message:
        return cls(role=role, content=[TextPart(text=text)])

    def plain_text(self) -> str:
        return "".join(p.text if isinstance(p, TextPart) else "<image>" for p in self.content)


class GenerationSettings(BaseModel):
    """Sampling settings; presets fill these from the model cards."""

    model_config = ConfigDict(frozen=True)
    max_new_tokens: int = Field(512, ge=1, le=32_768)
    temperature: float = Field(0.0, ge=0, le=2)
    top_p: float = Field(1.0, gt=0, le=1)
    repetition_penalty: float = Field(1.0, gt=0)
    frequency_penalty: float = Field(0.0, ge=-2, le=2)
    stop: list[str] = Field(default_factory=list)


class ModelRequest(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    messages: list[Message]
    frame: Frame | None = Field(None, description="the frame of the newest screenshot in the request")
    settings: GenerationSettings = Field(default_factory=GenerationSettings)

    def images(self) -> list[ImageLike]:
        """The request's images in order; `.size` is free, `model.conversation.pixels()` makes them."""
        return [p.image for m in self.messages for p in m.content if isinstance(p, ImagePart)]


class ModelReply(BaseModel):
    """The raw answer with what it cost. Every backend fills tokens and timings."""

    model_config = ConfigDict(frozen=True)
    text: str
    prompt_tokens: int = Field(0, ge=0)
    completion_tokens: int = Field(0, ge=0)
    image_tokens: int = Field(0, ge=0, description="LLM tokens spent on images, where the backend knows")
    timings: dict[str, float] = Field(
        default_factory=dict, description="seconds per phase, e.g. prepare, generate"
    )
    backend: str = ""
    model: str = ""
