"""Presets and what --model resolves to: preset name, local folder, hub id, served name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anyres_agent.agent.cli import main
from anyres_agent.model.backends import ModelSpecError, ModelUnavailableError, resolve_model
from anyres_agent.model.presets import DEFAULT_PRESET, FAMILY_NAMES, PRESETS, preset_for_hub_id


def test_every_preset_is_consistent() -> None:
    assert DEFAULT_PRESET in PRESETS
    hub_ids = [h.lower() for p in PRESETS.values() for h in p.hub_ids()]
    assert len(hub_ids) == len(set(hub_ids))
    for preset in PRESETS.values():
        assert preset.family in FAMILY_NAMES, preset.name
        assert 0 < preset.min_pixels <= preset.max_pixels, preset.name
        assert preset.sources, f"{preset.name} must cite where its values come from"


def test_published_pixel_budgets() -> None:
    assert (PRESETS["ui-tars-1.5-7b"].min_pixels, PRESETS["ui-tars-1.5-7b"].max_pixels) == (
        78_400,
        12_845_056,
    )
    assert (PRESETS["showui-2b"].min_pixels, PRESETS["showui-2b"].max_pixels) == (200_704, 1_053_696)
    assert PRESETS["ui-tars-7b"].settings.frequency_penalty == 1.0
    assert PRESETS["ui-tars-7b"].settings.max_new_tokens == 128


def test_preset_name_fixes_family_pixels_and_settings() -> None:
    spec = resolve_model("UI-TARS-1.5-7B")
    assert (spec.kind, spec.source, spec.family, spec.preset) == (
        "preset",
        "ByteDance-Seed/UI-TARS-1.5-7B",
        "uitars15",
        "ui-tars-1.5-7b",
    )
    assert resolve_model(None).preset == DEFAULT_PRESET


def test_overrides_win_over_the_preset() -> None:
    spec = resolve_model("qwen2.5-vl-7b", max_pixels=1280 * 28 * 28, family="uitars15")
    assert (spec.family, spec.max_pixels, spec.min_pixels) == ("uitars15", 1_003_520, 3136)
    with pytest.raises(ModelSpecError, match="min_pixels"):
        resolve_model("qwen2.5-vl-7b", min_pixels=2_000_000, max_pixels=1_000_000)
    with pytest.raises(ModelSpecError, match="unknown family 'llava'"):
        resolve_model("qwen2.5-vl-7b", family="llava")


def test_hub_id_of_a_preset_or_its_old_org_gets_the_preset(hub_offline: Path) -> None:
    spec = resolve_model("bytedance-research/UI-TARS-7B-DPO")
    assert (spec.kind, spec.preset, spec.family) == ("hub", "ui-tars-7b", "uitars")
    assert preset_for_hub_id("qwen/qwen2-vl-7b-instruct") is PRESETS["qwen2-vl-7b"]


def test_unknown_hub_id_needs_a_family_hint_or_a_name_hint(hub_offline: Path) -> None:
    assert resolve_model("someone/my-showui-finetune").family == "showui"
    with pytest.raises(ModelSpecError, match="--family"):
        resolve_model("someone/mystery-model")
    assert resolve_model("someone/mystery-model", family="qwen25vl").family == "qwen25vl"


def test_local_folder_named_like_a_preset_takes_the_preset(tmp_path: Path) -> None:
    folder = tmp_path / "UI-TARS-1.5-7B"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "qwen2_5_vl"}))
    spec = resolve_model(str(folder))
    assert (spec.kind, spec.family, spec.preset, spec.min_pixels) == (
        "local",
        "uitars15",
        "ui-tars-1.5-7b",
        78_400,
    )


def test_served_model_keeps_its_name_and_a_preset_its_hub_id() -> None:
    served = resolve_model("ui-tars", endpoint="http://gpu:8000/v1", family="uitars")
    assert (served.kind, served.source, served.family) == ("served", "ui-tars", "uitars")
    preset = resolve_model("showui-2b", endpoint="http://gpu:8000/v1")
    assert (preset.source, preset.max_pixels) == ("showlab/ShowUI-2B", 1_053_696)


def test_bad_model_strings() -> None:
    with pytest.raises(ModelSpecError, match="not a preset"):
        resolve_model("gpt4")
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        resolve_model("./models/nowhere")


def test_agent_models_lists_presets_and_marks_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert f"{DEFAULT_PRESET} *" in out
    assert all(name in out for name in PRESETS)


def test_agent_models_json_and_resolve(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows if r["default"]] == [DEFAULT_PRESET]
    assert {r["name"] for r in rows} == set(PRESETS)
    assert main(["models", "--resolve", "showui-2b", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["family"] == "showui"
    assert main(["models", "--resolve", "gpt4"]) == 2
    assert "not a preset" in capsys.readouterr().err


def test_agent_models_counts_image_tokens_with_each_familys_own_factor(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from anyres_agent.model.families import get_family

    assert main(["models"]) == 0
    assert "256-1,344" in capsys.readouterr().out  # ShowUI-2B: 200,704-1,053,696 pixels at 28
    monkeypatch.setattr(type(get_family("showui")), "factor", 56)  # the table must follow the family
    assert main(["models"]) == 0
    assert "64-336" in capsys.readouterr().out
