"""The trajectory: every step written as it happens, so a crash loses at most the step in flight.

Layout of a record folder:

    run.json           the run: task (masked), status, reason, answer, model, env, config, totals
    steps/0001.json    one step: observation, what the model was sent, raw replies, parsed actions in
                       screen space, guard decisions, execution results, timings, tokens
    steps/0001.png     the screenshot as captured (image space)
    steps/0001.jpg     its scaled-down copy for the report, made as the step lands
    report.html        written at the end (agent.report)

Every file is written to a temporary name and moved into place with os.replace, which is atomic on
POSIX: a reader sees the old file or the new one, never half of one. All JSON goes through the
secret store's mask first, whatever the caller already did.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any, Literal, TypeVar

from PIL import Image
from pydantic import BaseModel, Field, ValidationError

from anyres_agent.agent.guards import GuardDecision
from anyres_agent.agent.secrets import SecretStore
from anyres_agent.environments.base import Target
from anyres_agent.environments.png import PngEncoder
from anyres_agent.environments.screenshot import Screenshot
from anyres_agent.tools import Action

RunStatus = Literal["running", "success", "failure", "stopped", "error"]
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")  # in a str, a surrogate is always unpaired


class RecordingError(OSError):
    """A trajectory file could not be written (disk full, a read-only or vanished folder): the run
    ends with this reason and the report is still written from what is on disk."""


THUMB_MAX_WIDTH = 1024
THUMB_QUALITY = 70


def thumbnail_jpeg(
    image: Image.Image, max_width: int = THUMB_MAX_WIDTH, quality: int = THUMB_QUALITY
) -> bytes:
    """A screenshot scaled down to `max_width` as JPEG, what the report embeds. Bilinear with a
    reducing gap: a third of Lanczos' time on a 1080p frame, and a report thumbnail shows no difference."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    if rgb.width > max_width:
        size = (max_width, max(1, round(rgb.height * max_width / rgb.width)))
        rgb = rgb.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    buffer = io.BytesIO()
    rgb.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


class ObservationInfo(BaseModel):
    url: str | None = None
    app: str | None = None
    text: str | None = None
    screen: tuple[int, int] = (0, 0)
    image: tuple[int, int] = (0, 0)


class SentMessage(BaseModel):
    """A prompt message as text; images appear as `<image>`."""

    role: str
    text: str


class Attempt(BaseModel):
    """One model call within a step: a step has more than one when a parse error was fed back."""

    request: list[SentMessage] = Field(default_factory=list)
    reply: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    image_tokens: int = 0
    seconds: float = 0.0
    parse_error: str | None = None
    note: str = Field("", description="how the reply was read, e.g. that an over-long reply was cut")


class PlannedAction(BaseModel):
    """A parsed action in screen space, its grounded box, and what became of it."""

    action: Action
    box: dict[str, int] | None = None
    target: Target | None = Field(None, description="what it lands on, read when it was judged")
    risk: str | None = None
    decision: Literal["pending", "approved", "rejected", "edited", "skipped"] = "pending"
    executed: bool = False
    ok: bool | None = None
    note: str = ""
    seconds: float = 0.0


class StepRecord(BaseModel):
    """Everything about one step; also the serializable 'step in flight' of the loop's run state."""

    index: int
    started_at: float = Field(default_factory=time.time)
    finished_at: float | None = None
    observation: ObservationInfo = Field(default_factory=ObservationInfo)
    screenshot: str | None = None
    frame: dict[str, Any] | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    thought: str = ""
    actions: list[PlannedAction] = Field(default_factory=list)
    decisions: list[GuardDecision] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="feedback for the next step")
    prompt_notes: list[str] = Field(
        default_factory=list, description="the notes its accepted prompt showed with its screenshot"
    )
    timings: dict[str, float] = Field(default_factory=dict)
    outcome: str = ""

    @property
    def raw(self) -> str:
        return self.attempts[-1].reply if self.attempts else ""

    def tokens(self) -> dict[str, int]:
        return {
            "prompt": sum(a.prompt_tokens for a in self.attempts),
            "completion": sum(a.completion_tokens for a in self.attempts),
            "image": sum(a.image_tokens for a in self.attempts),
        }


class RunRecord(BaseModel):
    id: str
    task: str
    status: RunStatus = "running"
    reason: str = ""
    answer: str | None = None
    started_at: float = Field(default_factory=time.time)
    finished_at: float | None = None
    env: str = ""
    backend: str = ""
    model: str = ""
    family: str = ""
    scripted: bool = False
    steps: int = 0
    tokens: dict[str, int] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to `path` through a temporary file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
        os.chmod(temp, 0o644)  # mkstemp makes 0600; a report is meant to be shared
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


class TrajectoryRecorder:
    """Writes run.json and one JSON + one image per step into a folder, masking secrets on the way."""

    def __init__(self, root: str | Path, secrets: SecretStore | None = None) -> None:
        """Touches no disk: folders appear with the first file written (each write creates its
        folder), so building a recorder on an event loop never blocks it (LangGraph's dev server
        refuses a blocking mkdir in a node)."""
        self.root = Path(root)
        self.secrets = secrets or SecretStore()
        self.png_encoder = PngEncoder()

    def _json(self, model: BaseModel) -> bytes:
        """UTF-8 JSON of a record, masked; a lone surrogate (a model can emit half a pair, and UTF-8
        cannot hold one) becomes U+FFFD instead of failing the write."""
        data = self.secrets.mask_data(model.model_dump(mode="json"))
        return LONE_SURROGATE.sub("\ufffd", json.dumps(data, ensure_ascii=False, indent=1)).encode("utf-8")

    def _write(self, path: Path, data: bytes) -> None:
        try:
            atomic_write(path, data)
        except OSError as error:
            where = path.relative_to(self.root)
            raise RecordingError(f"could not write {where}: {error.strerror or error}") from None

    def write_run(self, run: RunRecord) -> None:
        self._write(self.root / "run.json", self._json(run))

    @staticmethod
    def screenshot_name(index: int) -> str:
        """Where step `index`'s screenshot goes, relative to the folder (known before it is written)."""
        return f"steps/{index:04d}.png"

    def write_screenshot(self, index: int, shot: Screenshot | bytes) -> str:
        """Store the captured pixels as PNG (call it off the event loop: raw pixels get encoded here).

        Raw frames share one incremental encoder, so a step whose screen barely changed costs little.
        """
        relative = self.screenshot_name(index)
        data = shot if isinstance(shot, bytes) else shot.to_png(self.png_encoder)
        self._write(self.root / relative, data)
        return relative

    @staticmethod
    def thumbnail_name(index: int) -> str:
        return f"steps/{index:04d}.jpg"

    def write_thumbnail(self, index: int, shot: Screenshot) -> str:
        """The report's copy of the screenshot, made now (off the event loop) instead of at the end."""
        relative = self.thumbnail_name(index)
        self._write(self.root / relative, thumbnail_jpeg(shot.image))
        return relative

    def write_step(self, step: StepRecord) -> None:
        self._write(self.root / "steps" / f"{step.index:04d}.json", self._json(step))


class Trajectory(BaseModel):
    """A record folder as read back: the run, the steps that could be read, and what could not."""

    root: Path
    run: RunRecord | None
    steps: list[StepRecord]
    gaps: dict[int, str] = Field(default_factory=dict, description="step index -> why it is missing")
    run_problem: str | None = Field(None, description="why run.json could not be read")

    def _inside(self, relative: str) -> Path | None:
        """`relative` resolved within the record folder, or None when it leads out (`..`, an absolute
        path, a link): a tampered step file cannot embed another file."""
        root = self.root.resolve()
        path = (root / relative).resolve()
        return path if path.is_relative_to(root) else None

    def screenshot_path(self, step: StepRecord) -> Path | None:
        """The step's screenshot, only inside the record folder."""
        return self._inside(step.screenshot) if step.screenshot else None

    def thumbnail_path(self, step: StepRecord) -> Path | None:
        """The thumbnail written as the step landed, when there is one (older folders have none); a
        link leading out of the record folder does not count."""
        path = self._inside(TrajectoryRecorder.thumbnail_name(step.index)) if step.screenshot else None
        return path if path is not None and path.is_file() else None


class TrajectoryError(ValueError):
    """The folder is not a trajectory (no run.json and no steps), or one of its files is damaged."""


_Record = TypeVar("_Record", bound=BaseModel)


def _load(model: type[_Record], path: Path) -> _Record:
    try:
        return model.model_validate_json(path.read_bytes())
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in error.errors()[:3]
        )
        raise TrajectoryError(f"{path} is not a valid {model.__name__} file ({problems})") from None
    except OSError as error:
        raise TrajectoryError(f"cannot read {path}: {error.strerror or error}") from None


def read_trajectory(root: str | os.PathLike[str]) -> Trajectory:
    """Load a record folder; steps written before a crash are all there, in order. A damaged or
    missing step (a failed write, an edited file) becomes a gap with its reason, not a failure."""
    root = Path(root)
    if not root.is_dir():
        raise TrajectoryError(f"{root} is not a folder")
    run_path = root / "run.json"
    run, run_problem = None, None
    if run_path.exists():
        try:
            run = _load(RunRecord, run_path)
        except TrajectoryError as error:
            run_problem = str(error)
    step_files = (
        sorted((root / "steps").glob("[0-9][0-9][0-9][0-9].json")) if (root / "steps").is_dir() else []
    )
    if run is None and run_problem is None and not step_files:
        raise TrajectoryError(f"{root} holds no trajectory (no run.json and no steps/NNNN.json)")
    steps: list[StepRecord] = []
    gaps: dict[int, str] = {}
    for path in step_files:
        try:
            steps.append(_load(StepRecord, path))
        except TrajectoryError as error:
            gaps[int(path.stem)] = str(error)
    last = max([int(p.stem) for p in step_files] + [run.steps if run is not None else 0], default=0)
    seen = {step.index for step in steps} | set(gaps)
    for index in range(1, last + 1):
        if index not in seen:
            gaps[index] = f"steps/{index:04d}.json was never written (the run lost it, or it was removed)"
    return Trajectory(
        root=root, run=run, steps=steps, gaps=dict(sorted(gaps.items())), run_problem=run_problem
    )
