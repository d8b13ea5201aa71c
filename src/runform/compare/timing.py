"""When each frame of an annotated video is shown, and which contacts to align.

:func:`annotated_timing` recovers how :mod:`runform.render.annotate` put an analysis's frames
on screen (its slow factor, its window, the clip's time axis; see
:mod:`runform.compare.video` for why it must be recovered), and the alignment helpers pick,
for the leg both sessions show best, the contacts to line up: a contact of a regular run of
strides in each session.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np

from runform.compare.change import finite_number
from runform.errors import InputError
from runform.render.annotate import default_slow_factor, output_schedule, steady_window

#: Window (s) ``runform analyze`` limits the annotated video to (the pipeline's default).
PIPELINE_WINDOW_S = 20.0


@dataclass(frozen=True)
class PanelTiming:
    """How an annotated video's frames map to real time.

    ``frame_times[j]`` is the real time shown by output frame ``j`` (presentation order).
    """

    path: Path
    slow_factor: float
    start_s: float
    frame_times: np.ndarray
    playback_fps: float
    width: int
    height: int
    rotation: int
    window: str  # "whole clip" | "steadiest N s"

    @property
    def end_s(self) -> float:
        return float(self.frame_times[-1])


def _frame_pts(path: Path) -> tuple[np.ndarray, float, int, int, int]:
    """Presentation times (s) of every frame, playback fps, display size and rotation."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise InputError(
            f"{path} cannot be read as a video ({exc}); re-run runform analyze."
        ) from None
    try:
        if not container.streams.video:
            raise InputError(f"{path} holds no video stream; re-run runform analyze.")
        stream = container.streams.video[0]
        tb = float(stream.time_base)
        pts = sorted(p.pts for p in container.demux(stream) if p.pts is not None)
        ctx = stream.codec_context
        width, height = int(ctx.width), int(ctx.height)
        rate = float(stream.average_rate) if stream.average_rate else 0.0
    finally:
        container.close()
    if len(pts) < 2:
        raise InputError(f"{path} has fewer than two frames; re-run runform analyze.")
    times = (np.asarray(pts, float) - pts[0]) * tb
    if not rate:
        rate = 1.0 / float(np.median(np.diff(times)))
    return times, rate, width, height, 0


def _clip_time(analysis: dict) -> np.ndarray:
    """The analysed clip's real time axis, rebuilt from its frame rate and the events'
    (time, fractional frame) pairs (constant frame rate assumed)."""
    inp = analysis.get("input") or {}
    fps = finite_number(inp.get("frame_rate")) or 30.0
    n = int(inp.get("n_frames") or 0)
    offsets = [
        e["time_s"] - e["frame"] / fps
        for e in analysis.get("events") or []
        if finite_number(e.get("time_s")) is not None and finite_number(e.get("frame")) is not None
    ]
    t0 = float(np.median(offsets)) if offsets else 0.0
    return t0 + np.arange(max(n, 2)) / fps


def annotated_timing(analysis: dict, video: str | Path) -> PanelTiming:
    """Recover the real time of every frame of an analysis's ``annotated.mp4``.

    Raises
    ------
    InputError
        When the video cannot be read or its length matches no way runform renders it.
    """
    path = Path(video)
    times, rate, width, height, rotation = _frame_pts(path)
    inp = analysis.get("input") or {}
    fps = finite_number(inp.get("frame_rate")) or 30.0
    slow = default_slow_factor(fps)
    clip = _clip_time(analysis)
    duration = float(clip[-1] - clip[0])
    shown = float(times[-1])  # on-screen time of the last frame
    # the rates the renderer plays this clip at: its filmed frames, or (asked for, or before
    # they became optional) with in-between frames
    probe = np.arange(3) / fps
    rates = {output_schedule(probe, slow, fps, smooth).fps for smooth in (False, True)}
    measured_rate = 1.0 / float(np.median(np.diff(times)))
    if all(abs(measured_rate - r) > 0.03 * r for r in rates):
        expected = " or ".join(f"{r:.3g}" for r in sorted(rates))
        raise InputError(
            f"{path.name} plays at {measured_rate:.3g} frames a second where runform renders "
            f"this analysis at {expected} ({slow:g}x slow motion), so it cannot be "
            "aligned; re-run runform analyze to write it again."
        )
    tolerance = 1.5 / rate + slow / fps
    steps = [
        SimpleNamespace(contact_s=s["contact_s"], toe_off_s=s["toe_off_s"])
        for s in analysis.get("steps") or []
        if finite_number(s.get("contact_s")) is not None
        and finite_number(s.get("toe_off_s")) is not None
    ]
    stub_track = SimpleNamespace(n_frames=len(clip), duration=duration, time=clip)
    stub_analysis = SimpleNamespace(gait=SimpleNamespace(steps=steps))
    candidates: list[tuple[str, float | None]] = [("whole clip", None)]
    for window in (PIPELINE_WINDOW_S, shown / slow):
        if 0 < window < duration:
            candidates.append((f"steadiest {window:.3g} s", window))
    for label, window in candidates:
        first, last = steady_window(stub_track, stub_analysis, window)  # type: ignore[arg-type]
        expected = float(clip[last - 1] - clip[first]) * slow
        if abs(expected - shown) <= tolerance:
            start = float(clip[first])
            return PanelTiming(
                path, slow, start, start + times / slow, rate, width, height, rotation, label
            )
    raise InputError(
        f"{path.name} lasts {shown:.1f} s, which matches no way runform renders this "
        f"analysis ({duration:.1f} s at {slow:g}x slow motion, or its steadiest 20 s), so it "
        "cannot be aligned; re-run runform analyze to write it again."
    )


# ------------------------------------------------------------------------ alignment


def near_leg(analysis: dict) -> str:
    ctx = analysis.get("context") or {}
    near = ctx.get("near_side")
    if near in ("left", "right"):
        return near
    return "right" if (ctx.get("direction") or 1) > 0 else "left"


def contacts_of(analysis: dict, leg: str) -> np.ndarray:
    return np.sort(
        np.asarray(
            [
                s["contact_s"]
                for s in analysis.get("steps") or []
                if s.get("side") == leg and finite_number(s.get("contact_s")) is not None
            ],
            float,
        )
    )


def stride_s(analysis: dict, leg: str) -> float:
    strides = [
        s["stride_time_ms"] / 1000.0
        for s in analysis.get("steps") or []
        if s.get("side") == leg and finite_number(s.get("stride_time_ms"))
    ]
    if strides:
        return float(np.median(strides))
    cadence = finite_number((((analysis.get("metrics") or {}).get("cadence_spm") or {}).get("all") or {}).get("median"))  # fmt: skip
    return 120.0 / cadence if cadence else 0.7


def _regularity(contacts: np.ndarray, c: float, stride: float, n: int) -> int:
    """How many of the ``n`` strides after contact ``c`` end on an accepted contact."""
    hits = 0
    for k in range(1, n + 1):
        if contacts.size and np.min(np.abs(contacts - (c + k * stride))) < 0.25 * stride:
            hits += 1
    return hits


def choose_contacts(
    contacts: np.ndarray, timing: PanelTiming, pre: float, length: float, stride: float, n: int
) -> float | None:
    lo, hi = float(timing.frame_times[0]), timing.end_s
    fits = [c for c in contacts if c - pre >= lo - 1e-9 and c - pre + length <= hi + 1e-9]
    if not fits:
        return None
    # the most regular stretch (every stride ends on an accepted contact), earliest first
    return max(fits, key=lambda c: (_regularity(contacts, c, stride, n), -c))


def nearest(times: np.ndarray, targets: np.ndarray) -> np.ndarray:
    j = np.clip(np.searchsorted(times, targets), 1, len(times) - 1)
    left_closer = (targets - times[j - 1]) <= (times[j] - targets)
    return np.where(left_closer, j - 1, j)
