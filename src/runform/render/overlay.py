"""The overlay of the annotated video: what is drawn on each frame.

The runner's skeleton (left leg orange, right leg sky blue; the leg nearer the camera drawn
on top and brighter, the far leg thinner and darker), live thigh, knee and trunk angles
next to the joints and in a panel, a marker and a coloured border flash at every foot
contact (disc) and toe-off (triangle) with a short label, a step counter, and the real
time. :class:`Overlay` draws it on any :class:`~runform.render.surface.Canvas`: the video's
YUV frames (:mod:`runform.render.annotate`) and the key-frame stills
(:mod:`runform.render.stills`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from runform.render import draw, lettering, surface
from runform.render.surface import SIDE_COLORS, Style
from runform.track import PoseTrack

#: How long (on screen) an event marker stays visible while it fades.
FLASH_SECONDS = 0.6

#: Opacity of the far leg's angle labels on the runner (its angles are never measured).
FAR_LABEL_OPACITY = 0.65


def near_side(direction: int) -> str:
    """The leg nearer the camera: a runner moving toward image right shows their right side."""
    return "right" if direction > 0 else "left"


def analysis_angles(analysis) -> dict:
    """``analysis.angles``, or recomputed from the cleaned track if the result lacks it."""
    angles = getattr(analysis, "angles", None)
    if angles:
        return angles
    from runform.metrics.angles import frame_angles

    return frame_angles(analysis.track, analysis.direction)


def _series(angles: dict, name: str, side: str | None, n: int) -> np.ndarray:
    try:
        values = angles[name] if side is None else angles[name][side]
    except (KeyError, TypeError):
        return np.full(n, np.nan)
    values = np.asarray(values, float)
    if values.shape[0] < n:
        values = np.concatenate([values, np.full(n - values.shape[0], np.nan)])
    return values


def foot_point(track: PoseTrack, side: str, frame: int, kind: str) -> np.ndarray | None:
    """Where to mark an event: the toe at toe-off, the lowest foot point at contact."""
    names = [f"{side}_{p}" for p in ("heel", "foot_index", "ankle")]
    pts = [track.xy[frame, track.index(n)] for n in names if track.has(n)]
    pts = [p for p in pts if np.all(np.isfinite(p))]
    if not pts:
        return None
    if kind == "toe_off" and track.has(f"{side}_foot_index"):
        toe = track.xy[frame, track.index(f"{side}_foot_index")]
        if np.all(np.isfinite(toe)):
            return toe
    return max(pts, key=lambda p: p[1])


@dataclass(frozen=True)
class _Event:
    side: str
    kind: str
    time_s: float
    where: np.ndarray | None


def _lerp(values: np.ndarray, i: int, weight: float) -> np.ndarray:
    """``values[i]`` moved ``weight`` of the way to ``values[i + 1]``; where either is
    missing (NaN), the nearer one's value."""
    a = values[i]
    if weight <= 0.0 or i + 1 >= len(values):
        return a
    b = values[i + 1]
    mixed = a + (b - a) * weight
    return np.where(np.isnan(mixed), a if weight < 0.5 else b, mixed)


@dataclass(frozen=True)
class _Pose:
    """The runner at one output frame: real time, keypoints (output pixels) and angles."""

    t: float
    points: dict[str, tuple[float, float]]
    thigh: dict[str, float]
    knee: dict[str, float]
    trunk: float


class Overlay:
    """Everything drawn on the video, precomputed per track so drawing a frame is cheap.

    Parameters
    ----------
    track:
        Cleaned pose track (pixel coordinates of the *source* frame).
    analysis:
        The engine result (``direction``, ``gait``, ``angles``).
    scale:
        ``(sx, sy)`` from source pixels to output pixels.
    style:
        Sizes for the output frame.
    slow_factor:
        Used for the on-screen label and for how long event markers stay up.
    frame_size:
        ``(width, height)`` of the output frame.

    :meth:`draw` draws source frame ``i``, or an in-between frame ``weight`` of the way to
    frame ``i + 1``: keypoints, angles and time are then interpolated linearly in time.
    """

    def __init__(
        self,
        track: PoseTrack,
        analysis,
        scale: tuple[float, float],
        style: Style,
        slow_factor: float,
        frame_size: tuple[int, int],
    ) -> None:
        self.track = track
        self.style = style
        self.slow_factor = slow_factor
        self.direction = 1 if getattr(analysis, "direction", 1) >= 0 else -1
        # The leg the engine decided is near (image evidence), else the facing's guess.
        self.near = getattr(analysis, "near_side", None) or near_side(self.direction)
        self.xy = track.xy * np.asarray(scale, float)
        n = track.n_frames
        angles = analysis_angles(analysis)
        self.thigh = {s: _series(angles, "thigh", s, n) for s in SIDE_COLORS}
        self.knee = {s: _series(angles, "knee", s, n) for s in SIDE_COLORS}
        self.trunk = _series(angles, "trunk", None, n)
        # the angles of a frame side by side, interpolated in one go: thigh, knee (L, R), trunk
        self._angles = np.stack(
            [*self.thigh.values(), *self.knee.values(), self.trunk],
            axis=1,
        )
        self.time = np.asarray(track.time, float)
        dt = float(np.median(np.diff(track.time))) if n > 1 else 1.0 / 30.0
        # the border flashes for the source frame interval nearest each event, in-between
        # frames included (as long on screen as the frame nearest the event without them)
        self.half_dt = dt / 2.0
        self.flash_real_s = max(FLASH_SECONDS / slow_factor, 1.5 * dt)
        gait = getattr(analysis, "gait", None)
        events = list(getattr(gait, "events", []) or [])
        steps = list(getattr(gait, "steps", []) or [])
        self.events: list[_Event] = []
        for e in sorted(events, key=lambda e: e.time_s):
            frame = int(np.clip(round(e.frame), 0, n - 1))
            where = foot_point(track, e.side, frame, e.kind)
            self.events.append(
                _Event(e.side, e.kind, float(e.time_s), None if where is None else where * scale)
            )
        self.event_times = np.array([e.time_s for e in self.events], float)
        if steps:
            contacts = [s.contact_s for s in steps]
        else:
            contacts = [e.time_s for e in self.events if e.kind == "contact"]
        self.contact_times = np.sort(np.asarray(contacts, float))
        self.no_steps = len(self.contact_times) == 0
        self._columns = self._column_widths()
        self.labels = draw.LabelPlacer(*frame_size)
        line_h = lettering.text_size("Ag°", style.font_px, box=False)[1]
        # just below the angle panel (4 rows), which has no step counter above it then
        self._banner_y = style.margin + 4 * line_h + 2 * (style.margin // 2) + style.margin

    # ------------------------------------------------------------------ parts
    def _column_widths(self) -> list[int]:
        px = self.style.font_px
        widest = [
            ("RIGHT (near)", "LEFT (far)", "trunk"),
            ("thigh", "88° back", "88° fwd"),
            ("knee", "188°"),
        ]
        return [max(lettering.text_size(t, px, box=False)[0] for t in col) for col in widest]

    def points(self, i: int, weight: float = 0.0) -> dict[str, tuple[float, float]]:
        """Keypoint name -> ``(x, y)`` output pixels in frame ``i`` (NaN where missing), or
        ``weight`` of the way to frame ``i + 1``."""
        xy = _lerp(self.xy, i, weight)
        return dict(zip(self.track.keypoints, map(tuple, xy.tolist()), strict=True))

    def pose(self, i: int, weight: float = 0.0) -> _Pose:
        """Time, keypoints and angles of frame ``i``, or ``weight`` of the way to ``i + 1``."""
        t = float(_lerp(self.time, i, weight))
        thigh_l, thigh_r, knee_l, knee_r, trunk = _lerp(self._angles, i, weight).tolist()
        return _Pose(
            t,
            self.points(i, weight),
            {"left": thigh_l, "right": thigh_r},
            {"left": knee_l, "right": knee_r},
            trunk,
        )

    def _panel(self, canvas: surface.Canvas, pose: _Pose) -> tuple[int, int, int, int]:
        """Step counter, then a table of live angles, in the top-left corner."""
        t = pose.t
        m = self.style.margin
        top = m
        if not self.no_steps:
            count = int(np.searchsorted(self.contact_times, t + self.half_dt, side="right"))
            text = f"STEP {count}/{len(self.contact_times)}"
            box = lettering.put_text(canvas, text, (m, m), self.style.title_font_px, surface.WHITE)
            top = box[3] + m // 2
        grey = surface.GREY
        rows = [[("", grey), ("thigh", grey), ("knee", grey)]]
        for side in (self.near, "right" if self.near == "left" else "left"):
            where = "near" if side == self.near else "far"
            # the far leg's angles are seen partly hidden and never measured: greyed
            value = SIDE_COLORS[side] if side == self.near else grey
            rows.append(
                [
                    (f"{side.upper()} ({where})", SIDE_COLORS[side]),
                    (draw.signed_words(pose.thigh[side], "fwd", "back"), value),
                    (draw.degrees_text(pose.knee[side]), value),
                ]
            )
        rows.append(
            [
                ("trunk", surface.BODY_COLOR),
                (draw.signed_words(pose.trunk, "fwd", "back"), surface.WHITE),
            ]
        )
        return lettering.draw_table(
            canvas, rows, (m, top), self.style.font_px, column_widths=self._columns, pad=m // 2
        )

    def _labels(
        self, canvas: surface.Canvas, pose: _Pose, taken: list, labels: list[tuple]
    ) -> None:
        """Event labels by the foot, thigh and knee angles by each leg's hip and knee, trunk
        angle by the shoulders, each where it hides the least of the runner and inside the
        frame."""
        pts = pose.points
        px = self.style.small_font_px
        gap = self.style.joint_radius * 2.5
        self.labels.start(draw.skeleton_segments(pts), taken)
        behind = -self.direction
        far = "right" if self.near == "left" else "left"
        labels = list(labels)
        shoulders = [pts.get(f"{s}_shoulder") for s in SIDE_COLORS]
        shoulders = [p for p in shoulders if p is not None and math.isfinite(p[0] + p[1])]
        if shoulders and np.isfinite(pose.trunk):
            text = "trunk " + draw.signed_words(pose.trunk, "fwd", "back")
            labels.append(("trunk", np.mean(shoulders, axis=0), text, surface.WHITE, behind, 1.0))
        for side in (self.near, far):
            color = SIDE_COLORS[side]
            thigh = "thigh " + draw.signed_words(pose.thigh[side], "fwd", "back")
            knee = "knee " + draw.degrees_text(pose.knee[side])
            # near-leg labels start behind the runner, far-leg labels in front
            prefer = behind if side == self.near else -behind
            fade = 1.0 if side == self.near else FAR_LABEL_OPACITY
            labels.append((f"{side}_hip", pts.get(f"{side}_hip"), thigh, color, prefer, fade))
            labels.append((f"{side}_knee", pts.get(f"{side}_knee"), knee, color, prefer, fade))
        for key, p, text, color, prefer, opacity in labels:
            if p is None or not math.isfinite(p[0] + p[1]) or text.endswith("–"):
                continue
            size = lettering.text_size(text, px)
            x0, y0 = self.labels.place(key, size, p, gap, prefer)
            lettering.put_text(canvas, text, (x0, y0), px, color, opacity=opacity)

    def _events(self, canvas: surface.Canvas, t: float) -> list[tuple]:
        """Markers and border flash of the events around time ``t``; returns their labels."""
        labels: list[tuple] = []
        if not self.events:
            return labels
        age = t - self.event_times
        live = np.nonzero((age >= -self.half_dt) & (age < self.half_dt + self.flash_real_s))[0]
        style = self.style
        for j in live:
            e = self.events[j]
            opacity = float(
                np.clip(1.0 - max(age[j] - self.half_dt, 0.0) / self.flash_real_s, 0, 1)
            )
            color = SIDE_COLORS[e.side]
            if age[j] <= self.half_dt + 1e-9:
                draw.flash_border(canvas, color, style.margin // 2, 0.85)
            if e.where is None:
                continue
            draw.event_marker(canvas, e.where, e.kind, color, style, opacity)
            label = f"{e.side.upper()} {'CONTACT' if e.kind == 'contact' else 'TOE-OFF'}"
            labels.append((f"event{j}", e.where, label, color, -self.direction, opacity))
        return labels

    def _footer(self, canvas: surface.Canvas, t: float, t0: float) -> list[tuple]:
        """Real time (seconds from the first frame) and the slow-motion factor; their boxes."""
        h, w = canvas.height, canvas.width
        m = self.style.margin
        clock = f"t = {t - t0:.3f} s"
        slow = f"{self.slow_factor:.3g}× slow motion"
        return [
            lettering.put_text(
                canvas, clock, (m, h - m), self.style.font_px, anchor="lb", cache=False
            ),
            lettering.put_text(canvas, slow, (w - m, h - m), self.style.small_font_px, anchor="rb"),
        ]

    # ------------------------------------------------------------------ frame
    def draw(self, canvas: surface.Canvas, i: int, weight: float = 0.0) -> None:
        """Draw every annotation of source frame ``i``, or of the in-between frame
        ``weight`` of the way to frame ``i + 1`` (output pixels)."""
        pose = self.pose(i, weight)
        taken = []
        if self.no_steps:  # under the skeleton, so the runner stays visible
            taken.append(
                lettering.banner(canvas, "No steps detected", self.style, y=self._banner_y)
            )
        draw.draw_skeleton(canvas, pose.points, self.style, self.near)
        event_labels = self._events(canvas, pose.t)
        taken.append(self._panel(canvas, pose))
        taken += self._footer(canvas, pose.t, float(self.time[0]))
        self._labels(canvas, pose, taken, event_labels)
