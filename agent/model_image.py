"""The screenshot as the model sees it: made lazily, and without a resample or re-encode when possible.

The frame says what the model must be sent (model.frame): the capture itself when it is already on the
factor's grid within the budget, the capture padded to that grid, or a resample when the budget
forces one. An HTTP backend asks for PNG bytes and a local model for pixels; each is made only when
asked, so a step pays for what its backend uses:

| frame     | PNG for an HTTP backend                               | pixels for a local model |
|-----------|-------------------------------------------------------|--------------------------|
| unchanged | the captured PNG bytes as they are (browser, phone)   | the capture, decoded     |
| padded    | the incremental encoder: only changed rows recompress | the capture on a canvas  |
| resampled | the resampled pixels through the same encoder         | the resampled pixels     |

The run's encoder (environments.png, ISA-L's deflate where installed) is about 10x faster than Pillow's
PNG at level 1 (bench_request_prep.py), so the resampled case goes through it too.
"""

from __future__ import annotations

from PIL import Image

from anyres_agent.environments.png import PngEncoder
from anyres_agent.environments.screenshot import Screenshot
from anyres_agent.model.backends.images import prepare_screenshot
from anyres_agent.model.conversation import LazyImage
from anyres_agent.model.frame import Frame, FrameError


def model_image(shot: Screenshot, frame: Frame, encoder: PngEncoder) -> LazyImage:
    """`shot` as the model must see it under `frame`. `encoder` is the run's own encoder for model
    images (one stream of same-sized frames, so a step whose screen barely changed costs little)."""
    if shot.size != (frame.image_width, frame.image_height):
        raise FrameError(
            f"screenshot is {shot.width}x{shot.height} but the frame was built for "
            f"{frame.image_width}x{frame.image_height}; build the frame from this screenshot"
        )
    size = (frame.resized_width, frame.resized_height)

    def pixels() -> Image.Image:
        return prepare_screenshot(shot.image, frame)

    def png() -> bytes:
        if frame.unchanged or frame.padded:
            return shot.rgb_png(size, encoder)
        # resampled: a backend asks for pixels or PNG, not both, so neither keeps the other's work
        return encoder.encode(pixels().tobytes(), size, "RGB")

    return LazyImage(pixels, size, png=png)
