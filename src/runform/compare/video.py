"""Side by side: the two annotated videos in one clip, aligned on a contact, in sync.

``compare.mp4`` shows the ``annotated.mp4`` of each analysis (each with its own overlay)
next to each other (portrait clips) or one above the other (landscape clips), with a label
strip above each. Both are played at the **same slow motion** from a contact of the **same
leg**, for a few strides, and the loop is repeated: at the start of every loop the aligned
contacts fall on the same output frame, and from there each panel runs in its own real
time, so a higher cadence shows as contacts coming sooner.

How a frame of an annotated video maps to real time
---------------------------------------------------
:mod:`runform.render.annotate` puts source frame ``i`` (real time ``t[i]``) on screen at
``(t[i] - t[first]) * slow_factor``, with ``slow_factor = max(4, frame_rate / 30)`` and
``first`` the first frame shown (0, or the start of the steadiest stretch when
``runform analyze`` limited the video to 20 s). Neither number is stored in
``analysis.json``, so :func:`annotated_timing` recovers them: the slow factor from the
frame rate, the clip's time axis from the frame rate and the events' frame numbers, the
window with the renderer's own :func:`~runform.render.annotate.steady_window` over the
accepted steps; and it checks the result against the annotated video's own duration. When
no reading fits (a video rendered with another slow factor or window), the comparison says
so and writes no side-by-side video rather than a misaligned one.

The timing is recovered by :mod:`runform.compare.timing`; key-frame stills side by side
are :mod:`runform.compare.still_pairs`.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from runform.compare.timing import (
    PanelTiming,
    annotated_timing,
    choose_contacts,
    contacts_of,
    near_leg,
    nearest,
    stride_s,
)
from runform.errors import InputError
from runform.progress import ProgressLike, ensure_progress
from runform.render import lettering, surface
from runform.render.encoding import TICKS_PER_SECOND, colour_tags, open_writer
from runform.render.frame_store import upright_i420

#: Longest side of each panel (pixels): two panels fit a phone screen and stay small to encode.
PANEL_LONG_SIDE = 640
#: Real time shown before the aligned contact, as a share of a stride.
PRE_ROLL_STRIDES = 0.25
#: Strides shown per loop by default, and how many times the loop is written.
DEFAULT_STRIDES = 3
DEFAULT_REPEATS = 2
VIDEO_NAME = "compare.mp4"
_STAGE = "side-by-side video"
STRIP_BGR = (37, 33, 29)  # the report's ink colour, #1d2125


@dataclass
class SideBySide:
    """What :func:`write_side_by_side` made: the file, and how the panels were aligned."""

    path: Path
    leg: str
    contacts: dict[str, float]  # session -> real time of the aligned contact
    strides: int
    repeats: int
    slow_factor: float
    fps: float
    frames_per_loop: int
    contact_frame: int  # output frame of the aligned contacts within each loop
    layout: str  # "side by side" | "stacked"
    size: tuple[int, int]
    panel_times: dict[str, np.ndarray]  # session -> real time shown at each output frame
    panels: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # x, y, w, h
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "file": self.path.name,
            "leg": self.leg,
            "aligned_contacts_s": {k: round(v, 4) for k, v in self.contacts.items()},
            "strides": self.strides,
            "repeats": self.repeats,
            "slow_factor": round(self.slow_factor, 3),
            "fps": round(self.fps, 3),
            "frames_per_loop": self.frames_per_loop,
            "contact_frame": self.contact_frame,
            "layout": self.layout,
            "width": self.size[0],
            "height": self.size[1],
            "panels": {k: list(v) for k, v in self.panels.items()},
            "notes": list(self.notes),
        }


# -------------------------------------------------------------------------- drawing


def even(x: float) -> int:
    return max(2, int(round(x / 2.0)) * 2)


def _panel_sizes(timings: list[PanelTiming]) -> tuple[str, list[tuple[int, int]]]:
    aspects = [t.width / t.height for t in timings]
    if all(a <= 1.05 for a in aspects):
        height = even(min(PANEL_LONG_SIDE, *(t.height for t in timings)))
        return "side by side", [(even(height * a), height) for a in aspects]
    width = even(min(PANEL_LONG_SIDE, *(t.width for t in timings)))
    return "stacked", [(width, even(width / a)) for a in aspects]


def _decode_panel(timing: PanelTiming, indices: np.ndarray, size: tuple[int, int]) -> dict:
    """The annotated frames ``indices`` (presentation order) as I420 buffers at ``size``;
    only those are converted and kept, so memory stays at the frames shown."""
    wanted = {int(i) for i in indices}
    last = max(wanted)
    frames: dict[int, np.ndarray] = {}
    with av.open(str(timing.path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for j, frame in enumerate(_in_order(container, stream)):
            if j in wanted:
                frames[j] = upright_i420(frame, size, timing.rotation)
            if j >= last:
                break
    if not frames:
        raise InputError(f"{timing.path.name} has no decodable frames; re-run runform analyze.")
    have = np.array(sorted(frames))
    for j in wanted - set(frames):  # a damaged tail: show the nearest good frame
        frames[j] = frames[int(have[np.argmin(np.abs(have - j))])]
    return frames


def _in_order(container, stream, depth: int = 8):
    """Decoded frames in presentation order (a short reorder buffer, for B-frames); stops
    quietly at a damaged tail."""
    held: list = []
    counter = 0
    try:
        for frame in container.decode(stream):
            heapq.heappush(held, (frame.pts if frame.pts is not None else counter, counter, frame))
            counter += 1
            if len(held) > depth:
                yield heapq.heappop(held)[2]
    except av.error.FFmpegError:
        pass
    while held:
        yield heapq.heappop(held)[2]


def _fill(planes, box, yuv) -> None:
    """Fill ``box`` (x0, y0, x1, y1; even) of the Y, U, V planes with one colour."""
    y, u, v = planes
    x0, y0, x1, y1 = box
    y[y0:y1, x0:x1] = round(yuv[0])
    u[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = round(yuv[1])
    v[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = round(yuv[2])


def _paste(planes, buf: np.ndarray, x0: int, y0: int) -> None:
    src = surface.YUV420Canvas.from_i420(buf)
    y, u, v = planes
    h, w = src.y.shape
    y[y0 : y0 + h, x0 : x0 + w] = src.y
    u[y0 // 2 : (y0 + h) // 2, x0 // 2 : (x0 + w) // 2] = src.u
    v[y0 // 2 : (y0 + h) // 2, x0 // 2 : (x0 + w) // 2] = src.v


@dataclass(frozen=True)
class _Layout:
    width: int
    height: int
    strip: int
    footer: int
    origins: tuple[tuple[int, int], tuple[int, int]]  # panel picture top-left
    strips: tuple[tuple[int, int, int, int], tuple[int, int, int, int]]
    style: surface.Style


def _layout(layout: str, sizes: list[tuple[int, int]]) -> _Layout:
    (wb, hb), (wa, ha) = sizes
    gap = 4
    if layout == "side by side":
        width, pic_h = wb + gap + wa, max(hb, ha)
    else:
        width, pic_h = max(wb, wa), hb + ha
    style = surface.Style.for_frame(width, pic_h)
    text_h = lettering.text_size("Ag°", style.font_px, box=False)[1]
    strip = even(text_h + style.margin)
    footer = even(lettering.text_size("Ag", style.small_font_px, box=False)[1] + style.margin)
    if layout == "side by side":
        origins = ((0, strip), (wb + gap, strip))
        strips = ((0, 0, wb, strip), (wb + gap, 0, width, strip))
        height = strip + pic_h + footer
    else:
        origins = ((0, strip), (0, 2 * strip + hb))
        strips = ((0, 0, width, strip), (0, strip + hb, width, 2 * strip + hb))
        height = 2 * strip + pic_h + footer
    return _Layout(width, height, strip, footer, origins, strips, style)


def _background(
    lay: _Layout, labels: list[tuple[str, str]], footer: str, matrix: str
) -> np.ndarray:
    """The output frame without pictures: dark strips with each panel's label, and a footer."""
    buf = np.zeros((lay.height * 3 // 2, lay.width), np.uint8)
    canvas = surface.YUV420Canvas.from_i420(buf, matrix)
    planes = (canvas.y, canvas.u, canvas.v)
    _fill(planes, (0, 0, lay.width, lay.height), surface.bgr_to_yuv(STRIP_BGR, matrix))
    px = lay.style.font_px
    m = lay.style.margin // 2
    for (x0, y0, x1, y1), (title, detail) in zip(lay.strips, labels, strict=True):
        box = lettering.put_text(
            canvas, title, (x0 + m, (y0 + y1) / 2), px, surface.WHITE, anchor="lm", box=False
        )
        small = lay.style.small_font_px
        if detail and box[2] + 2 * m + lettering.text_size(detail, small, box=False)[0] < x1 - m:
            lettering.put_text(
                canvas, detail, (x1 - m, (y0 + y1) / 2), small, surface.GREY, anchor="rm", box=False
            )
    lettering.put_text(
        canvas, footer, (lay.width / 2, lay.height - lay.footer / 2), lay.style.small_font_px,
        surface.GREY, anchor="cm", box=False, inside=True,
    )  # fmt: skip
    return buf


def _label(which: str, analysis: dict, contact: float, leg: str) -> tuple[str, str]:
    created = str(analysis.get("created") or "")[:10]
    return which.upper(), created


# --------------------------------------------------------------------------- writing


def write_side_by_side(
    before: dict,
    after: dict,
    before_video: str | Path,
    after_video: str | Path,
    out_path: str | Path,
    *,
    strides: int = DEFAULT_STRIDES,
    repeats: int = DEFAULT_REPEATS,
    leg: str | None = None,
    progress: ProgressLike = None,
) -> SideBySide:
    """Write ``compare.mp4``: both annotated videos in one H.264/yuv420p clip, aligned on a
    contact of the same leg and played in sync at the same slow motion for ``strides``
    strides, the loop written ``repeats`` times.

    Raises
    ------
    InputError
        A video cannot be read or aligned, or the two runs share no leg with a contact
        inside both videos.
    """
    cb = ensure_progress(progress)
    cb(_STAGE, 0.0, "reading the annotated videos")
    timings = [annotated_timing(before, before_video), annotated_timing(after, after_video)]
    docs = (before, after)
    notes: list[str] = []
    legs = [leg] if leg else [near_leg(before), "left" if near_leg(before) == "right" else "right"]
    if not leg and near_leg(before) != near_leg(after):
        notes.append(
            f"The {legs[0]} leg is the near leg before and the far leg after (filmed from the "
            "other side), so its panels are not seen alike."
        )
    slow = max(t.slow_factor for t in timings)
    fps = max(t.playback_fps for t in timings)
    chosen = None
    for side in legs:
        contacts = [contacts_of(d, side) for d in docs]
        if not all(c.size for c in contacts):
            continue
        stride = [stride_s(d, side) for d in docs]
        pre = PRE_ROLL_STRIDES * max(stride)
        for n in range(max(1, int(strides)), 0, -1):
            length = pre + n * max(stride)
            picks = [
                choose_contacts(c, t, pre, length, s, n)
                for c, t, s in zip(contacts, timings, stride, strict=True)
            ]
            if all(p is not None for p in picks):
                chosen = (side, picks, pre, length, n)
                break
        if chosen:
            break
    if chosen is None:
        raise InputError(
            "The two annotated videos share no leg with a contact and a whole stride inside "
            "both, so they cannot be shown side by side; film at least 10 seconds of steady "
            "running."
        )
    side, picks, pre, length, n = chosen
    if n < strides:
        notes.append(f"Only {n} stride{'' if n == 1 else 's'} fit inside both videos.")
    frames_per_loop = max(1, int(math.ceil(length * slow * fps)))
    # output frame ``contact_frame`` shows each panel's frame nearest its aligned contact
    # (where the annotated video flashes it), whatever the frame grids' phases
    contact_frame = int(round(pre * slow * fps))
    offsets = (np.arange(frames_per_loop) - contact_frame) / (slow * fps)
    indices = [nearest(t.frame_times, c + offsets) for t, c in zip(timings, picks, strict=True)]
    layout, sizes = _panel_sizes(timings)
    lay = _layout(layout, sizes)
    matrix = colour_tags(timings[0].path).matrix
    footer = (
        f"Aligned on a {side}-foot contact · {slow:g}× slow motion · {n} stride"
        f"{'' if n == 1 else 's'}, looping"
    )
    labels = [
        _label(w, d, c, side) for w, d, c in zip(("before", "after"), docs, picks, strict=True)
    ]
    background = _background(lay, labels, footer, matrix)

    panels = []
    for k, (timing, idx, size) in enumerate(zip(timings, indices, sizes, strict=True)):
        cb(_STAGE, 0.1 + 0.3 * k, f"decoding {('BEFORE', 'AFTER')[k]}")
        panels.append(_decode_panel(timing, idx, size))

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    container, stream = open_writer(out, lay.width, lay.height, fps, colour_tags(timings[0].path))
    try:
        total = frames_per_loop * repeats
        for k in range(total):
            j = k % frames_per_loop
            buf = background.copy()
            canvas = surface.YUV420Canvas.from_i420(buf, matrix)
            planes = (canvas.y, canvas.u, canvas.v)
            for panel, idx, (x0, y0) in zip(panels, indices, lay.origins, strict=True):
                _paste(planes, panel[int(idx[j])], x0, y0)
            frame = av.VideoFrame.from_ndarray(buf, format="yuv420p")
            frame.pts = int(round(k * TICKS_PER_SECOND / fps))
            frame.time_base = Fraction(1, TICKS_PER_SECOND)
            for packet in stream.encode(frame):
                container.mux(packet)
            if k % max(1, total // 20) == 0:
                cb(_STAGE, 0.7 + 0.3 * k / total, f"frame {k + 1}/{total}")
        for packet in stream.encode():
            container.mux(packet)
    except BaseException:
        container.close()
        out.unlink(missing_ok=True)
        raise
    container.close()
    cb(_STAGE, 1.0, f"{total} frames")
    return SideBySide(
        path=out,
        leg=side,
        contacts={"before": float(picks[0]), "after": float(picks[1])},
        strides=n,
        repeats=repeats,
        slow_factor=slow,
        fps=fps,
        frames_per_loop=frames_per_loop,
        contact_frame=contact_frame,
        layout=layout,
        size=(lay.width, lay.height),
        panel_times={
            w: np.tile(t.frame_times[i], repeats)
            for w, t, i in zip(("before", "after"), timings, indices, strict=True)
        },
        panels={
            w: (x, y, size[0], size[1])
            for w, (x, y), size in zip(("before", "after"), lay.origins, sizes, strict=True)
        },
        notes=notes,
    )


__all__ = [
    "DEFAULT_REPEATS",
    "DEFAULT_STRIDES",
    "VIDEO_NAME",
    "SideBySide",
    "write_side_by_side",
]
