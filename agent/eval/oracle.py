"""Two stand-ins that check the harness, not a model: an oracle that reads the page's DOM, and a
random clicker.

The oracle looks at the live DOM (which a model never sees) and answers one action per step, written
in a family's real output format through `Family.render`; parser, frame, browser and reward reading
downstream are the real ones. On its tasks it must score 100 %: anything less is a harness bug
(coordinates, a lost keystroke, a reward read wrong). The random clicker clicks uniformly random
screen pixels; its score must match the chance level the page geometry gives. Neither is a model
score, and everything they write says so (`stand_in` in study.json, "scripted" in each report).
"""

from __future__ import annotations

import random
from typing import Any

from anyres_agent.model.conversation import ModelRequest
from anyres_agent.model.families.base import Family
from anyres_agent.tools import Action, Click, Finish, Key, Scroll, Type, Wait

HELPERS_JS = r"""
const H = {
  hits(e, x, y) { const t = document.elementFromPoint(x, y); return !!t && (t === e || e.contains(t)); },
  point(e) {  // the centre, or the first point of a grid inside e that another element does not cover
    const r = e.getBoundingClientRect();
    const centre = {x: Math.round(r.left + r.width / 2), y: Math.round(r.top + r.height / 2)};
    if (H.hits(e, centre.x, centre.y)) return centre;
    for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) {
      const p = {x: Math.round(r.left + r.width * i / 8), y: Math.round(r.top + r.height * j / 8)};
      if (H.hits(e, p.x, p.y)) return p;
    }
    return centre;
  },
  click(e, why) { const c = H.point(e); return {kind: 'click', x: c.x, y: c.y, why}; },
  quoted(i) {
    const m = [...core.getUtterance().matchAll(/"([^"]*)"/g)];
    return m.length > (i || 0) ? m[i || 0][1] : null;
  },
  fill(input, value, what) {
    if (input.value === value) return null;
    if (document.activeElement !== input) return H.click(input, 'Click the ' + what + ' field.');
    if (input.value) return {kind: 'key', keys: ['ctrl', 'a'], why: 'Select the old ' + what + ' text.'};
    return {kind: 'type', text: value, why: 'Type into the ' + what + ' field.'};
  },
  byText(selector, text) {
    return [...document.querySelectorAll(selector)].find(e => e.textContent.trim() === text);
  },
  first(...steps) { return steps.find(s => s) || null; },
  reach(e, box, why) {  // click e if it shows whole inside box (and the window), else scroll box to it
    const r = e.getBoundingClientRect(), b = box.getBoundingClientRect();
    const top = Math.max(b.top, 0), bottom = Math.min(b.bottom, innerHeight);
    if (r.top >= top && r.bottom <= bottom) return H.click(e, why);
    return {kind: 'scroll', x: b.left + b.width / 2, y: (top + bottom) / 2,
            dir: r.top < top ? 'up' : 'down', why: 'Scroll to it first.'};
  },
};
"""

SOLVERS: dict[str, str] = {
    "click-test": "return H.click(document.getElementById('subbtn'), 'Click the button.');",
    "click-test-2": "return H.click(document.getElementById('subbtn'), 'Click button ONE.');",
    "click-button": "return H.click(H.byText('#area button', H.quoted()), 'Click the named button.');",
    "click-link": "return H.click(H.byText('#area .alink', H.quoted()), 'Click the named link.');",
    "click-dialog": "return H.click(document.querySelector('.ui-dialog button.ui-button'), 'Close it.');",
    "focus-text": "return H.click(document.getElementById('tt'), 'Click into the text box.');",
    "focus-text-2": r"""
      const n = {'1st': 1, '2nd': 2, '3rd': 3}[core.getUtterance().match(/(\d(st|nd|rd))/)[1]];
      return H.click(document.getElementById('tt' + n), 'Click into the named text box.');""",
    "enter-text": r"""
      return H.first(H.fill(document.getElementById('tt'), H.quoted(), 'text'),
                     H.click(document.getElementById('subbtn'), 'Press Submit.'));""",
    "enter-text-2": r"""
      const q = H.quoted(), u = core.getUtterance();
      const want = u.includes('upper case') ? q.toUpperCase() : q.toLowerCase();
      return H.first(H.fill(document.getElementById('tt'), want, 'text'),
                     H.click(document.getElementById('subbtn'), 'Press Submit.'));""",
    "enter-password": r"""
      return H.first(H.fill(document.getElementById('password'), H.quoted(), 'password'),
                     H.fill(document.getElementById('verify'), H.quoted(), 'verify'),
                     H.click(document.getElementById('subbtn'), 'Press Submit.'));""",
    "login-user": r"""
      return H.first(H.fill(document.getElementById('username'), H.quoted(0), 'username'),
                     H.fill(document.getElementById('password'), H.quoted(1), 'password'),
                     H.click(document.getElementById('subbtn'), 'Press Login.'));""",
    "click-checkboxes": r"""
      const m = core.getUtterance().match(/^Select (.*) and click Submit\.$/);
      const names = m && m[1] !== 'nothing' ? m[1].split(', ') : [];
      for (const label of document.querySelectorAll('#boxes label')) {
        const box = label.querySelector('input');
        if (box.checked !== names.includes(label.textContent.trim())) return H.click(box, 'Toggle a box.');
      }
      return H.click(document.getElementById('subbtn'), 'Press Submit.');""",
    "book-flight": r"""
      const area = document.getElementById('area');
      const bold = [...document.querySelectorAll('#query .bold')].map(e => e.textContent);
      const [want, from, to, date] = bold;
      const results = document.getElementById('results');
      if (!results.classList.contains('hide')) {
        const flights = [...results.querySelectorAll('.flight')];
        const value = f => want === 'cheapest'
          ? +f.querySelector('.flight-price').dataset.price
          : +f.querySelector('.time-duration').dataset.duration;
        const best = flights.reduce((b, f) => (b === null || value(f) < value(b) ? f : b), null);
        return H.reach(best.querySelector('.flight-price'), area, 'Book the ' + want + ' flight.');
      }
      const menu = [...document.querySelectorAll('.ui-autocomplete')].find(m => m.style.display !== 'none'
        && m.getBoundingClientRect().height > 0);
      const pickFrom = (input, city) => {
        if (DOMESTIC_FLIGHTS.includes(input.value) && input.value.includes(city)) return null;
        const focused = document.activeElement === input;
        if (menu && focused) {
          const item = [...menu.querySelectorAll('li')].find(li => li.textContent.includes(city));
          if (item) return H.reach(item, menu, 'Choose ' + item.textContent + '.');
        }
        if (!focused) return H.click(input, 'Click the ' + input.placeholder.replace(':', '') + ' field.');
        if (input.value !== city) return H.fill(input, city, input.placeholder.replace(':', ''));
        return {kind: 'wait', why: 'Wait for the suggestions.'};
      };
      const fromStep = pickFrom(document.getElementById('flight-from'), from);
      if (fromStep) return fromStep;
      const toStep = pickFrom(document.getElementById('flight-to'), to);
      if (toStep) return toStep;
      const picker = document.getElementById('datepicker');
      if (picker.value !== date) {
        const cal = document.getElementById('ui-datepicker-div');
        if (!cal || cal.style.display === 'none' || cal.getBoundingClientRect().height === 0)
          return H.click(picker, 'Open the date picker.');
        const [month, day, year] = date.split('/').map(Number);
        const title = cal.querySelector('.ui-datepicker-title').textContent;
        const names = ['January','February','March','April','May','June','July','August','September',
                       'October','November','December'];
        const shown = names.indexOf(title.split(/\s+/)[0]) + 1 + 12 * (+title.split(/\s+/)[1]);
        const target = month + 12 * year;
        if (shown !== target)
          return H.click(cal.querySelector(shown < target ? '.ui-datepicker-next' : '.ui-datepicker-prev'),
                         'Change the month.');
        const cell = [...cal.querySelectorAll('td[data-handler="selectDay"] a')]
          .find(link => +link.textContent === day);
        return H.click(cell, 'Pick the day.');
      }
      return H.click(document.getElementById('search'), 'Search.');""",
}
"""The oracle's tasks. Each body reads the page and returns the next step, or null when done."""

SUPPORTED_TASKS: tuple[str, ...] = tuple(SOLVERS)


class OracleError(RuntimeError):
    """The oracle cannot answer: an unknown task, or a page it does not understand."""


def _action(step: dict[str, Any], frame_height: int) -> Action:
    kind = step["kind"]
    if kind == "click":
        return Click(x=step["x"], y=step["y"])
    if kind == "type":
        return Type(text=step["text"])
    if kind == "key":
        return Key(keys=step["keys"])
    if kind == "wait":
        return Wait(seconds=0.3)
    if kind == "scroll":
        down = 1 if step["dir"] == "down" else -1
        return Scroll(x=step["x"], y=step["y"], dy=down * max(1, frame_height // 2))
    raise OracleError(f"the oracle made an unknown step {kind!r}")


class MiniWoBOracle:
    """Answers one MiniWoB task from the page's DOM, in `family`'s output format."""

    def __init__(self, env: Any, task: str, family: Family) -> None:
        if task not in SOLVERS:
            raise OracleError(
                f"the oracle knows no solution for {task!r}; it solves: {', '.join(SUPPORTED_TASKS)}"
            )
        self.env = env
        self.family = family
        self.script = "() => {" + HELPERS_JS + SOLVERS[task] + "}"

    async def next_actions(self) -> tuple[list[Action], str]:
        step = await self.env.page.evaluate(self.script)
        if step is None:
            return [Finish(success=False, message="the oracle sees nothing left to do")], "Nothing left."
        screen = self.env.page.viewport_size or {"height": 0}
        return [_action(step, int(screen["height"]))], str(step.get("why", ""))

    async def __call__(self, request: ModelRequest) -> str:
        actions, thought = await self.next_actions()
        assert request.frame is not None, "the loop always sends the frame of the newest screenshot"
        return self.family.render(actions, request.frame, thought=thought)


class RandomClicker:
    """Clicks a uniformly random screen pixel each step; seeded, so an episode can be replayed."""

    def __init__(self, family: Family, seed: str | int) -> None:
        self.family = family
        self.random = random.Random(seed)

    def __call__(self, request: ModelRequest) -> str:
        frame = request.frame
        assert frame is not None, "the loop always sends the frame of the newest screenshot"
        x = self.random.randrange(frame.screen_width)
        y = self.random.randrange(frame.screen_height)
        return self.family.render([Click(x=x, y=y)], frame, thought="A random click.")
