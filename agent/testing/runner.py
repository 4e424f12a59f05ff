"""Running YAML flows: each step through the `UI` test API, each flow a JUnit test case.

A failed assertion (or a query whose answer is not the expected one, or an element the model cannot
find) fails the flow; anything else that stops it (no browser, the model server down) is an error, so
CI can tell a broken product from a broken setup.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from anyres_agent.agent.testing.flows import (
    QUERY_TYPES,
    DragArgs,
    Flow,
    LongPressArgs,
    QueryArgs,
    ScrollArgs,
    Step,
    TypeArgs,
    WaitUntilArgs,
)
from anyres_agent.agent.testing.junit import CaseResult
from anyres_agent.agent.testing.locate_cache import CacheMode, LocateCache

if TYPE_CHECKING:
    from anyres_agent.agent.testing.locate import ModelSetup
    from anyres_agent.agent.testing.ui import UI, BrowserHost
    from anyres_agent.model.backends.base import Backend


@dataclass
class RunOptions:
    """What the command line decides for every flow (each overrides the flow file's own value)."""

    model: str | None = None
    endpoint: str | None = None
    family: str | None = None
    cache: Path | None = None
    cache_mode: CacheMode = "use"
    report_dir: Path = Path("agent-reports")
    headed: bool = False
    backend: Backend | None = None
    """A ready backend (a scripted one in tests); None opens the model the options name."""


@dataclass
class FlowRun:
    """Shared between the flows of one run: one browser, one model setup and one cache per file."""

    options: RunOptions
    host: BrowserHost | None = None
    setups: dict[tuple[str | None, str | None, str | None], ModelSetup] = field(default_factory=dict)
    caches: dict[Path, LocateCache] = field(default_factory=dict)

    def setup_for(self, flow: Flow) -> ModelSetup:
        from anyres_agent.agent.testing.locate import ModelSetup

        o = self.options
        key = (o.model or flow.model, o.endpoint or flow.endpoint, o.family or flow.family)
        if key not in self.setups:
            self.setups[key] = ModelSetup.open(
                model=key[0], endpoint=key[1], family=key[2], backend=o.backend
            )
        return self.setups[key]

    def cache_for(self, flow: Flow) -> LocateCache | None:
        path = self.options.cache or (Path(flow.file).parent / flow.cache if flow.cache else None)
        if path is None:
            return None
        path = path.resolve()
        if path not in self.caches:
            self.caches[path] = LocateCache(path, mode=self.options.cache_mode)
        return self.caches[path]

    def open_ui(self, flow: Flow, record_dir: Path) -> UI:
        setup, cache = self.setup_for(flow), self.cache_for(flow)
        if flow.env.browser is not None:
            from anyres_agent.agent.testing.ui import BrowserHost

            if self.host is None:
                self.host = BrowserHost(headless=flow.env.browser.headless and not self.options.headed)
            spec = flow.env.browser
            return self.host.ui(
                setup, spec.url, viewport=spec.viewport, dpr=spec.dpr, cache=cache, record_dir=record_dir,
                name=flow.name,
            )  # fmt: skip
        from anyres_agent.agent.testing.desktop import open_desktop_ui

        display = flow.env.desktop.display if flow.env.desktop else None
        return open_desktop_ui(setup, cache=cache, record_dir=record_dir, name=flow.name, display=display)

    def close(self) -> None:
        if self.host is not None:
            self.host.close()
            self.host = None


def run_step(ui: UI, step: Step) -> str:
    """Do one step; returns a short note for the log (a query's answer, where a tap landed)."""
    value = step.value
    match step.kind:
        case "tap":
            return f"at {ui.tap(value).center}"
        case "double_tap":
            return f"at {ui.double_tap(value).center}"
        case "long_press":
            assert isinstance(value, LongPressArgs)
            return f"at {ui.long_press(value.target, value.duration).center}"
        case "type":
            assert isinstance(value, TypeArgs)
            ui.type(value.text, value.into)
            return ""
        case "key":
            ui.key(value)
            return ""
        case "scroll":
            assert isinstance(value, ScrollArgs)
            ui.scroll(
                value.until, direction=value.direction, distance=value.distance, max_scrolls=value.max_scrolls
            )
            return ""
        case "drag":
            assert isinstance(value, DragArgs)
            ui.drag(value.source, value.target)
            return ""
        case "assert":
            return ui.assert_that(value)
        case "query":
            assert isinstance(value, QueryArgs)
            answer = ui.query(value.question, QUERY_TYPES[value.type])
            if value.expect is not None and answer != value.expect:
                raise AssertionError(
                    f"query {value.question!r} answered {answer!r}, expected {value.expect!r}"
                )
            return f"answer {answer!r}"
        case "wait_until":
            assert isinstance(value, WaitUntilArgs)
            return ui.wait_until(value.statement, value.timeout, value.interval)
        case "navigate":
            ui.goto(value)
            return ""
        case "wait":
            time.sleep(float(value))
            return ""
    raise ValueError(f"unknown step kind {step.kind!r}")  # pragma: no cover - the schema rejects it


def run_flow(
    flow: Flow, run: FlowRun, *, echo: Callable[[str], None] = print, record_root: Path | None = None
) -> CaseResult:
    """Run every step of a flow; stops at the first failure. Writes the HTML report when it fails."""
    import tempfile

    start = time.perf_counter()
    classname = Path(flow.file).stem if flow.file else "flows"
    record_dir = Path(tempfile.mkdtemp(prefix="agent-flow-", dir=record_root))
    case = CaseResult(name=flow.name, classname=classname, seconds=0.0, file=str(flow.file or ""))
    log: list[str] = []
    ui: UI | None = None
    current: tuple[int, Step] | None = None
    try:
        ui = run.open_ui(flow, record_dir)
        for number, step in enumerate(flow.steps, 1):
            current = (number, step)
            note = run_step(ui, step)
            log.append(
                f"step {number} (line {step.line}) {step.describe()}: ok{' - ' + note if note else ''}"
            )
    except AssertionError as error:
        case.outcome, case.message = (
            "failed",
            str(error).splitlines()[0] if str(error) else "assertion failed",
        )
        case.details = _where(flow, current) + str(error)
        screenshot = getattr(error, "screenshot", None)
        if screenshot:
            case.attachments.append(str(screenshot))
    except Exception as error:
        case.outcome = "error"
        case.message = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        case.details = _where(flow, current) + f"{type(error).__name__}: {error}"
    finally:
        case.seconds = time.perf_counter() - start
        case.output = "\n".join(log)
        if ui is not None:
            ui.close(failed=case.outcome != "passed", reason=case.message)
            if case.outcome != "passed":
                report = ui.write_report(run.options.report_dir / f"{classname}-{_slug(flow.name)}.html")
                case.properties["report"] = str(report)
                case.details += f"\nreport: {report}"
    if ui is not None and case.outcome == "passed":
        cached = sum(s.source == "cache" for s in ui.steps)
        echo(
            f"PASS  {flow.name} ({flow.file}) {case.seconds:.1f} s, "
            f"{len(ui.steps)} steps, {cached} located from the cache"
        )
    else:
        echo(f"{case.outcome.upper():5} {flow.name} ({flow.file}) {case.seconds:.1f} s\n      {case.details}")
    return case


def _where(flow: Flow, current: tuple[int, Step] | None) -> str:
    if current is None:
        return f"{flow.file}:{flow.line}: before the first step\n"
    number, step = current
    return f"{flow.file}:{step.line}: step {number} ({step.describe()})\n"


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-")[:80] or "flow"
