"""The planner loop as separable step functions over a serializable run state.

    observe -> think -> guard -> [confirm] -> act -> record -> observe ... -> done

`RunState` (agent.state) holds only plain data (pydantic, JSON-serializable): a checkpoint can store it,
and a resumed run continues at `state.phase` without executing an action twice (each action is
marked executed in the state as it runs). Live handles (environment, backend, family, confirmation
callback, recorder, recent images) sit in `RunContext`, which is rebuilt on resume. Each step
function takes (state, context), updates the state and returns it; `STEPS[state.phase]` is the next
one to call, which is exactly what a LangGraph conditional edge needs. Confirmation lives in
agent.confirmation, so a graph can replace it with an interrupt.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict

from anyres_agent.agent.confirmation import (
    apply_decision,
    confirm,
    pending_confirmations,
    read_target,
    recheck_if_resumed,
    secret_scope,
)
from anyres_agent.agent.env_hints import (
    FOCUSED_ACTIONS,
    doable_actions,
    focused_target,
    option_notes,
    prompt_extras,
)
from anyres_agent.agent.guard_hooks import default_guards, judge
from anyres_agent.agent.guards import (
    KEYWORD_CHECKED,
    GuardDecision,
    budget_exhausted,
    budget_warning,
    thumbnail,
)
from anyres_agent.agent.history import HistoryPolicy, remember
from anyres_agent.agent.model_image import model_image
from anyres_agent.agent.secrets import execute_with_secrets, placeholder, placeholders_in
from anyres_agent.agent.state import (
    ConfirmCallback,
    EventCallback,
    Phase,
    RunContext,
    RunState,
    StepEvent,
    Tokens,
)
from anyres_agent.agent.trajectory import (
    Attempt,
    ObservationInfo,
    PlannedAction,
    RecordingError,
    SentMessage,
    StepRecord,
)
from anyres_agent.environments.base import ActionRejectedError, EnvironmentError_, Target
from anyres_agent.model.answer import ParseError, cut_note
from anyres_agent.model.conversation import GenerationSettings, ModelRequest
from anyres_agent.model.families.textparse import cap_answer
from anyres_agent.model.frame import Frame

# --- observe ---------------------------------------------------------------------------------


async def observe(state: RunState, ctx: RunContext) -> RunState:
    """Stop if asked or out of budget; otherwise capture the screen and open a new step."""
    if ctx.stop_requested:
        state.end("stopped", "interrupted by the user (Ctrl-C); stopped after the last step")
        return state
    reason = budget_exhausted(state.usage(), ctx.config)
    if reason:
        state.end("stopped", reason)
        return state
    step = StepRecord(index=state.steps_done + 1)
    start = time.perf_counter()
    try:
        obs = await ctx.env.observe()
    except EnvironmentError_ as error:
        state.end("error", f"the device could not be observed: {ctx.secrets.mask(str(error))}")
        return state
    step.timings["capture"] = time.perf_counter() - start
    mask = ctx.secrets.mask
    step.observation = ObservationInfo(
        url=mask(obs.url) if obs.url else None,
        app=obs.app,
        text=mask(obs.text) if obs.text else None,
        screen=(obs.screen.width, obs.screen.height),
        image=obs.screenshot.size,
    )
    ctx.observation = obs
    state.step, state.phase = step, "think"
    shown = step.observation.url or step.observation.app or ""  # masked: events reach streams and logs
    await ctx.emit(StepEvent(kind="observed", step=step.index, message=shown))
    return state


# --- think -----------------------------------------------------------------------------------


def _context_notes(state: RunState, ctx: RunContext) -> list[str]:
    """Notes that hold for the whole run: said once, after the task."""
    notes = option_notes(ctx.env)
    names = placeholders_in(state.task)
    if names:
        shown = ", ".join(placeholder(n) for n in names)
        notes.append(
            f"To type a secret, type its placeholder exactly ({shown}); its value is filled in for you."
        )
    return notes


def _step_notes(state: RunState, ctx: RunContext) -> list[str]:
    """Notes for this step only: shown with its screenshot (and kept with it in the history)."""
    warning = budget_warning(state.usage(), ctx.config)
    return [*state.notes, warning] if warning else list(state.notes)


async def think(state: RunState, ctx: RunContext) -> RunState:
    """Build the prompt, call the model, parse; feed parse errors back up to max_parse_retries times."""
    step = state.step
    assert step is not None, "think needs a step opened by observe"
    obs = ctx.observation or await ctx.env.observe()  # after a resume the live observation is gone
    ctx.observation = obs
    config, family, mask = ctx.config, ctx.family, ctx.secrets.mask
    start = time.perf_counter()
    frame = family.frame(
        screen=(obs.screen.width, obs.screen.height),
        image=obs.screenshot.size,
        min_pixels=config.min_pixels,
        max_pixels=config.max_pixels,
        fit=config.image_fit,
    )
    # Pixels and bytes are made only when someone needs them: the backend (the captured PNG as it is,
    # or a pad/resize as it encodes) and the loop guard (a thumbnail, only when an action repeats).
    shot = obs.screenshot
    image = model_image(shot, frame, ctx.model_encoder)
    ctx.thumb = functools.cache(lambda: thumbnail(shot.image))
    step.frame = asdict(frame)
    history = HistoryPolicy.of(config).select(state.history, ctx.images, ctx.history_text)
    context, notes = _context_notes(state, ctx), _step_notes(state, ctx)
    actions = doable_actions(ctx.env)
    extras = prompt_extras(ctx.env, config.extra_actions)
    tools = ctx.tools
    step.timings["prepare"] = time.perf_counter() - start
    retry_notes: list[str] = []
    for _ in range(config.max_parse_retries + 1):
        start = time.perf_counter()
        messages = family.build_messages(
            task=state.task,
            actions=actions,
            frame=frame,
            screenshot=image,
            history=history,
            notes=notes + retry_notes,
            context=context,
            extras=extras,
            tools=tools,
        )
        request = ModelRequest(messages=messages, frame=frame, settings=ctx.settings or GenerationSettings())
        step.timings["prepare"] += time.perf_counter() - start
        start = time.perf_counter()
        remaining = config.max_seconds - state.seconds_spent - sum(step.timings.values())
        try:
            reply = await asyncio.wait_for(ctx.backend.complete(request), timeout=max(remaining, 0.001))
        except TimeoutError:
            state.end(
                "stopped", f"time budget reached while waiting for the model ({config.max_seconds:.0f} s)"
            )
            return state
        except Exception as error:  # a backend names its own failure; the run ends cleanly with it
            state.end("error", f"the model backend failed: {mask(str(error)) or type(error).__name__}")
            return state
        seconds = time.perf_counter() - start
        step.timings["model"] = step.timings.get("model", 0.0) + seconds
        # a runaway answer is read, recorded and fed back only up to the parsers' cap (head and tail)
        text, cut = cap_answer(reply.text)
        if cut:
            step.notes.append(
                f"Your answer was {len(reply.text):,} characters long; only its first and last "
                f"{len(text) // 2:,} or so were read. Answer briefly: a short thought and the action."
            )
        attempt = Attempt(
            request=[SentMessage(role=m.role, text=mask(m.plain_text())) for m in messages],
            reply=mask(text),
            note=cut_note(len(reply.text), cut),
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            image_tokens=reply.image_tokens,
            seconds=seconds,
        )
        step.attempts.append(attempt)
        state.tokens.prompt += reply.prompt_tokens
        state.tokens.completion += reply.completion_tokens
        state.tokens.image += reply.image_tokens
        await ctx.emit(StepEvent(kind="model", step=step.index, data={"seconds": seconds}))
        start = time.perf_counter()
        try:
            parsed = family.parse(text, frame, cursor=obs.cursor, tools=tools)
            if not parsed.steps:
                raise ParseError(
                    "the answer contains no action; give exactly one action in the required format"
                )
        except ParseError as error:
            attempt.parse_error = mask(str(error))
            step.timings["parse"] = step.timings.get("parse", 0.0) + time.perf_counter() - start
            retry_notes = [
                f"Your previous answer could not be used: {attempt.parse_error}. "
                "Answer again, in exactly the required format."
            ]
            await ctx.emit(StepEvent(kind="parse_error", step=step.index, message=attempt.parse_error))
            continue
        step.timings["parse"] = step.timings.get("parse", 0.0) + time.perf_counter() - start
        step.thought = mask(parsed.thought)
        step.actions = [
            PlannedAction(
                action=ctx.secrets.mask_action(s.action),
                box=s.box.model_dump() if s.box else None,
            )
            for s in parsed.steps
        ]
        step.prompt_notes = notes + retry_notes  # how this step's screenshot was shown: history repeats it
        assert ctx.images is not None
        ctx.images.put(step.index, image)
        state.notes = []
        state.phase = "guard"
        return state
    attempts = config.max_parse_retries + 1
    step.decisions.append(
        GuardDecision(guard="parse", verdict="stop", detail=step.attempts[-1].parse_error or "")
    )
    state.end(
        "stopped",
        f"the model's answer could not be parsed after {attempts} attempt{'s' if attempts > 1 else ''}: "
        f"{step.attempts[-1].parse_error}",
    )
    return state


# --- guard and confirm -----------------------------------------------------------------------


async def guard(state: RunState, ctx: RunContext) -> RunState:
    """Every planned action through the guard list (agent.guard_hooks): by default loop detection
    (nudge, then stop), unsupported actions and which actions need confirmation."""
    step = state.step
    assert step is not None
    start = time.perf_counter()
    # what each action lands on is read from the device first (the guards judge it, the record keeps it);
    # typing and keys land on the one focus, which nothing moves before `act`: read once a step
    focus: list[Target | None] = []
    for planned in step.actions:
        kind = planned.action.type
        if kind in FOCUSED_ACTIONS:
            if not focus:
                focus.append(await read_target(ctx, planned.action))
            planned.target = focus[0]
        elif kind in KEYWORD_CHECKED:
            planned.target = await read_target(ctx, planned.action)
    guards = ctx.guards if ctx.guards is not None else default_guards()  # Agent made the list once
    for name, verdict in await judge(state, ctx, guards):
        await ctx.emit(StepEvent(kind="guard", step=step.index, message=f"{name}: {verdict.reason}"))
    step.timings["guard"] = time.perf_counter() - start
    if state.status == "running":
        state.phase = "confirm" if any(p.decision == "pending" for p in step.actions) else "act"
    return state


# --- act and record --------------------------------------------------------------------------


async def act(state: RunState, ctx: RunContext) -> RunState:
    """Run the approved actions in order; finish/answer/call_user are the loop's own."""
    step = state.step
    assert step is not None
    start = time.perf_counter()
    if await recheck_if_resumed(step, ctx):
        state.phase = "confirm"  # resumed in a process that never saw this screen, and it changed
        return state
    await ctx.flush()  # the previous step is on disk before this one changes the world
    for planned in step.actions:
        if planned.executed or planned.decision not in ("approved", "edited") or state.status != "running":
            continue
        action = planned.action
        planned.executed = True  # before running: a resume must never repeat an action
        began = time.perf_counter()
        if action.type == "finish":
            state.answer = state.answer or action.message or None
            state.end("success" if action.success else "failure", action.message or "the model finished")
        elif action.type == "answer":
            state.answer = action.text
            if ctx.config.answer_ends_run:
                state.end("success", "the model answered")
        elif action.type == "call_user":
            planned.ok = True
        elif action.type == "wait" and "wait" not in ctx.env.supported_actions():
            await asyncio.sleep(action.seconds)
            planned.ok = True
        elif action.type == "tool":
            await _run_tool(planned, ctx)
            step.notes.append(f"{action.describe()}: {planned.note}")
        else:
            try:
                scope = None
                if action.type == "type" and ctx.secrets.mentions_secret(action.text):
                    focused = await focused_target(ctx.env)  # read again: the focus may have moved
                    scope = secret_scope(state, ctx, focused.location if focused is not None else None)
                result = await execute_with_secrets(ctx.env, action, ctx.secrets, scope)
                planned.ok, planned.note = result.ok, result.note
            except ActionRejectedError as error:
                planned.ok, planned.note = False, str(error)
                if error.restart_required:
                    state.end("error", f"the device needs a restart: {planned.note}")
            except EnvironmentError_ as error:
                planned.ok, planned.note = False, str(error)
                state.end("error", f"the device failed: {planned.note}")
            if planned.note:
                step.notes.append(f"{action.describe()}: {planned.note}")
        planned.seconds = time.perf_counter() - began
        await ctx.emit(StepEvent(kind="action", step=step.index, message=action.describe()))
    if ctx.config.settle_seconds and state.status == "running":
        await asyncio.sleep(ctx.config.settle_seconds)
    step.timings["execute"] = time.perf_counter() - start
    state.phase = "record"
    return state


async def _run_tool(planned: PlannedAction, ctx: RunContext) -> None:
    """A custom tool's handler (not the device); what it returns, or why it failed, goes back to the
    model, masked like every other text."""
    assert planned.action.type == "tool"
    try:
        result = await ctx.tools.run(planned.action)
    except Exception as error:  # a handler's failure is the model's information, not the run's end
        planned.ok, planned.note = False, ctx.secrets.mask(f"failed: {type(error).__name__}: {error}")
        return
    planned.ok, planned.note = True, ctx.secrets.mask(f"returned {result}")


async def record(state: RunState, ctx: RunContext) -> RunState:
    """Write the step (screenshot + JSON), move it into the text history, and go on or stop."""
    step = state.step
    assert step is not None
    start = time.perf_counter()
    recorder = ctx.recorder
    if recorder is not None:
        await ctx.flush()
        shot = ctx.observation.screenshot if ctx.observation is not None else None
        if shot is not None:
            step.screenshot = recorder.screenshot_name(step.index)
    step.outcome = (
        state.reason
        if state.status != "running"
        else "; ".join(p.action.type for p in step.actions if p.executed)
    )
    step.finished_at = time.time()
    step.timings["record"] = time.perf_counter() - start
    step.timings["total"] = sum(v for k, v in step.timings.items() if k != "total")
    if recorder is not None:
        # Encoding a frame and writing the step take a core for a while: another thread does it as
        # the loop goes on, and the next step waits for it before it acts (ctx.flush), so a crash
        # still loses at most the step in flight. The step is finished: nothing changes it after this.
        def write(finished: StepRecord = step) -> None:
            if shot is not None:
                recorder.write_screenshot(finished.index, shot)
            recorder.write_step(finished)
            if shot is not None and ctx.config.report:
                recorder.write_thumbnail(finished.index, shot)  # the report needs no image work at the end

        ctx.pending_write = asyncio.ensure_future(asyncio.to_thread(write))
    frame = Frame(**step.frame) if step.frame else None
    state.history.append(
        remember(
            step.index,
            raw=step.raw,
            thought=step.thought,
            actions=[p.action for p in step.actions if p.executed or p.decision == "rejected"],
            note=" ".join(step.notes),
            notes=step.prompt_notes,
            frame=step.frame,
            render=(lambda acts, thought: ctx.family.render(acts, frame, thought=thought)) if frame else None,
        )
    )
    del state.history[: -max(1, HistoryPolicy.of(ctx.config).most_steps)]
    state.steps_done += 1
    state.seconds_spent += step.timings["total"]
    state.step, ctx.observation = None, None
    ctx.previous_thumb, ctx.thumb = ctx.thumb, None
    state.phase = "observe" if state.status == "running" else "done"
    await ctx.emit(
        StepEvent(
            kind="step",
            step=step.index,
            message="; ".join(p.action.describe() for p in step.actions) or step.outcome,
            data={"timings": step.timings, "outcome": step.outcome, "tokens": step.tokens()},
        )
    )
    return state


STEPS: dict[str, Callable[[RunState, RunContext], Awaitable[RunState]]] = {
    "observe": observe,
    "think": think,
    "guard": guard,
    "confirm": confirm,
    "act": act,
    "record": record,
}


def route(state: RunState) -> Phase:
    """The next step's name (a LangGraph conditional edge returns this)."""
    return state.phase


async def run_step(
    state: RunState, ctx: RunContext, *, passthrough: tuple[type[BaseException], ...] = ()
) -> RunState:
    """Run the step `state.phase` names; an unexpected error ends the run as 'error' instead of raising.
    `passthrough` exceptions are a caller's control flow (a LangGraph interrupt) and propagate."""
    phase = state.phase
    try:
        return await STEPS[phase](state, ctx)
    except passthrough:
        raise
    except Exception as error:
        # a recording failure stops the run: going on unrecorded would lose what happens next
        if isinstance(error, RecordingError):
            reason = ctx.secrets.mask(f"recording failed: {error}")
        else:
            message = ctx.secrets.mask(f"{type(error).__name__}: {error}")
            where = "recording failed" if phase == "record" else f"unexpected error in {phase}"
            reason = f"{where}: {message}"
        if phase == "record":  # recording itself failed: do not loop on it
            state.status, state.reason, state.phase = "error", reason, "done"
        else:
            state.end("error", reason)
        return state


async def run_steps(state: RunState, ctx: RunContext) -> RunState:
    """Drive the state machine to the end, one `run_step` at a time."""
    while state.phase != "done":
        state = await run_step(state, ctx)
    return state


__all__ = [
    "STEPS",
    "ConfirmCallback",
    "EventCallback",
    "Phase",
    "RunContext",
    "RunState",
    "StepEvent",
    "Tokens",
    "act",
    "apply_decision",
    "confirm",
    "guard",
    "observe",
    "pending_confirmations",
    "record",
    "route",
    "run_step",
    "run_steps",
    "think",
]
