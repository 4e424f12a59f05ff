"""The locate cache: where each described element was found, stored in a file users commit.

A cached locate turns a model call (seconds) into a hash comparison (milliseconds) and makes CI reruns
deterministic. An entry is keyed by the instruction, the page (URL without query, fragment or loopback
port; or the app) and the screen size. It is used only while the region around the cached box still
looks the same (perceptual hash within a threshold) and, where the device can tell (a browser), the
element at the box's centre is still the one that was grounded; otherwise the element is re-grounded
and the entry rewritten, so a changed layout heals itself instead of clicking the wrong place (a
look-alike input in the old spot hashes the same, but it is another element).

The file is YAML with a fixed entry order and no timestamps, so a rerun that changes nothing leaves it
byte-identical and a diff shows exactly which elements moved.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from anyres_agent.agent.testing.phash import distance
from anyres_agent.agent.trajectory import atomic_write
from anyres_agent.model.answer import Box

CACHE_VERSION = 1
DEFAULT_THRESHOLD = 0.25  # phash.distance still called "the same element" (see tests for measured values)
HEADER = (
    "# anyres-agent locate cache: where each described element was found and how it looked.\n"
    "# Commit it beside your tests. An entry is reused while its region still looks the same and\n"
    "# re-grounded (rewritten) when it does not. Delete an entry, or the file, to force a re-ground.\n"
)
X_DISPLAY = re.compile(r"[\w.-]*:\d+(\.\d+)?")
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}

CacheMode = Literal["use", "readonly", "refresh"]
"""use: read and write; readonly: read, never write (CI that must not change files);
refresh: ignore hits, re-ground every locate and rewrite the entries (`--update-cache`)."""


class CacheFileError(ValueError):
    """The cache file cannot be read; the message names the file and the line."""


def normalize_instruction(instruction: str) -> str:
    return " ".join(instruction.split())


def normalize_page(url: str | None, app: str | None = None) -> str:
    """The page part of a key: stable across runs of the same test on another machine or port.

    Query strings and fragments are dropped (they carry session ids and state), a loopback host loses
    its port (test servers pick free ports), a file URL keeps only its file name (checkouts live
    in different folders), and an X display name counts as no app at all.
    """
    if url:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme == "file":
            return "file://" + parts.path.rstrip("/").rsplit("/", 1)[-1]
        if scheme in {"about", "data"}:
            return f"{scheme}:" + (parts.path[:60] if scheme == "about" else "")
        host = (parts.hostname or "").lower()
        netloc = host if host in LOOPBACK or parts.port is None else f"{host}:{parts.port}"
        if host in LOOPBACK:
            netloc = "localhost"
        return urlunsplit((scheme, netloc, parts.path or "/", "", ""))
    if app and X_DISPLAY.fullmatch(app.strip()):
        return "desktop"  # an X display name (":99") says where, not what: it changes between runs
    if app:
        return "app:" + " ".join(app.split())
    return "screen"


class CacheEntry(BaseModel):
    """One located element: the key, the box in screen space, and the hash of the region around it."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    instruction: str = Field(min_length=1)
    page: str
    screen: str = Field(pattern=r"^\d+x\d+(@[0-9.]+x)?$", description="WxH, with @2x when the DPR is not 1")
    box: tuple[int, int, int, int]
    region: tuple[int, int, int, int] = Field(description="the screen-space region the hash covers")
    hash: str
    frame: str = Field("", description="how the model saw the screen when it grounded this element")
    family: str = ""
    element: str = Field(
        "", description="the element at the box's centre when grounded (browsers): a hit must still find it"
    )

    @field_validator("box", "region")
    @classmethod
    def _ordered(cls, value: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        x1, y1, x2, y2 = value
        if x2 < x1 or y2 < y1:
            raise ValueError(f"a box is [x1, y1, x2, y2] with x1 <= x2 and y1 <= y2, got {list(value)}")
        return value

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.page, self.screen, self.instruction)

    def as_box(self) -> Box:
        return Box(x1=self.box[0], y1=self.box[1], x2=self.box[2], y2=self.box[3])

    def as_region(self) -> Box:
        return Box(x1=self.region[0], y1=self.region[1], x2=self.region[2], y2=self.region[3])


def screen_text(screen: tuple[int, int], dpr: float = 1.0) -> str:
    """`1280x720`, or `1280x720@2x` on a HiDPI screen (text renders differently there)."""
    ratio = round(dpr, 2)
    return f"{screen[0]}x{screen[1]}" + ("" if ratio == 1 else f"@{ratio:g}x")


def make_key(instruction: str, page: str, screen: tuple[int, int], dpr: float = 1.0) -> tuple[str, str, str]:
    return (page, screen_text(screen, dpr), normalize_instruction(instruction))


class LocateCache:
    """A YAML file of `CacheEntry`s, loaded once, saved atomically after each change.

    Saving re-reads the file and merges, so two test processes sharing one cache file (pytest-xdist)
    do not drop each other's entries.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, mode: CacheMode = "use", threshold: float = DEFAULT_THRESHOLD
    ) -> None:
        if mode not in ("use", "readonly", "refresh"):
            raise ValueError(f"cache mode must be use, readonly or refresh, got {mode!r}")
        if not 0 <= threshold < 1:
            raise ValueError(f"threshold is a hash distance in [0, 1), got {threshold}")
        self.path = Path(path)
        self.mode: CacheMode = mode
        self.threshold = threshold
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str, str], CacheEntry] = (
            read_entries(self.path) if self.path.exists() else {}
        )
        self._dirty: set[tuple[str, str, str]] = set()

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[CacheEntry]:
        return [self._entries[k] for k in sorted(self._entries)]

    def get(self, key: tuple[str, str, str]) -> CacheEntry | None:
        """The entry for a key, or None (always None in refresh mode: every locate re-grounds)."""
        if self.mode == "refresh":
            return None
        return self._entries.get(key)

    def matches(self, entry: CacheEntry, current_hash: str) -> tuple[bool, float]:
        """Whether the region still looks the same, and how far it is (`phash.distance`)."""
        far = distance(entry.hash, current_hash)
        return far <= self.threshold, far

    def put(self, entry: CacheEntry) -> None:
        """Store an entry and save the file (unless read-only); an unchanged entry writes nothing."""
        with self._lock:
            if self._entries.get(entry.key) == entry:
                return
            self._entries[entry.key] = entry
            self._dirty.add(entry.key)
        if self.mode != "readonly":
            self.save()

    def save(self) -> None:
        with self._lock, _folder_lock(self.path.parent):
            if not self._dirty:
                return
            merged = read_entries(self.path) if self.path.exists() else {}
            merged.update({k: self._entries[k] for k in self._dirty})
            write_entries(self.path, merged)
            self._entries = {**merged, **self._entries}
            self._dirty.clear()


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Serialise read-merge-write between processes (flock on the folder; no lock file to commit)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: merging still narrows the window; a lost entry is re-grounded later
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def read_entries(path: Path) -> dict[tuple[str, str, str], CacheEntry]:
    """Parse a cache file; a malformed file raises CacheFileError naming the file and line."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise CacheFileError(f"{where}: not valid YAML ({getattr(error, 'problem', error)})") from error
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("entries", []), list):
        raise CacheFileError(f"{path}: expected a mapping with `version` and a list of `entries`")
    if data.get("version") != CACHE_VERSION:
        raise CacheFileError(
            f"{path}: cache version {data.get('version')!r} is not {CACHE_VERSION}; "
            "delete the file to rebuild it"
        )
    entries: dict[tuple[str, str, str], CacheEntry] = {}
    for index, raw in enumerate(data.get("entries") or []):
        try:
            entry = CacheEntry.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise CacheFileError(f"{path}: entry {index + 1}, {field}: {first['msg']}") from error
        entries[entry.key] = entry
    return entries


def _entry_data(entry: CacheEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "instruction": entry.instruction,
        "page": entry.page,
        "screen": entry.screen,
        "box": list(entry.box),
        "region": list(entry.region),
        "hash": entry.hash,
    }
    if entry.frame:
        data["frame"] = entry.frame
    if entry.family:
        data["family"] = entry.family
    if entry.element:
        data["element"] = entry.element
    return data


def render_entries(entries: dict[tuple[str, str, str], CacheEntry]) -> str:
    body = yaml.safe_dump(
        {"version": CACHE_VERSION, "entries": [_entry_data(entries[k]) for k in sorted(entries)]},
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=200,
    )
    return HEADER + re.sub(r"^- ", "\n- ", body, flags=re.MULTILINE)


def write_entries(path: Path, entries: dict[tuple[str, str, str], CacheEntry]) -> None:
    """Write atomically (temporary file + rename), so a crash never leaves half a cache."""
    atomic_write(path, render_entries(entries).encode("utf-8"))
