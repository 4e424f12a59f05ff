"""The doctor's measurement: aim at each target the way a perfect model would, through the real
chain, and measure where the click really lands.

For each target: find it in the screenshot by its colour (image space); express that point in the
image the model really sees (the frame's resized size, or the size the server resizes it to when the
probe found one) and write it as the family's own answer text (`Family.render`); read the text back
with the client's frame (`Family.parse`), as the loop would; run the click on the device; read where
it landed from the calibration surface. A correct setup lands within a pixel everywhere (the family's
own rounding aside); a wrong one shows a pattern, which `diagnose` names.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel, Field

from anyres_agent.agent.doctor.probe import ProbeResult
from anyres_agent.agent.doctor.surfaces import Surface, TruePoint
from anyres_agent.agent.doctor.targets import TargetSpec, find_in_image
from anyres_agent.environments.base import EnvironmentError_
from anyres_agent.model.answer import ParseError
from anyres_agent.model.frame import Fit as ImageFit
from anyres_agent.model.frame import Frame
from anyres_agent.tools import Click

OFF_SCREEN = "off screen (refused)"


class TargetRow(BaseModel):
    index: int
    target: tuple[float, float] = Field(description="where the target really is (screen px)")
    model_text: str = ""
    aimed: tuple[int, int] | None = Field(None, description="the screen point the parsed text clicked")
    landed: tuple[float, float] | None = None
    error_px: float | None = None
    problem: str = ""


class Fit(BaseModel):
    """landed = scale * target + offset, per axis (least squares over the clicks that landed)."""

    scale: tuple[float, float]
    offset: tuple[float, float]


class DoctorReport(BaseModel):
    env: str
    family: str
    space: str
    model: str
    min_pixels: int
    max_pixels: int
    server_profile: str | None = None
    screen: tuple[int, int] = Field(description="screen space as the setup takes it")
    device_screen: tuple[int, int] = Field(description="screen space as the adapter measured it")
    image: tuple[int, int] = Field(description="the screenshot as captured")
    measured_dpr: float = Field(description="image width / screen width, as the setup sees them")
    true_dpr: float | None = Field(
        None, description="the device's own ratio (the browser's devicePixelRatio)"
    )
    resized: tuple[int, int] = Field(description="what the client sends the model (the frame's size)")
    image_fit: str = Field("pad", description="pad: the screenshot unscaled on a grid-sized canvas; resize")
    seen: tuple[int, int] = Field(description="what the model sees (after the server, when probed)")
    model_unit_px: float = Field(description="screen pixels per model unit: the family's own rounding")
    tolerance_px: float
    probe: ProbeResult | None = None
    rows: list[TargetRow] = Field(default_factory=list)
    fit: Fit | None = None
    diagnosis: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.error_px is not None and r.error_px <= self.tolerance_px for r in self.rows)

    @property
    def worst_px(self) -> float | None:
        errors = [r.error_px for r in self.rows if r.error_px is not None]
        return max(errors) if errors else None


def model_unit_px(frame: Frame) -> float:
    """How many screen pixels one step of the family's numbers is worth (0-1 answers are written with
    as many decimals as a screen pixel needs, so they count as one pixel)."""
    if frame.space == "unit":
        return 1.0
    return max(frame.screen_width / frame.model_width, frame.screen_height / frame.model_height)


def _fit_axis(truth: list[float], went: list[float]) -> tuple[float, float] | None:
    n = len(truth)
    mean_t, mean_w = sum(truth) / n, sum(went) / n
    spread = sum((t - mean_t) ** 2 for t in truth)
    if not spread:
        return None
    scale = sum((t - mean_t) * (w - mean_w) for t, w in zip(truth, went, strict=True)) / spread
    return scale, mean_w - scale * mean_t


def fit(rows: list[TargetRow]) -> Fit | None:
    """Where clicks go: the landing point or, for a click the device refused as off screen, the point
    it was aimed at (where it would have gone)."""
    pairs: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for row in rows:
        went = row.landed or (row.aimed if row.problem == OFF_SCREEN else None)
        if went is not None:
            pairs.append((row.target, (float(went[0]), float(went[1]))))
    if len(pairs) < 2:
        return None
    x = _fit_axis([t[0] for t, _ in pairs], [w[0] for _, w in pairs])
    y = _fit_axis([t[1] for t, _ in pairs], [w[1] for _, w in pairs])
    if x is None or y is None:
        return None
    return Fit(scale=(x[0], y[0]), offset=(x[1], y[1]))


async def measure(
    surface: Surface,
    family: Any,
    specs: list[TargetSpec],
    *,
    min_pixels: int,
    max_pixels: int,
    model: str,
    assume_screen: tuple[int, int] | None = None,
    probe: Any = None,
    image_fit: ImageFit = "pad",
) -> DoctorReport:
    """Aim at every target through the family's text and the client's frame; see where it lands.
    `probe(frame, screenshot)` (optional) asks the server what size it shows the model."""
    env = surface.env
    observation = await env.observe()
    screen = assume_screen or (observation.screen.width, observation.screen.height)
    image = observation.screenshot.size
    client = family.frame(
        screen=screen, image=image, min_pixels=min_pixels, max_pixels=max_pixels, fit=image_fit
    )
    probed: ProbeResult | None = (
        await probe(client, observation.screenshot.image) if probe is not None else None
    )
    seen = (
        probed.seen
        if probed is not None and probed.seen is not None
        else (client.resized_width, client.resized_height)
    )
    # what the model's numbers really refer to: the image it saw
    seen_frame = dataclasses.replace(
        client, resized_width=seen[0], resized_height=seen[1],
        content_width=round(client.content_width * seen[0] / client.resized_width),
        content_height=round(client.content_height * seen[1] / client.resized_height),
    )  # fmt: skip
    truth = await surface.targets()
    rows: list[TargetRow] = []
    arrived = len(await surface.clicks())  # read once per click: a desktop read waits for late reports
    for spec, true in zip(specs, truth, strict=True):
        row = TargetRow(index=spec.index, target=(true.x, true.y))
        rows.append(row)
        found = find_in_image(observation.screenshot.image, spec.rgb)
        if found is None:
            row.problem = "not in the screenshot"
            continue
        intent = seen_frame.image_to_screen(*found)
        screen_w, screen_h = screen
        point = Click(x=min(round(intent[0]), screen_w - 1), y=min(round(intent[1]), screen_h - 1))
        row.model_text = family.render([point], seen_frame)
        try:
            parsed = family.parse(row.model_text, client).steps[0].action
        except (ParseError, IndexError) as error:
            row.problem = f"did not parse back: {error}"
            continue
        row.aimed = (parsed.x, parsed.y)
        try:
            await env.execute(parsed)
        except EnvironmentError_ as error:
            row.problem = OFF_SCREEN if "off the" in str(error) else f"refused: {str(error).split(';')[0]}"
        clicks = await surface.clicks(expected=arrived + (0 if row.problem else 1))
        before, arrived = arrived, len(clicks)
        if row.problem:
            continue
        if arrived == before:
            row.problem = "no click arrived"
            continue
        landed: TruePoint = clicks[-1]
        row.landed = (landed.x, landed.y)
        row.error_px = round(((landed.x - true.x) ** 2 + (landed.y - true.y) ** 2) ** 0.5, 2)
    unit = model_unit_px(client)
    report = DoctorReport(
        env=surface.kind, family=family.name, space=client.space, model=model, min_pixels=min_pixels,
        max_pixels=max_pixels, screen=screen, image=image,
        device_screen=(observation.screen.width, observation.screen.height),
        measured_dpr=round(image[0] / screen[0], 4), true_dpr=await surface.true_dpr(),
        resized=(client.resized_width, client.resized_height), image_fit=image_fit, seen=seen,
        model_unit_px=round(unit, 3),
        tolerance_px=max(1.0, round(unit / 2 + 0.5)), probe=probed, rows=rows, fit=fit(rows),
    )  # fmt: skip
    report.diagnosis = diagnose(report)
    return report


def diagnose(report: DoctorReport) -> list[str]:
    """Name the pattern behind the errors, most likely cause first."""
    notes: list[str] = []
    probe = report.probe
    if probe is not None and probe.resized:
        consequence = (
            "the family's 0-1000 coordinates do not depend on the size, so clicks still land"
            if report.space in ("norm1000", "unit")
            else "the model's pixel coordinates are read in the wrong frame"
        )
        notes.append(
            f"the server resizes images again: the client sends {probe.sent[0]}x{probe.sent[1]} "
            f"({probe.expected_tokens} image tokens) and the server counts {probe.counted_tokens} "
            f"({'about ' if probe.note else ''}{probe.seen[0]}x{probe.seen[1]}); {consequence}. Give the "  # type: ignore[index]
            "server the same pixel budget (vLLM: --mm-processor-kwargs) or pass --min-pixels/--max-pixels"
        )
    if report.ok:
        worst = report.worst_px or 0.0
        notes.insert(
            0,
            f"OK: every click landed within {worst:g} px of its target "
            f"(tolerance {report.tolerance_px:g} px)",
        )
        return notes
    if report.true_dpr and abs(report.true_dpr - report.measured_dpr) > 0.01:
        notes.append(
            f"the setup's DPR is {report.measured_dpr:g} (image {report.image[0]} / screen "
            f"{report.screen[0]}) but the device's is {report.true_dpr:g}"
        )
    missing = [r for r in report.rows if r.landed is None]
    if missing:
        kinds = sorted({r.problem for r in missing})
        notes.append(f"{len(missing)} of {len(report.rows)} clicks never landed ({'; '.join(kinds)})")
    f = report.fit
    if f is not None:
        scale = (f.scale[0] + f.scale[1]) / 2
        if abs(scale - 1) > 0.02:
            notes.append(_scale_note(report, scale))
        elif max(abs(f.offset[0]), abs(f.offset[1])) > report.tolerance_px:
            notes.append(
                f"clicks are shifted by ({f.offset[0]:+.1f}, {f.offset[1]:+.1f}) px: the screenshot and the "
                "input disagree about where the screen starts (window decorations, another monitor)"
            )
    if not any(n.startswith("clicks") for n in notes):
        notes.append(f"clicks miss by up to {report.worst_px} px without a clear pattern; see the table")
    return notes


def _scale_note(report: DoctorReport, scale: float) -> str:
    sx, sy = report.fit.scale if report.fit else (scale, scale)
    text = f"clicks land at {sx:.2f}x / {sy:.2f}x the target's position"
    assumed, device, dpr = report.screen, report.device_screen, report.true_dpr
    if assumed != device and abs(scale - assumed[0] / device[0]) < 0.05:
        why = (
            " (the screenshot's size: screen space is taken for image space)"
            if assumed == report.image
            else ""
        )
        at = f" at DPR {report.image[0] / device[0]:g}" if report.image != device else ""
        return (
            f"{text}: the setup takes the screen to be {assumed[0]}x{assumed[1]}{why}, but it is "
            f"{device[0]}x{device[1]}{at}; measure the screen (image width / screen width), "
            "never assume DPR 1"
        )
    if dpr and abs(dpr - 1) > 0.01 and abs(scale - dpr) < 0.05:
        return (
            f"{text}: screen space is taken for image space. The device's DPR is {dpr:g}, but the adapter "
            f"reports a {device[0]}x{device[1]} screen for a {report.image[0]}x{report.image[1]} screenshot"
        )
    if dpr and abs(dpr - 1) > 0.01 and abs(scale - 1 / dpr) < 0.05:
        return f"{text}: image space is taken for screen space (DPR {dpr:g} applied twice)"
    seen, sent = report.seen, report.resized
    if seen != sent and abs(scale - seen[0] / sent[0]) < 0.03:
        return (
            f"{text}: the model's numbers are pixels of a {seen[0]}x{seen[1]} image, read as "
            f"{sent[0]}x{sent[1]}"
        )
    return f"{text}: the frame's sizes do not match the device (screen {assumed}, image {report.image})"
