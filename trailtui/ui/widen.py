"""The main screen's ``W``: widen the view's pivot (else its filter) to the whole remote source.

When the app was opened with ``trailtui --engine spark --where F SOURCE`` it holds F's slice of SOURCE; ``W``
asks the same question of all of SOURCE ("same user across the month"). A mixin of
:class:`~trailtui.ui.screens.main.MainScreen`; the engine side is :mod:`trailtui.engine.remote.widen`.

1. ``W`` plans in a worker (listing the tree can take a while) and shows the plan (engine, files to read,
   what runs remotely, what runs here) in :class:`WidenDialog`; nothing expensive starts before ``y``.
2. The job runs in a thread worker; the status line shows its progress (Spark tasks, files, seconds) twice
   a second. ``Esc`` cancels it (its Spark job group is cancelled; nothing is written or added); a newer
   widen cancels an older one.
3. Its records, selected exactly and written atomically to the cache by the engine, are loaded into the
   session like any other input (exact duplicates of loaded events are dropped), and the screen shows them
   as a new view: the previous view goes on the back stack limited to the events loaded before the widen,
   so Backspace brings back exactly what was on screen.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Optional

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..engine.errors import TrailError
from ..engine.pivots import Pivot
from ..engine.remote.widen import (RemoteSource, WidenCancelled, WidenJob, WidenPlan, WidenProgress, WidenResult,
                                   plan_widen)
from ..engine.textsafe import safe_multiline, safe_text
from .state import Step, ViewState

WIDEN_BINDINGS = [
    Binding("W", "widen", "Widen to source", show=False, id="widen",
            tooltip="Run the view's pivot (else its filter) on the whole remote source the app was pulled from, "
                    "in the background (Esc cancels)"),
]

TICK = 0.5
"""Seconds between refreshes of the progress on the status line."""


class WidenPlanned(Message):
    def __init__(self, generation: int, plan: WidenPlan, pivot: Optional[Pivot]) -> None:
        super().__init__()
        self.generation = generation
        self.plan = plan
        self.pivot = pivot


class WidenRefused(Message):
    """The widen cannot run (planning failed); ``reason`` says why."""

    def __init__(self, generation: int, label: str, reason: str) -> None:
        super().__init__()
        self.generation = generation
        self.label = label
        self.reason = reason


class WidenProgressed(Message):
    def __init__(self, job: WidenJob, progress: WidenProgress) -> None:
        super().__init__()
        self.job = job
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, WidenProgressed) and message.job is self.job


class WidenEnded(Message):
    """A job ended: ``result`` on success, else ``error`` ("" when it was cancelled)."""

    def __init__(self, job: WidenJob, result: Optional[WidenResult], error: str = "") -> None:
        super().__init__()
        self.job = job
        self.result = result
        self.error = error


class WidenDialog(ModalScreen[bool]):
    """The plan of a widen, to confirm (``y``/Enter) or not (``n``/Esc); ``p`` shows the whole plan."""

    DEFAULT_CSS = """
    WidenDialog {
        align: center middle;
        background: $background 60%;
    }
    WidenDialog #widen-body {
        width: 110;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: round $warning;
        border-title-color: $text-warning;
        background: $surface;
        padding: 0 1;
    }
    WidenDialog #widen-scroll {
        height: auto;
    }
    WidenDialog #widen-replaces {
        color: $text-warning;
        height: auto;
    }
    WidenDialog #widen-buttons {
        height: auto;
        margin: 1 0 0 0;
        align-horizontal: right;
    }
    WidenDialog #widen-buttons Button {
        margin: 0 0 0 1;
    }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Widen", id="widen-yes"),
        Binding("n,escape", "answer(False)", "Cancel", id="widen-no"),
        Binding("p", "toggle_plan", "Whole plan", id="widen-plan"),
    ]

    def __init__(self, plan: WidenPlan, replaces: str = "") -> None:
        super().__init__()
        self.plan = plan
        self.replaces = replaces
        self.whole = False

    def compose(self) -> ComposeResult:
        with Vertical(id="widen-body") as body:
            body.border_title = "Widen to the whole remote source?"
            with VerticalScroll(id="widen-scroll"):
                yield Static(self._text(), id="widen-plan-text", markup=False)
            if self.replaces:
                yield Static(safe_text(f"This cancels the running widen of {self.replaces}."), id="widen-replaces",
                             markup=False)
            with Horizontal(id="widen-buttons"):
                yield Button("Whole plan (p)", id="widen-toggle")
                yield Button("Widen (y)", variant="warning", id="widen-go")
                yield Button("Cancel (n)", id="widen-cancel")

    def _text(self) -> str:
        lines = self.plan.explain() if self.whole else self.plan.summary()
        return safe_multiline("\n".join(lines))

    def on_mount(self) -> None:
        self.query_one("#widen-go", Button).focus()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        # The plan scrolls; the buttons stay on screen (borders, warning line and buttons take 9 lines).
        self.query_one("#widen-scroll").styles.max_height = max(3, self.app.size.height - 9)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_toggle_plan(self) -> None:
        self.whole = not self.whole
        self.query_one("#widen-plan-text", Static).update(self._text())

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "widen-toggle":
            self.action_toggle_plan()
        else:
            self.dismiss(event.button.id == "widen-go")


class WidenActions:
    """Mixed into MainScreen; see the module docstring. (Handlers are named ``on_<message>``: ``@on`` is
    collected from Textual classes only, not from a mixin.)"""

    def _widen_init(self, remote: Optional[RemoteSource]) -> None:
        self.remote = remote
        """Where the app's records were pulled from (None: opened on local files, nothing to widen to)."""
        self._widen_generation = 0
        self._widen_job: Optional[WidenJob] = None
        self._widen_progress: Optional[WidenProgress] = None
        self._widen_started = 0.0
        self._widen_timer: Any = None
        self._widen_pivot: Optional[Pivot] = None
        self._widen_loading: Optional[tuple[WidenPlan, WidenResult, Optional[Pivot], int]] = None
        self._widen_waiting: Optional[tuple[WidenPlan, WidenResult, Optional[Pivot]]] = None
        self._widen_measure: Optional[tuple[int, float]] = None
        self.widen_timing: Optional[float] = None
        """Seconds from the remote engine's return to the widened rows on screen (the last widen)."""

    # -- W: plan, then confirm ---------------------------------------------------------------------

    def action_widen(self) -> None:
        if self.remote is None:
            self.notify("Nothing to widen to: W runs the view's pivot on the remote source the app was opened "
                        "from (trailtui --engine spark --where FILTER SOURCE); these events were opened from "
                        "local files", severity="warning", timeout=8, markup=False)
            return
        if self.aggregate is not None:
            self.notify("Nothing to widen: the filter is an aggregate over all events (it cannot be split per "
                        "record); pivot or select first", severity="warning", timeout=6, markup=False)
            return
        state = self.state
        pivot = state.pivot
        text, label = (pivot.filter, pivot.label) if pivot is not None else (state.filter_text, state.label())
        self._widen_generation += 1
        self.notify(safe_text(f"Planning {label} on the whole source ({self.remote.describe()})…"), timeout=3,
                    markup=False)
        self._widen_plan_worker(self._widen_generation, self.remote, text, label, pivot)

    @work(thread=True, exclusive=True, group="widen-plan", exit_on_error=False, description="Planning the widen")
    def _widen_plan_worker(self, generation: int, remote: RemoteSource, text: str, label: str,
                           pivot: Optional[Pivot]) -> None:
        try:
            plan = plan_widen(remote, text, label)
        except TrailError as err:
            self.post_message(WidenRefused(generation, label, f"{err.message}: {err.hint}" if err.hint else err.message))
            return
        self.post_message(WidenPlanned(generation, plan, pivot))

    def on_widen_refused(self, message: WidenRefused) -> None:
        if message.generation == self._widen_generation:
            self.notify(safe_text(f"Cannot widen {message.label}: {message.reason}"), severity="error", timeout=10,
                        markup=False)

    def on_widen_planned(self, message: WidenPlanned) -> None:
        if message.generation != self._widen_generation:
            return
        running = self._widen_job.plan.label if self._widen_job is not None else ""

        def answered(go: Optional[bool]) -> None:
            if go:
                self._widen_start(message.plan, message.pivot)

        self.app.push_screen(WidenDialog(message.plan, running), answered)

    # -- the job -----------------------------------------------------------------------------------

    def _widen_start(self, plan: WidenPlan, pivot: Optional[Pivot] = None) -> None:
        if self._widen_job is not None:
            self._widen_job.cancel()  # superseded: its end is ignored
        self._widen_waiting = None
        job = WidenJob(plan, quiet=True)  # Spark's log on stderr would draw over the screen
        self._widen_job = job
        self._widen_pivot = pivot
        self._widen_progress = None
        self._widen_started = time.monotonic()
        if self._widen_timer is None:
            self._widen_timer = self.set_interval(TICK, self.update_status)
        self._widen_worker(job)
        self.update_status()

    @work(thread=True, group="widen", exit_on_error=False, description="Widening to the remote source")
    def _widen_worker(self, job: WidenJob) -> None:
        try:
            result = job.run(lambda progress: self.post_message(WidenProgressed(job, progress)))
        except WidenCancelled:
            self.post_message(WidenEnded(job, None))
            return
        except TrailError as err:
            self.post_message(WidenEnded(job, None, f"{err.message}: {err.hint}" if err.hint else err.message))
            return
        except Exception as err:  # never leave the status line saying "widening" forever
            self.post_message(WidenEnded(job, None, f"{type(err).__name__}: {err}"))
            return
        self.post_message(WidenEnded(job, result))

    def on_widen_progressed(self, message: WidenProgressed) -> None:
        if message.job is self._widen_job:
            self._widen_progress = message.progress
            self.update_status()

    def widen_status(self) -> str:
        """The running widen's progress for the status line ("" when none runs)."""
        job = self._widen_job
        if job is None:
            if self._widen_loading is not None or self._widen_waiting is not None:
                return "widening: loading its records"
            return ""
        elapsed = time.monotonic() - self._widen_started
        if job.cancelled:
            return "widening: cancelling…"
        progress = self._widen_progress or WidenProgress("starting", elapsed, job.plan.files)
        return f"widening: {replace(progress, elapsed=elapsed).text()} · Esc cancels"

    def on_unmount(self) -> None:
        # Leaving the app: stop the Spark job rather than wait for it.
        if self._widen_job is not None:
            self._widen_job.cancel()

    def widen_cancel(self) -> bool:
        """Esc: cancel the running widen (True when there was one)."""
        job = self._widen_job
        if job is None or job.cancelled:
            return False
        job.cancel()
        self.notify("Cancelling the widen: its Spark job is stopped and nothing is added", timeout=4, markup=False)
        self.update_status()
        return True

    def on_widen_ended(self, message: WidenEnded) -> None:
        if message.job is not self._widen_job:
            return  # superseded by a newer widen
        self._widen_job = None
        self._widen_progress = None
        if self._widen_timer is not None:
            self._widen_timer.stop()
            self._widen_timer = None
        label = message.job.plan.label
        result = message.result
        if result is None:
            if message.error:
                self.notify(safe_text(f"Widen of {label} failed: {message.error} (nothing was added)"),
                            severity="error", timeout=12, markup=False)
            else:
                self.notify(safe_text(f"Widen of {label} cancelled: nothing was added"), timeout=4, markup=False)
        elif result.target is None:
            self.notify(safe_text(f"Widen of {label}: nothing matches on the whole source ({result.candidates:,} "
                                  f"candidates from {result.files:,} files, {result.seconds:.1f} s)"),
                        severity="warning", timeout=10, markup=False)
        else:
            self._widen_load(message.job.plan, result, self._widen_pivot)
        self.update_status()

    # -- its records into the session, then the new view -------------------------------------------

    def _widen_load(self, plan: WidenPlan, result: WidenResult, pivot: Optional[Pivot]) -> None:
        if self.is_loading:
            self._widen_waiting = (plan, result, pivot)  # one loader at a time: after the running load
            return
        self._widen_loading = (plan, result, pivot, len(self.session))
        path = str(result.target)
        self.paths.append(path)
        self.start_load([path])

    def widen_after_load(self, cancelled: bool) -> None:
        """Called when a load finishes: show a widen's records, or start one that waited for the load."""
        loading, self._widen_loading = self._widen_loading, None
        if loading is None:
            waiting, self._widen_waiting = self._widen_waiting, None
            if waiting is not None:
                self._widen_load(*waiting)
            return
        plan, result, pivot, base = loading
        added = len(self.session) - base
        if cancelled:
            self.notify(safe_text(f"Loading the widened records was cancelled: {added:,} of {result.count:,} "
                                  f"were added; all of them are in {result.target} (o opens it)"),
                        severity="warning", timeout=12, markup=False)
            return
        from .widgets.event_table import EventTable

        table = self.query_one(EventTable)
        state = self.state
        upto = base if state.upto is None else min(state.upto, base)
        scope = f"over the {upto:,} events loaded before the widen (edit the filter to ask over all)"
        back_note = f"{state.note} · {scope}" if state.note and state.upto is None else (state.note or scope)
        self.stack.append(Step(replace(state, selected=table.cursor_row_id, upto=upto, note=back_note), self.view))
        engine = plan.source.engine
        note = (f"widened on {engine}: {result.count:,} events from {result.files:,} files, {added:,} new "
                f"({result.count - added:,} already loaded)")
        if pivot is not None and pivot.note:
            note = f"{pivot.note} · {note}"
        self.state = ViewState(filter_text=plan.text, sort=state.sort, columns=state.columns,
                               selected=table.cursor_row_id, crumb=f"{engine}: {plan.label}", note=note,
                               pivot=pivot)
        self._widen_measure = (self.generation, result.returned_at)
        self.notify(safe_text(f"{plan.label}: {result.count:,} events on the whole source ({added:,} new), "
                              f"{result.seconds:.1f} s · Backspace returns"), title="Widened", timeout=8,
                    markup=False)

    def widen_shown(self) -> None:
        """Called when a view lands: times the first rows of a widened view."""
        measure = self._widen_measure
        if measure is not None and self.applied_generation >= measure[0]:
            self._widen_measure = None
            self.widen_timing = time.perf_counter() - measure[1]
