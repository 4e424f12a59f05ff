"""Every family's default prompt is its official template, byte for byte (copies and sources in
fixtures/official_prompts/SOURCES.md); project lines appear only for actions an environment opts in to.

The action sets are the real environments' (plus the loop's own finish/answer/call_user): a browser or
a desktop gets the computer template, a phone the mobile one.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from anyres_agent.agent.guards import LOOP_ACTIONS
from anyres_agent.environments.android import SUPPORTED as ANDROID
from anyres_agent.environments.browser import SUPPORTED as BROWSER
from anyres_agent.environments.desktop import SUPPORTED as DESKTOP
from anyres_agent.model.conversation import ImagePart, TextPart
from anyres_agent.model.families import FAMILY_NAMES, get_family

OFFICIAL = Path(__file__).parent / "fixtures" / "official_prompts"
TASK = "Search for {cheap} flights to Lisbon"  # braces: a task is never read as a format string
COMPUTERS = {"browser": BROWSER | LOOP_ACTIONS, "desktop": DESKTOP | LOOP_ACTIONS}
PHONE = ANDROID | LOOP_ACTIONS
SHOT = Image.new("RGB", (28, 28))


def official(name: str) -> str:
    return (OFFICIAL / name).read_text(encoding="utf-8")


def first_text(family: str, actions: frozenset[str], screen: tuple[int, int] = (1920, 1080)) -> list[str]:
    """The texts of the conversation's first two messages (system turn, if any, and the user turn)."""
    f = get_family(family)
    frame = f.frame(screen=screen, image=screen)
    messages = f.build_messages(task=TASK, actions=actions, frame=frame, screenshot=SHOT)
    return [p.text for m in messages[:2] for p in m.content if isinstance(p, TextPart)]


@pytest.mark.parametrize("device", sorted(COMPUTERS))
def test_uitars15_computer_use(device: str) -> None:
    expected = (
        official("uitars15_computer.txt").replace("{language}", "English").replace("{instruction}", TASK)
    )
    assert first_text("uitars15", COMPUTERS[device])[0] == expected


def test_uitars15_mobile_use() -> None:
    expected = official("uitars15_mobile.txt").replace("{language}", "English").replace("{instruction}", TASK)
    assert first_text("uitars15", PHONE, (1080, 2400))[0] == expected


def test_uitars15_grounding() -> None:
    f = get_family("uitars15")
    (message,) = f.grounding_messages(
        instruction=TASK, frame=f.frame(screen=(1920, 1080), image=(1920, 1080)), screenshot=SHOT
    )
    assert message.content[0].text == official("uitars15_grounding.txt").replace("{instruction}", TASK)


@pytest.mark.parametrize("device", sorted(COMPUTERS))
def test_uitars_v1_computer(device: str) -> None:
    assert first_text("uitars", COMPUTERS[device])[0] == official("uitars_computer.txt") + TASK


def test_uitars_v1_mobile() -> None:
    assert first_text("uitars", PHONE, (1080, 2400))[0] == official("uitars_mobile.txt") + TASK


def test_uitars_v1_grounding_sends_the_image_first() -> None:
    f = get_family("uitars")
    (message,) = f.grounding_messages(
        instruction=TASK, frame=f.frame(screen=(1920, 1080), image=(1920, 1080)), screenshot=SHOT
    )
    assert isinstance(message.content[0], ImagePart)
    assert message.content[1].text == official("uitars_grounding.txt") + TASK


@pytest.mark.parametrize("device", sorted(COMPUTERS))
def test_qwen25vl_computer_use(device: str) -> None:
    system, user = first_text("qwen25vl", COMPUTERS[device])
    assert system == official("qwen25vl_computer_use_1932x1092.txt")  # 1920x1080 is seen at 1932x1092
    assert user == TASK  # the cookbook sends the bare query


@pytest.mark.parametrize(("screen", "fixture"), [((1080, 2400), "1092x2408"), ((720, 1280), "728x1288")])
def test_qwen25vl_mobile_use_as_the_cookbook_printed_it(screen: tuple[int, int], fixture: str) -> None:
    system, user = first_text("qwen25vl", PHONE, screen)
    assert system == official(f"qwen25vl_mobile_use_{fixture}.txt")
    assert user == f"The user query: {TASK}"


@pytest.mark.parametrize("device", sorted(COMPUTERS))
def test_qwen3vl_computer_use(device: str) -> None:
    assert first_text("qwen3vl", COMPUTERS[device])[0] == official("qwen3vl_computer_use.txt")


def test_qwen3vl_mobile_use_declares_the_999_grid() -> None:
    system = first_text("qwen3vl", PHONE, (1440, 3120))[0]
    assert system == official("qwen3vl_mobile_use.txt") and "999x999" in system


@pytest.mark.parametrize(
    ("actions", "fixture"), [(COMPUTERS["browser"], "showui_web.txt"), (PHONE, "showui_phone.txt")]
)
def test_showui_navigation(actions: frozenset[str], fixture: str) -> None:
    assert first_text("showui", actions)[0] == official(fixture) + f"Task: {TASK}"


def test_showui_grounding() -> None:
    f = get_family("showui")
    (message,) = f.grounding_messages(
        instruction=TASK, frame=f.frame(screen=(1920, 1080), image=(1920, 1080)), screenshot=SHOT
    )
    assert message.content[0].text == official("showui_grounding.txt")
    assert message.content[2].text == TASK


@pytest.mark.parametrize("actions", [COMPUTERS["browser"], PHONE])
def test_osatlas_pro(actions: frozenset[str]) -> None:
    texts = first_text("osatlas", actions)
    assert texts == [official("osatlas_pro.txt"), f"Task instruction: {TASK}\nHistory: null"]


@pytest.mark.parametrize("family", ["qwen2vl", "osatlas"])
def test_os_atlas_base_grounding(family: str) -> None:
    f = get_family(family)
    (message,) = f.grounding_messages(
        instruction=TASK, frame=f.frame(screen=(1920, 1080), image=(1920, 1080)), screenshot=SHOT
    )
    assert message.content[1].text == official("osatlas_base_grounding.txt").replace("{instruction}", TASK)


EXTRA_WORDS = {  # how each family's prompt names the opt-in navigate action
    "qwen2vl": "### navigate",
    "qwen25vl": "* `navigate`: Open the URL",
    "qwen3vl": "* `navigate`: Open the URL",
    "uitars": "navigate(url=",
    "uitars15": "navigate(url=",
    "showui": "`NAVIGATE`",
    "osatlas": "NAVIGATE [url]",
}


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_project_lines_are_opt_in(name: str) -> None:
    """A browser can navigate, but no official template says so: the line appears only when opted in
    (AgentConfig.extra_actions / --extra-action navigate), and the rest of the prompt stays official."""
    f = get_family(name)
    frame = f.frame(screen=(1920, 1080), image=(1920, 1080))
    actions = COMPUTERS["browser"]

    def prompt(extras: frozenset[str]) -> str:
        messages = f.build_messages(task=TASK, actions=actions, frame=frame, screenshot=SHOT, extras=extras)
        return "\n".join(m.plain_text() for m in messages)

    plain, extended = prompt(frozenset()), prompt(frozenset({"navigate"}))
    word = EXTRA_WORDS[name]
    if name == "qwen2vl":  # no official agent template: its own prompt lists what the environment allows
        assert word in plain and plain == extended
        return
    assert word not in plain and word in extended
    assert len(extended) > len(plain)


def test_a_gym_environment_opts_in_to_choose(run: Callable[[Coroutine[Any, Any, Any]], Any]) -> None:
    from anyres_agent.agent.env_hints import prompt_extras
    from anyres_agent.environments.gym_env import GymEnvironment

    class Browser:
        def supported_actions(self) -> frozenset[str]:
            return BROWSER

    gym = GymEnvironment("FrozenLake-v1", make_kwargs={"is_slippery": False}, seed=0)
    try:
        assert prompt_extras(gym) == {"choose"}
    finally:
        run(gym.close())
    assert prompt_extras(Browser()) == frozenset()
    assert prompt_extras(Browser(), ["navigate", "choose"]) == {"navigate"}  # only what it can do
