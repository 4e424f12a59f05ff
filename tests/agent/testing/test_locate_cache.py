"""The locate cache: stable keys, a committable file, and a perceptual hash that tells moved from restyled."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from anyres_agent.agent.testing.locate_cache import (
    CacheEntry,
    CacheFileError,
    LocateCache,
    make_key,
    normalize_page,
    read_entries,
)
from anyres_agent.agent.testing.phash import distance, hash_region, region_hash
from anyres_agent.model.answer import Box


def _screen(button_at: tuple[int, int], label: str = "Login", fill: str = "#2563eb") -> Image.Image:
    """A 400x300 'screen' with one labelled button, drawn with PIL."""
    image = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(image)
    x, y = button_at
    draw.rectangle((x, y, x + 100, y + 36), fill=fill, outline="black")
    draw.text((x + 22, y + 10), label, fill="white", font_size=16)
    return image


BUTTON = Box(x1=150, y1=120, x2=250, y2=156)


def _hash(image: Image.Image, dpr: float = 1.0) -> str:
    return region_hash(image, hash_region(BUTTON, (400, 300)), (dpr, dpr), BUTTON)


THRESHOLD = LocateCache("unused.yaml").threshold


@pytest.mark.parametrize(
    ("change", "screen", "same"),
    [
        ("nothing", _screen((150, 120)), True),
        ("a darker colour", _screen((150, 120), fill="#15803d"), True),
        ("a much lighter colour", _screen((150, 120), fill="#93c5fd"), True),
        ("moved away: its old place is empty", _screen((40, 40)), False),
        ("moved by 3 px", _screen((153, 121)), False),
        ("another label in the same place", _screen((150, 120), label="Cancel"), False),
        ("a label one letter apart", _screen((150, 120), label="Logon"), False),
    ],
)
def test_a_restyled_element_matches_a_moved_or_relabelled_one_does_not(
    change: str, screen: Image.Image, same: bool
) -> None:
    far = distance(_hash(_screen((150, 120))), _hash(screen))
    assert (far <= THRESHOLD) is same, f"{change}: distance {far:.3f}, threshold {THRESHOLD}"


def test_hash_crops_in_image_space_so_a_hidpi_screenshot_hashes_the_same_region() -> None:
    small = _screen((150, 120))
    big = small.resize((800, 600), Image.Resampling.NEAREST)  # the same pixels at DPR 2
    assert distance(_hash(small), _hash(big, dpr=2.0)) <= 0.1


def test_region_adds_a_margin_and_stays_on_screen() -> None:
    assert hash_region(BUTTON, (400, 300)) == Box(x1=132, y1=102, x2=268, y2=174)
    point = hash_region(Box(x1=2, y1=299, x2=2, y2=299), (400, 300))
    assert (point.x1, point.y2) == (0, 300)
    assert point.x2 - point.x1 >= 16 and point.y2 - point.y1 >= 16


def test_hashes_of_other_kinds_never_compare_equal() -> None:
    assert distance("adhash16:00", "adhash8:00") == 1.0
    assert distance("adhash16:zz", "adhash16:zz") == 1.0


def test_page_key_drops_what_changes_between_runs() -> None:
    assert normalize_page("http://127.0.0.1:53211/login.html?session=9#top") == "http://localhost/login.html"
    assert normalize_page("https://Example.com:8443/a/b") == "https://example.com:8443/a/b"
    assert normalize_page("file:///home/ci/build/tests/pages/login.html") == "file://login.html"
    assert normalize_page(None, "  Text   Editor ") == "app:Text Editor"
    assert normalize_page(None) == "screen"
    assert normalize_page(None, ":99") == normalize_page(None, "localhost:1.0") == "desktop"
    assert make_key("  the   Login button ", "p", (800, 600)) == ("p", "800x600", "the Login button")
    assert make_key("x", "p", (800, 600), dpr=2.0)[1] == "800x600@2x"


def _entry(instruction: str, box: tuple[int, int, int, int] = (1, 2, 30, 40)) -> CacheEntry:
    return CacheEntry(
        instruction=instruction,
        page="http://localhost/login.html",
        screen="800x600",
        box=box,
        region=(0, 0, 50, 60),
        hash="adhash16:" + "ab" * 64,
        frame="norm1000 screen 800x600 image 800x600 resized 812x588",
        family="qwen2vl",
    )


def test_file_is_sorted_readable_and_unchanged_by_a_rerun(tmp_path: Path) -> None:
    path = tmp_path / "locate-cache.yaml"
    cache = LocateCache(path)
    cache.put(_entry("the password field"))
    cache.put(_entry("the Login button"))
    text = path.read_text()
    assert text.startswith("# anyres-agent locate cache")
    assert text.index("the Login button") < text.index("the password field")
    assert "box: [1, 2, 30, 40]" in text
    LocateCache(path).put(_entry("the Login button"))  # same entry again: nothing to write
    assert path.read_text() == text
    assert [e.instruction for e in LocateCache(path).entries()] == ["the Login button", "the password field"]


def test_two_writers_keep_each_others_entries(tmp_path: Path) -> None:
    path = tmp_path / "cache.yaml"
    first, second = LocateCache(path), LocateCache(path)
    first.put(_entry("a"))
    second.put(_entry("b"))
    threads = [threading.Thread(target=c.put, args=(_entry(n),)) for c, n in ((first, "c"), (second, "d"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(k[2] for k in read_entries(path)) == ["a", "b", "c", "d"]


def test_modes_readonly_never_writes_and_refresh_never_hits(tmp_path: Path) -> None:
    path = tmp_path / "cache.yaml"
    LocateCache(path).put(_entry("a"))
    before = path.read_text()
    readonly = LocateCache(path, mode="readonly")
    readonly.put(_entry("a", box=(5, 5, 9, 9)))
    assert path.read_text() == before
    key = _entry("a").key
    assert readonly.get(key) is not None
    assert LocateCache(path, mode="refresh").get(key) is None
    with pytest.raises(ValueError, match="mode"):
        LocateCache(path, mode="sometimes")  # type: ignore[arg-type]


def test_threshold_decides_a_match() -> None:
    cache = LocateCache("/nonexistent/cache.yaml", threshold=0.25)
    entry = _entry("a").model_copy(update={"hash": "adhash16:" + "0" * 120 + "ff"})
    near = "adhash16:" + "0" * 118 + "0fff"  # 4 bits differ of the 12 set in either (at least 16)
    far = "adhash16:" + "0" * 118 + "ff00"  # 16 differ of 16 set
    assert cache.matches(entry, near) == (True, 4 / 16)
    assert cache.matches(entry, far) == (False, 1.0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("version: 1\nentries:\n  - instruction: a\n  page: [b\n", r"cache\.yaml:4: not valid YAML"),
        ("version: 7\nentries: []\n", "cache version 7 is not 1; delete the file"),
        ("version: 1\nentries:\n  - {instruction: a, page: p, screen: big}\n", r"entry 1, screen"),
        ("- just a list\n", "expected a mapping"),
    ],
)
def test_a_broken_file_is_reported_with_where(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "cache.yaml"
    path.write_text(content)
    with pytest.raises(CacheFileError, match=message):
        LocateCache(path)


def test_entry_rejects_an_inverted_box() -> None:
    with pytest.raises(ValueError, match="x1 <= x2"):
        _entry("a", box=(30, 2, 1, 40))
