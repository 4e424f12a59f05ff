"""Model presets: a short name that fixes the checkpoint, its family, its pixel budget and its settings.

A preset exists so that `--model ui-tars-1.5-7b` means one thing everywhere: the same hub id, the same
coordinate convention (through the family name) and the same min/max pixels on the client and on the
server, because a mismatch there silently moves every click of a Qwen2.5-VL-style model.

Sources (S-numbers are research/qwen2vl.md's list; hub pages were read through public copies):
- Hub ids: huggingface.co model pages (tree and card) for each id below; UI-TARS v1 moved from
  `bytedance-research/` to `ByteDance-Seed/`, and the old name is kept as an alias (the hub redirects).
- Checkpoint pixel budgets: `preprocessor_config.json` of Qwen2-VL / Qwen2.5-VL (min 3,136, max
  12,845,056, S4) and of Qwen3-VL (`size.shortest_edge` 65,536, `longest_edge` 16,777,216).
- Qwen greedy decoding with repetition_penalty 1.05: the Qwen2-VL/Qwen2.5-VL `generation_config.json`
  (top_k 1, top_p 0.001, temperature ~0: greedy in effect).
- UI-TARS v1: frequency_penalty 1 and max_tokens 128 (bytedance/UI-TARS README_v1, S21).
- UI-TARS-1.5: MIN_PIXELS 100*28*28, MAX_PIXELS 16384*28*28 (bytedance/UI-TARS README_coordinates, S8).
- ShowUI: min_pixels 256*28*28, max_pixels 1344*28*28 (showlab/ShowUI README quick start, S13).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from anyres_agent.model.conversation import GenerationSettings
from anyres_agent.model.frame import (
    CHECKPOINT_MAX_PIXELS,
    CHECKPOINT_MIN_PIXELS,
    QWEN3_MAX_PIXELS,
    QWEN3_MIN_PIXELS,
)

FAMILY_NAMES = ("qwen2vl", "qwen25vl", "uitars", "uitars15", "showui", "qwen3vl", "osatlas")
"""The families model.families registers; referred to by name so presets never import a family."""


_QWEN_GREEDY = GenerationSettings(temperature=0.0, repetition_penalty=1.05, max_new_tokens=512)
_QWEN_GENERATION_SOURCE = (
    "generation_config.json of the Qwen checkpoints: top_k 1 (greedy), repetition_penalty 1.05"
)


class Preset(BaseModel):
    """One named checkpoint with everything a client and a server must agree on."""

    model_config = ConfigDict(frozen=True)
    name: str
    hub_id: str
    family: str
    min_pixels: int = Field(gt=0)
    max_pixels: int = Field(gt=0)
    settings: GenerationSettings
    params_b: float = Field(description="parameters in billions (bf16 weights take about 2 GB each)")
    aliases: tuple[str, ...] = Field((), description="other hub ids of the same weights (renamed orgs)")
    notes: str = ""
    sources: tuple[str, ...] = ()

    @property
    def weights_gb(self) -> float:
        """bf16 weight memory, the floor of what a GPU needs before activations and KV cache."""
        return round(self.params_b * 2, 1)

    def hub_ids(self) -> tuple[str, ...]:
        return (self.hub_id, *self.aliases)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="qwen2-vl-2b",
            hub_id="Qwen/Qwen2-VL-2B-Instruct",
            family="qwen2vl",
            min_pixels=CHECKPOINT_MIN_PIXELS,
            max_pixels=CHECKPOINT_MAX_PIXELS,
            settings=_QWEN_GREEDY,
            params_b=2.2,
            notes="boxes as <|box_start|>(x1,y1),(x2,y2)<|box_end|> in 0-1000",
            sources=(
                "huggingface.co/Qwen/Qwen2-VL-2B-Instruct",
                "S4 preprocessor_config.json",
                _QWEN_GENERATION_SOURCE,
            ),
        ),
        Preset(
            name="qwen2-vl-7b",
            hub_id="Qwen/Qwen2-VL-7B-Instruct",
            family="qwen2vl",
            min_pixels=CHECKPOINT_MIN_PIXELS,
            max_pixels=CHECKPOINT_MAX_PIXELS,
            settings=_QWEN_GREEDY,
            params_b=8.3,
            sources=(
                "huggingface.co/Qwen/Qwen2-VL-7B-Instruct",
                "S4 preprocessor_config.json",
                _QWEN_GENERATION_SOURCE,
            ),
        ),
        Preset(
            name="qwen2.5-vl-3b",
            hub_id="Qwen/Qwen2.5-VL-3B-Instruct",
            family="qwen25vl",
            min_pixels=CHECKPOINT_MIN_PIXELS,
            max_pixels=CHECKPOINT_MAX_PIXELS,
            settings=_QWEN_GREEDY,
            params_b=3.8,
            notes="absolute pixels of the resized image; fits an 8-12 GB GPU",
            sources=(
                "Qwen2.5-VL README model list (S9)",
                "S4 preprocessor_config.json",
                _QWEN_GENERATION_SOURCE,
            ),
        ),
        Preset(
            name="qwen2.5-vl-7b",
            hub_id="Qwen/Qwen2.5-VL-7B-Instruct",
            family="qwen25vl",
            min_pixels=CHECKPOINT_MIN_PIXELS,
            max_pixels=CHECKPOINT_MAX_PIXELS,
            settings=_QWEN_GREEDY,
            params_b=8.3,
            notes="absolute pixels of the resized image; computer_use tool calls",
            sources=(
                "Qwen2.5-VL README `vllm serve` example (S9)",
                "S4 preprocessor_config.json",
                _QWEN_GENERATION_SOURCE,
            ),
        ),
        Preset(
            name="ui-tars-2b",
            hub_id="bytedance-research/UI-TARS-2B-SFT",
            family="uitars",
            min_pixels=CHECKPOINT_MIN_PIXELS,
            max_pixels=CHECKPOINT_MAX_PIXELS,
            settings=GenerationSettings(temperature=0.0, frequency_penalty=1.0, max_new_tokens=128),
            params_b=2.2,
            aliases=("ByteDance-Seed/UI-TARS-2B-SFT",),
            notes="Thought/Action text, 0-1000 coordinates (Qwen2-VL base)",
            sources=(
                "huggingface.co/bytedance-research/UI-TARS-2B-SFT (tree)",
                "README_v1: frequency_penalty=1, max_tokens=128 (S21)",
            ),
        ),
        Preset(
            name="ui-tars-7b",
            hub_id="ByteDance-Seed/UI-TARS-7B-DPO",
            family="uitars",
            min_pixels=CHECKPOINT_MIN_PIXELS,
            max_pixels=CHECKPOINT_MAX_PIXELS,
            settings=GenerationSettings(temperature=0.0, frequency_penalty=1.0, max_new_tokens=128),
            params_b=8.3,
            aliases=("bytedance-research/UI-TARS-7B-DPO",),
            notes="the v1 release README_v1 recommends (7B-DPO over 7B-SFT)",
            sources=(
                "huggingface.co/ByteDance-Seed/UI-TARS-7B-DPO",
                "README_v1: frequency_penalty=1, max_tokens=128 (S21)",
            ),
        ),
        Preset(
            name="ui-tars-1.5-7b",
            hub_id="ByteDance-Seed/UI-TARS-1.5-7B",
            family="uitars15",
            min_pixels=100 * 28 * 28,
            max_pixels=16384 * 28 * 28,
            settings=GenerationSettings(temperature=0.0, max_new_tokens=512),
            params_b=8.3,
            notes="absolute pixels of the resized image (Qwen2.5-VL base); strongest GUI grounder here",
            sources=(
                "huggingface.co/ByteDance-Seed/UI-TARS-1.5-7B",
                "README_coordinates: MIN_PIXELS 100*28*28, MAX_PIXELS 16384*28*28 (S8)",
            ),
        ),
        Preset(
            name="showui-2b",
            hub_id="showlab/ShowUI-2B",
            family="showui",
            min_pixels=256 * 28 * 28,
            max_pixels=1344 * 28 * 28,
            settings=GenerationSettings(temperature=0.0, max_new_tokens=128),
            params_b=2.2,
            notes="0-1 fractions; small pixel budget by design",
            sources=("showlab/ShowUI README quick start: min 256*28*28, max 1344*28*28 (S13)",),
        ),
        Preset(
            name="os-atlas-7b",
            hub_id="OS-Copilot/OS-Atlas-Base-7B",
            family="qwen2vl",
            min_pixels=CHECKPOINT_MIN_PIXELS,
            max_pixels=CHECKPOINT_MAX_PIXELS,
            settings=GenerationSettings(temperature=0.0, max_new_tokens=128),
            params_b=8.3,
            notes="grounding model: Qwen2-VL box tokens in 0-1000",
            sources=(
                "OS-Copilot/OS-Atlas README: AutoProcessor of the checkpoint, max_new_tokens=128 (S17)",
            ),
        ),
        Preset(
            name="os-atlas-pro-7b",
            hub_id="OS-Copilot/OS-Atlas-Pro-7B",
            family="osatlas",
            min_pixels=CHECKPOINT_MIN_PIXELS,
            max_pixels=CHECKPOINT_MAX_PIXELS,
            settings=GenerationSettings(temperature=0.0, max_new_tokens=128),
            params_b=8.3,
            notes="action model: `actions:` lines such as CLICK <point>[[x, y]]</point> in 0-1000",
            sources=(
                "huggingface.co/OS-Copilot/OS-Atlas-Pro-7B model card: Qwen2VLForConditionalGeneration, "
                "max_new_tokens=128",
            ),
        ),
        Preset(
            name="qwen3-vl-4b",
            hub_id="Qwen/Qwen3-VL-4B-Instruct",
            family="qwen3vl",
            min_pixels=QWEN3_MIN_PIXELS,
            max_pixels=QWEN3_MAX_PIXELS,
            settings=GenerationSettings(temperature=0.0, max_new_tokens=512),
            params_b=4.4,
            notes="factor 32, 0-1000 coordinates; needs transformers with qwen3_vl",
            sources=("docs.nvidia.com NeMo AutoModel model list", "Qwen3-VL preprocessor_config.json size"),
        ),
        Preset(
            name="qwen3-vl-8b",
            hub_id="Qwen/Qwen3-VL-8B-Instruct",
            family="qwen3vl",
            min_pixels=QWEN3_MIN_PIXELS,
            max_pixels=QWEN3_MAX_PIXELS,
            settings=GenerationSettings(temperature=0.0, max_new_tokens=512),
            params_b=8.8,
            sources=("huggingface.co/Qwen/Qwen3-VL-8B-Instruct", "Qwen3-VL preprocessor_config.json size"),
        ),
    )
}

DEFAULT_PRESET = "ui-tars-1.5-7b"
"""bf16 weights (~17 GB) fit one 24 GB consumer GPU, and it has the best published GUI grounding of these
presets (ScreenSpot-Pro 49.6 vs 29.0 for Qwen2.5-VL-7B and 18.9 for OS-Atlas-7B, authors' claims)."""


def get_preset(name: str) -> Preset | None:
    """The preset called `name` (case-insensitive), or None."""
    return PRESETS.get(name.strip().lower())


def preset_for_hub_id(hub_id: str) -> Preset | None:
    """The preset whose hub id (or alias) is `hub_id`, case-insensitive, or None."""
    wanted = hub_id.strip().lower()
    for preset in PRESETS.values():
        if wanted in (h.lower() for h in preset.hub_ids()):
            return preset
    return None


def preset_for_folder_name(folder_name: str) -> Preset | None:
    """The preset whose hub repo name equals a local folder's name (e.g. `~/models/UI-TARS-1.5-7B`)."""
    wanted = folder_name.strip().lower()
    for preset in PRESETS.values():
        if wanted in (h.split("/")[-1].lower() for h in preset.hub_ids()):
            return preset
    return None
