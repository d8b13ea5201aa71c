"""Stride-template refinement of gait events: precise timing from noisy, low-rate tracks.

Running is strongly periodic. Around each detected contact (and toe-off) of a foot, the
foot-clearance signal has the same shape stride after stride. Averaging it over all strides,
each sampled at its own sub-frame phase, gives a *template* whose noise is divided by about
the square root of the number of strides and whose time resolution is finer than a frame.
The calibrated level crossing (see :mod:`runform.gait.events`) is found on the template, and
each stride's event is then re-timed by aligning its own samples to the template (least
squares over a fine grid of shifts, with a free vertical offset). The alignment uses every
frame of the window, not just the two frames around a crossing, which is what makes it
robust to pixel noise; it is iterated twice so the template sharpens as events improve.

This is the template-matching idea widely used for event detection in wearable-sensor gait
analysis, applied to the clearance of a video foot; the validation is in
``docs/validation.md``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TemplateWindow:
    """Window around an event (seconds before and after) and where the plateau is read."""

    before: float
    after: float
    plateau: tuple[float, float]  # window (relative seconds) on the foot-flat plateau
    backward: bool  # True for a contact (plateau after the event), False for a toe-off

    def scaled(self, factor: float) -> TemplateWindow:
        """The same window stretched in time (for shorter or longer stances)."""
        return TemplateWindow(
            self.before * factor,
            self.after * factor,
            (self.plateau[0] * factor, self.plateau[1] * factor),
            self.backward,
        )


#: Windows for a 0.76 s stride (~300 ms stance); they are scaled by the runner's own median
#: stride time. The plateau part lies inside foot-flat, the rest spans the approach or lift.
REFERENCE_STRIDE_S = 0.76
CONTACT_WINDOW = TemplateWindow(0.20, 0.12, (0.06, 0.12), True)
TOE_OFF_WINDOW = TemplateWindow(0.10, 0.25, (-0.10, -0.05), False)

_GRID_STEP = 0.001  # s


def _sample(t: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``y`` at times ``at`` (NaN outside or across a gap)."""
    out = np.interp(at, t, y, left=np.nan, right=np.nan)
    idx = np.clip(np.searchsorted(t, at), 1, len(t) - 1)
    bad = ~(np.isfinite(y[idx - 1]) & np.isfinite(y[idx]))
    out[bad] = np.nan
    return out


def build_template(
    t: np.ndarray, y: np.ndarray, events: np.ndarray, win: TemplateWindow
) -> tuple[np.ndarray, np.ndarray]:
    """Median of ``y`` around each event on a fine relative-time grid: ``(tau, template)``."""
    tau = np.arange(-win.before, win.after + _GRID_STEP / 2, _GRID_STEP)
    rows = np.stack([_sample(t, y, e + tau) for e in events])
    # remove each stride's own plateau so strides at different heights line up
    in_plateau = (tau >= win.plateau[0]) & (tau <= win.plateau[1])
    # a stride with no sample in the plateau (or a grid point no stride reaches) is NaN,
    # not a RuntimeWarning on the user's terminal
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        rows = rows - np.nanmedian(rows[:, in_plateau], axis=1, keepdims=True)
        template = np.nanmedian(rows, axis=0)
    return tau, template


def template_event(
    tau: np.ndarray, template: np.ndarray, level: float, win: TemplateWindow
) -> float | None:
    """Relative time where the (plateau-zeroed) template crosses ``level``.

    The preliminary events sit where the clearance crossed a *higher* level (calibrated
    level + noise margin), so the template at ``tau = 0`` is above ``level``. The search walks
    from there toward the plateau (forward for a contact, backward for a toe-off) to the first
    sample at or below ``level``: the first crossing from above, which is not fooled by noise
    wiggles of the plateau. If the template is already below the level at 0, it walks the
    other way to the last sample below it.
    """
    zero = int(np.argmin(np.abs(tau)))
    if not np.isfinite(template[zero]):
        return None
    toward_plateau = 1 if win.backward else -1
    step = toward_plateau if template[zero] > level else -toward_plateau
    i = zero
    while 0 <= i + step < len(tau):
        j = i + step
        if not (np.isfinite(template[i]) and np.isfinite(template[j])):
            return None
        if (template[i] > level) != (template[j] > level):
            w = (level - template[i]) / (template[j] - template[i])
            return float(tau[i] + w * (tau[j] - tau[i]))
        i = j
    return None


def align(
    t: np.ndarray,
    y: np.ndarray,
    event: float,
    tau: np.ndarray,
    template: np.ndarray,
    win: TemplateWindow,
    max_shift: float,
) -> float | None:
    """Shift (s) that best aligns the frames around ``event`` with the template."""
    sel = (t >= event - win.before + max_shift) & (t <= event + win.after - max_shift)
    ts, ys = t[sel], y[sel]
    ok = np.isfinite(ys)
    if ok.sum() < 3:
        return None
    ts, ys = ts[ok], ys[ok]
    shifts = np.arange(-max_shift, max_shift + _GRID_STEP / 2, _GRID_STEP)
    # template value at each frame for each candidate shift: (S, N)
    rel = ts[None, :] - event - shifts[:, None]
    pred = np.interp(rel, tau, template)
    resid = ys[None, :] - pred
    resid -= resid.mean(axis=1, keepdims=True)  # free vertical offset
    sse = (resid**2).sum(axis=1)
    return float(shifts[int(np.argmin(sse))])


def refine_events(
    t: np.ndarray,
    y: np.ndarray,
    events: np.ndarray,
    level: float,
    win: TemplateWindow,
    iterations: int = 2,
    max_shift: float = 0.04,
) -> np.ndarray:
    """Re-time ``events`` (same foot, same kind) by template alignment; see module docstring.

    Needs at least 4 events; otherwise, or if the template has no usable crossing, the
    events are returned unchanged.
    """
    events = np.asarray(events, dtype=float).copy()
    if events.size < 4:
        return events
    for _ in range(iterations):
        tau, template = build_template(t, y, events, win)
        offset = template_event(tau, template, level, win)
        if offset is None:
            return events
        new = events.copy()
        for k, e in enumerate(events):
            s = align(t, y, e, tau, template, win, max_shift)
            if s is not None:
                new[k] = e + s
        events = new
    tau, template = build_template(t, y, events, win)
    offset = template_event(tau, template, level, win)
    return events if offset is None else events + offset
