"""The locate cache must not pass a broken test: after a layout change a cached point is checked by
what is there now (the element at the point, and the region's look), and `type` checks that the text
arrived. The regression: the form's three text inputs look alike, so after a redesign that moved the
fields the old spots still hashed the same; the cached clicks typed into the wrong fields (or into a
look-alike that is no field at all) and the tests passed anyway."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from page_server import PageServer
from ui_site import PageOracle

from anyres_agent.agent.testing import UI, BrowserHost, LocateCache, ModelSetup, UIAssertionError
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.families import get_family

# Labels sit well above their inputs, outside the hashed region: empty inputs look exactly alike.
FIELD = '<label for="{id}" style="position:absolute;left:40px;top:{label}px">{text}</label>'
BOX = 'style="position:absolute;left:40px;top:{top}px;width:300px;height:30px"'
INPUT = '<input id="{id}" autocomplete="off" ' + BOX + ">"
FAKE = '<input id="fake" readonly ' + BOX + ">"
FIELDS = {"name": "Name", "email": "Email", "city": "City"}
TARGETS = {"the name field": "#name", "the email field": "#email", "the city field": "#city"}


def form(order: list[str], fake_at: int | None = None) -> str:
    """The fields top to bottom in `order` (80 px apart); with `fake_at`, a look-alike that takes no
    text (a read-only input, drawn the same) takes that slot and the other fields move down one."""
    parts, top = [], 60
    for name in order:
        if fake_at is not None and top == fake_at:
            parts.append(FAKE.format(top=top))
            top += 80
        parts.append(FIELD.format(id=name, label=top - 40, text=FIELDS[name]))
        parts.append(INPUT.format(id=name, top=top))
        top += 80
    return (
        "<!doctype html><html><body style='margin:0;font:16px sans-serif'>"
        + "".join(parts)
        + "</body></html>"
    )


class FormSite(PageServer):
    """/form.html, whose layout a test swaps (the 'deploy')."""

    def __init__(self) -> None:
        self.page = form(["name", "email", "city"])
        super().__init__(lambda method, path: (self.page, "text/html") if path.startswith("/form") else None)


@pytest.fixture
def form_site() -> Iterator[FormSite]:
    site = FormSite()
    yield site
    site.close()


def _fill(
    host: BrowserHost, site: FormSite, cache: LocateCache, record: Path
) -> tuple[dict[str, str], list[str]]:
    """Three 'tests' in one page: type into each field; returns what each input holds, and where each
    locate came from."""
    holder: dict[str, UI] = {}
    family = get_family("qwen2vl")
    oracle = PageOracle(family, lambda: holder["ui"].env.page, targets=TARGETS)  # type: ignore[attr-defined]
    setup = ModelSetup(backend=ScriptedBackend(oracle), family=family, model="page-oracle")
    with host.ui(setup, site.url("/form.html"), viewport=(800, 600), cache=cache, record_dir=record) as ui:
        holder["ui"] = ui
        sources = [
            ui.type("Ada", into="the name field").source,  # type: ignore[union-attr]
            ui.type("ada@example.com", into="the email field").source,  # type: ignore[union-attr]
            ui.type("Paris", into="the city field").source,  # type: ignore[union-attr]
        ]
        values = ui.call(lambda env: env.page.evaluate(VALUES))  # type: ignore[attr-defined]
    return values, sources


VALUES = (
    "() => Object.fromEntries([...document.querySelectorAll('input:not(#fake)')].map(i => [i.id, i.value]))"
)
EXPECTED = {"name": "Ada", "email": "ada@example.com", "city": "Paris"}


def test_moved_look_alike_inputs_are_re_grounded_not_typed_into_by_their_old_spot(
    host: BrowserHost, form_site: FormSite, tmp_path: Path
) -> None:
    cache = LocateCache(tmp_path / "locate-cache.yaml")
    assert _fill(host, form_site, cache, tmp_path / "cold") == (EXPECTED, ["model", "model", "model"])
    form_site.page = form(["name", "city", "email"])  # the redesign: email and city swap places
    values, sources = _fill(host, form_site, cache, tmp_path / "warm")
    assert values == EXPECTED, "every text reached its own field"
    assert sources == ["cache", "healed", "healed"]


def test_a_look_alike_that_takes_no_text_is_not_typed_into(
    host: BrowserHost, form_site: FormSite, tmp_path: Path
) -> None:
    cache = LocateCache(tmp_path / "locate-cache.yaml")
    _fill(host, form_site, cache, tmp_path / "cold")
    form_site.page = form(["name", "email", "city"], fake_at=140)  # a read-only look-alike where email was
    values, sources = _fill(host, form_site, cache, tmp_path / "warm")
    assert values == EXPECTED
    assert sources == ["cache", "healed", "healed"]


def test_typing_that_reaches_no_field_fails_the_step(
    host: BrowserHost, form_site: FormSite, tmp_path: Path
) -> None:
    """Without a cache too: the model grounds the read-only look-alike, the click focuses it, and the
    typed text goes nowhere. That is a failed step, not a pass."""
    form_site.page = form(["name", "email", "city"], fake_at=60)
    holder: dict[str, UI] = {}
    family = get_family("qwen2vl")
    oracle = PageOracle(family, lambda: holder["ui"].env.page, targets={"the first field": "#fake"})  # type: ignore[attr-defined]
    setup = ModelSetup(backend=ScriptedBackend(oracle), family=family, model="page-oracle")
    with host.ui(setup, form_site.url("/form.html"), viewport=(800, 600), record_dir=tmp_path / "r") as ui:
        holder["ui"] = ui
        with pytest.raises(
            UIAssertionError, match=r"typed 'x' into 'the first field', but no text field took it"
        ):
            ui.type("x", into="the first field")
