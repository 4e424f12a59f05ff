"""Tiny random Qwen2-VL / Qwen2.5-VL checkpoints with a real-special-token tokenizer, built offline.

No weights can be downloaded here, so tests build a checkpoint folder laid out like a hub download
(config.json, model.safetensors, tokenizer files, preprocessor_config.json, chat template) in well
under a second and load it through the same `open_backend` users call. Outputs are random tokens:
use it for shapes, counts and code paths, and the scripted backend for behaviour.
Recipe: research/feasibility.md section 4 (transformers 5.x).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
]
"""The Qwen2-VL specials in their real relative order; here they get ids 0..13."""

CORPUS = [
    "You are a helpful assistant. Thought: I need to click the Login button.",
    "Action: click(start_box='(235,512)') type(content='hello') scroll(direction='down') finished()",
    '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [100, 200]}}',
    "0123456789 (x1,y1),(x2,y2) [0.73, 0.21] system user assistant",
]

Variant = Literal["qwen2vl", "qwen25vl"]


def build_tiny_qwen2vl(path: str | Path, variant: Variant = "qwen2vl") -> Path:
    """Write a tiny random checkpoint of `variant` to `path` and return the folder.

    The image processor carries the hub checkpoints' pixel budget (min 3,136, max 12,845,056), so
    token counts match what a real Qwen2-VL / Qwen2.5-VL folder gives.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    from anyres_agent.model.backends.transformers_backend import QWEN_CHAT_TEMPLATE

    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=SPECIAL_TOKENS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(CORPUS * 4, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=SPECIAL_TOKENS[1:],
    )
    tokenizer.chat_template = QWEN_CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)
    (folder / "chat_template.json").write_text(json.dumps({"chat_template": QWEN_CHAT_TEMPLATE}))
    Qwen2VLImageProcessorPil(min_pixels=56 * 56, max_pixels=16384 * 28 * 28).save_pretrained(folder)

    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    text_config = dict(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=32_768,
        rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [2, 3, 3]},
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
    )
    token_ids = dict(
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    if variant == "qwen2vl":
        from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

        config = Qwen2VLConfig(
            text_config=text_config,
            vision_config=dict(depth=2, embed_dim=32, hidden_size=64, num_heads=2, mlp_ratio=2),
            **token_ids,
        )
        model = Qwen2VLForConditionalGeneration(config)
    elif variant == "qwen25vl":
        from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

        config = Qwen2_5_VLConfig(
            text_config=text_config,
            vision_config=dict(
                depth=2,
                hidden_size=32,
                intermediate_size=64,
                out_hidden_size=64,
                num_heads=2,
                fullatt_block_indexes=[1],
                window_size=112,
            ),
            **token_ids,
        )
        model = Qwen2_5_VLForConditionalGeneration(config)
    else:
        raise ValueError(f"unknown tiny model variant {variant!r}; use 'qwen2vl' or 'qwen25vl'")
    model.generation_config.eos_token_id = [ids["<|im_end|>"], ids["<|endoftext|>"]]
    model.save_pretrained(folder)
    return folder
