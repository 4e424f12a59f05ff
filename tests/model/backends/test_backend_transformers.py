"""The local transformers backend on tiny random checkpoints, opened the way users open a model."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from pathlib import Path

import pytest
from PIL import Image

from anyres_agent.model.backends import ModelUnavailableError, open_backend, prepare_screenshot
from anyres_agent.model.backends.transformers_backend import TransformersBackend, decode
from anyres_agent.model.conversation import GenerationSettings, ImagePart, Message, ModelRequest, TextPart
from anyres_agent.model.frame import CHECKPOINT_MAX_PIXELS, CLASS_DEFAULT_MAX_PIXELS, Frame

SHORT = GenerationSettings(max_new_tokens=4)


def _request(screenshot: Image.Image, frame: Frame) -> ModelRequest:
    resized = prepare_screenshot(screenshot, frame)
    return ModelRequest(
        messages=[
            Message.text("system", "You are a GUI agent."),
            Message(
                role="user", content=[ImagePart(image=resized), TextPart(text="Click the Login button.")]
            ),
        ],
        frame=frame,
        settings=SHORT,
    )


@pytest.mark.parametrize(
    ("fixture", "space"), [("tiny_qwen2vl_dir", "norm1000"), ("tiny_qwen25vl_dir", "resized")]
)
@pytest.mark.parametrize(
    ("max_pixels", "expected_tokens"), [(CHECKPOINT_MAX_PIXELS, 2691), (CLASS_DEFAULT_MAX_PIXELS, 1222)]
)
def test_image_tokens_equal_what_the_frame_predicted(
    request: pytest.FixtureRequest,
    fixture: str,
    space: str,
    max_pixels: int,
    expected_tokens: int,
    screenshot_1080p: Image.Image,
) -> None:
    folder: Path = request.getfixturevalue(fixture)
    backend, spec = open_backend(str(folder), max_pixels=max_pixels)
    frame = Frame.build(
        space=space, screen=(1920, 1080), min_pixels=spec.min_pixels, max_pixels=spec.max_pixels
    )  # type: ignore[arg-type]

    reply = asyncio.run(backend.complete(_request(screenshot_1080p, frame)))

    assert frame.image_tokens == expected_tokens
    assert reply.image_tokens == frame.image_tokens
    assert reply.prompt_tokens > reply.image_tokens
    assert 1 <= reply.completion_tokens <= SHORT.max_new_tokens
    assert set(reply.timings) == {"prepare", "generate", "decode", "total"}
    assert all(seconds >= 0 for seconds in reply.timings.values())
    assert reply.backend == "transformers"


def test_local_folder_resolves_family_and_pixels_from_its_own_files(tiny_qwen25vl_dir: Path) -> None:
    _, spec = open_backend(str(tiny_qwen25vl_dir))
    assert spec.kind == "local"
    assert spec.family == "qwen25vl"
    assert (spec.min_pixels, spec.max_pixels) == (3136, CHECKPOINT_MAX_PIXELS)


def test_a_second_open_reuses_the_loaded_weights(tiny_qwen2vl_dir: Path) -> None:
    first, _ = open_backend(str(tiny_qwen2vl_dir))
    started = time.perf_counter()
    second, _ = open_backend(str(tiny_qwen2vl_dir))
    assert isinstance(first, TransformersBackend) and isinstance(second, TransformersBackend)
    assert second.loaded.model is first.loaded.model
    assert second.loaded.processor is first.loaded.processor
    assert time.perf_counter() - started < 0.5


def test_text_only_request_and_concurrent_calls_share_one_model(tiny_qwen2vl_dir: Path) -> None:
    backend, _ = open_backend(str(tiny_qwen2vl_dir))
    request = ModelRequest(messages=[Message.text("user", "Say hello.")], settings=SHORT)

    async def twice() -> list:
        return await asyncio.gather(backend.complete(request), backend.complete(request))

    replies = asyncio.run(twice())
    assert [r.image_tokens for r in replies] == [0, 0]
    assert replies[0].text == replies[1].text  # greedy decoding of the same prompt


def test_decoding_keeps_grounding_tokens_and_drops_the_end_token(tiny_qwen2vl_dir: Path) -> None:
    backend, _ = open_backend(str(tiny_qwen2vl_dir))
    assert isinstance(backend, TransformersBackend)
    tokenizer = backend.loaded.processor.tokenizer
    answer = "<|object_ref_start|>Login<|object_ref_end|><|box_start|>(449,463),(552,518)<|box_end|>"
    ids = tokenizer.encode(answer + "<|im_end|>", add_special_tokens=False)
    assert decode(tokenizer, ids) == answer
    assert decode(tokenizer, ids, stop=["<|box_start|>"]) == "<|object_ref_start|>Login<|object_ref_end|>"


def test_missing_hub_model_offline_is_one_clear_paragraph(hub_offline: Path) -> None:
    with pytest.raises(ModelUnavailableError) as caught:
        open_backend("qwen2.5-vl-7b")
    message = str(caught.value)
    assert "Qwen/Qwen2.5-VL-7B-Instruct" in message
    # the current commands: the hub CLI is `hf`, and vLLM takes its limits and processor kwargs as JSON
    assert "`hf download Qwen/Qwen2.5-VL-7B-Instruct --local-dir Qwen2.5-VL-7B-Instruct`" in message
    assert "--model /path/to/Qwen2.5-VL-7B-Instruct" in message and "huggingface-cli" not in message
    served = re.search(
        r"`vllm serve (\S+) --limit-mm-per-prompt '(.+?)' --mm-processor-kwargs '(.+?)'`", message
    )
    assert served is not None, message
    assert served.group(1) == "Qwen/Qwen2.5-VL-7B-Instruct" and json.loads(served.group(2)) == {"image": 5}
    assert json.loads(served.group(3)) == {"min_pixels": 3136, "max_pixels": 12845056}  # the preset's
    assert "--endpoint http://HOST:8000/v1 --model qwen2.5-vl-7b" in message
    assert "HF_HUB_OFFLINE" in message
    assert "\n" not in message and "Traceback" not in message
    assert caught.value.__cause__ is None


def test_unreachable_hub_fails_at_once_with_the_same_paragraph(
    hub_offline: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No HF_HUB_OFFLINE, but no route to the hub either (a fresh machine behind a firewall)."""
    with socket.socket() as held:  # a loopback port that nothing listens on, held so no one else can
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        monkeypatch.delenv("HF_HUB_OFFLINE")
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
        started = time.perf_counter()
        with pytest.raises(ModelUnavailableError) as caught:
            open_backend("qwen2-vl-2b")
    message = str(caught.value)
    assert f"the model hub at http://127.0.0.1:{port} cannot be reached" in message
    assert "--model /path/to/Qwen2-VL-2B-Instruct" in message and "--endpoint" in message
    assert time.perf_counter() - started < 5  # one probe, not the hub client's minute of retries


def test_unknown_hub_id_offline_names_that_id(hub_offline: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="someone/Qwen2-VL-finetune"):
        open_backend("someone/Qwen2-VL-finetune")


def test_missing_local_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        open_backend(str(tmp_path / "no-such-model"))


def test_processor_never_resizes_a_request_image_again(
    tiny_qwen2vl_dir: Path, tmp_path: Path, screenshot_1080p: Image.Image
) -> None:
    """A folder whose processor caps at 1,280 tokens (like AWQ checkpoints) still gets the frame's size."""
    import json
    import shutil

    capped = Path(shutil.copytree(tiny_qwen2vl_dir, tmp_path / "tiny-qwen2-vl-capped"))
    config_path = capped / "preprocessor_config.json"
    config = json.loads(config_path.read_text())
    config["size"]["longest_edge"] = CLASS_DEFAULT_MAX_PIXELS
    config_path.write_text(json.dumps(config))

    _, default_spec = open_backend(str(capped))
    assert default_spec.max_pixels == CLASS_DEFAULT_MAX_PIXELS  # read from the folder

    backend, spec = open_backend(str(capped), max_pixels=CHECKPOINT_MAX_PIXELS)
    frame = Frame.build(space="norm1000", screen=(1920, 1080), max_pixels=spec.max_pixels)
    reply = asyncio.run(backend.complete(_request(screenshot_1080p, frame)))
    assert reply.image_tokens == frame.image_tokens == 2691


def test_missing_weights_are_reported_before_torch_is_imported(hub_offline: Path) -> None:
    """The check is cheap: a user without the weights waits milliseconds, not for torch to import."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from anyres_agent.model.backends import ModelUnavailableError, open_backend\n"
        "try:\n    open_backend('ui-tars-1.5-7b')\n"
        "except ModelUnavailableError as error:\n    print('torch' in sys.modules, error)\n"
    )
    env = {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(hub_offline), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.startswith("False Model 'ui-tars-1.5-7b' (ByteDance-Seed/UI-TARS-1.5-7B)")
    assert result.stderr == ""


def test_stop_strings_and_sampling_settings_reach_generate(tiny_qwen2vl_dir: Path) -> None:
    backend, _ = open_backend(str(tiny_qwen2vl_dir))
    settings = GenerationSettings(max_new_tokens=3, temperature=0.7, top_p=0.9, stop=["<|box_end|>"])
    request = ModelRequest(messages=[Message.text("user", "Where is Login?")], settings=settings)
    reply = asyncio.run(backend.complete(request))
    assert reply.completion_tokens <= 3
    assert "<|box_end|>" not in reply.text
