"""Validate runform's gait events against real marker motion capture and a force plate.

Data: subject RBDS0041 of Fukuchi, Fukuchi & Duarte (2017), "A public dataset of running
biomechanics and the effects of running speed on lower extremity kinematics and kinetics",
PeerJ 5:e3298, repository ``regifukuchi/BMC-RIC-running-biomechanics``, licence CC BY 4.0.
It is read from ``<repo>/../shared/data/fukuchi_rbds0041/``.

This module holds the side-view projection of the markers (:func:`project_markers`,
:func:`write_track_csv`), the export of tracks and truth (:func:`export`) and the
single-runner engine benchmark (:func:`benchmark`, :func:`format_benchmark`, :func:`main`).
The files (and what they contain, checked from the data) and the force-plate truth are
:mod:`fukuchi_files`'s; marker-only events and angle reference numbers are
:mod:`fukuchi_reference`'s.

Camera model
------------
An orthographic side view of the sagittal (X-Y) plane: image x along the direction of travel
(runner facing image-left or image-right), image y = vertical with y down, on a 1920x1080
frame at ``px_per_m`` = 450 px/m by default. The static trial puts the greater trochanter
~1.0 m above the floor, i.e. a stature of ~1.9 m (trochanter height ≈ 0.53 × stature), so the
whole body would span ~850 px, about 80 % of a 1080-px frame height. The belt surface
(Y = 0) is at y = 1000 px. Orthographic projection ignores perspective and the near/far
leg occlusion a real camera has.

Command line::

    python bench/fukuchi.py --export DIR   # projected tracks, truth events, reference numbers
    python bench/fukuchi.py                # run the engine and print the validation table
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table
from fukuchi_files import ATTRIBUTION, DATA_DIR, MARKER_RATE_HZ, TRIALS, keypoints_3d, truth_record
from fukuchi_reference import reference_numbers
from mocap import draw_points
from runform.track import PoseTrack, TrackMeta

FRAME_WIDTH = 1920
FRAME_HEIGHT = 1080
DEFAULT_PX_PER_M = 450.0
GROUND_Y_PX = 1000.0


# ----------------------------------------------------------------------------- projection
def _frame_times(time: np.ndarray, rate_hz: float | None, phase: float) -> np.ndarray:
    if rate_hz is None:
        return time.copy()
    step = 1.0 / rate_hz
    return np.arange(time[0] + phase * step, time[-1] + 1e-9, step)


def project_markers(
    path: str | Path,
    rate_hz: float | None = None,
    noise_px: float = 0.0,
    px_per_m: float = DEFAULT_PX_PER_M,
    seed: int = 0,
    facing: str = "left",
    phase: float = 0.5,
    score: float | None = None,
    start_s: float = 0.0,
    duration_s: float | None = None,
) -> PoseTrack:
    """Project a marker trial into the pixels a side camera would see (a runform PoseTrack).

    Parameters
    ----------
    path:
        A running marker file (``RBDS0041runT252.txt``...); the static trial beside it
        calibrates the rebuilt anatomical markers (see :func:`fukuchi_files.keypoints_3d`).
    rate_hz:
        Frame rate of the track; ``None`` keeps the 150 Hz marker samples. Otherwise the
        markers are linearly interpolated at ``start + (phase + k) / rate_hz``, so frames
        fall between marker samples as they would for an unsynchronised camera.
    noise_px:
        Standard deviation of independent Gaussian pixel noise added to every coordinate.
    px_per_m:
        Image scale; the default 450 px/m makes this ~1.9 m runner fill ~80 % of a
        1080-px-high frame.
    seed:
        Seed of the noise generator (the same seed gives the same track).
    facing:
        ``"left"`` (runner faces image-left, forward = −x) or ``"right"`` (forward = +x).
    phase:
        Offset of the first frame, as a fraction of one frame interval (resampled tracks only).
    score:
        Confidence given to every point; default 1.0 for clean tracks, 0.9 with noise.
        Points that could not be rebuilt are NaN with score 0.
    start_s, duration_s:
        Optional crop of the trial (seconds of the marker clock).

    Returns
    -------
    PoseTrack
        Keypoints ``{left,right}_{hip,knee,ankle,heel,foot_index}`` in pixels (x right,
        y down), on a 1920x1080 frame, belt surface at y = 1000 px, treadmill (no travel).

    Examples
    --------
    >>> track = project_markers(DATA_DIR / TRIALS[2.5], rate_hz=60, noise_px=8, seed=1)
    >>> round(track.frame_rate)
    60
    """
    if facing not in ("left", "right"):
        raise ValueError(f"facing must be 'left' or 'right', not {facing!r}.")
    time, points = keypoints_3d(path)
    direction = 1.0 if facing == "right" else -1.0
    hips = 0.5 * (points["left_hip"] + points["right_hip"])
    x_ref = float(np.nanmedian(hips[:, 0]))
    frames = _frame_times(time, rate_hz, phase)
    keep = frames >= time[0] + start_s
    if duration_s is not None:
        keep &= frames < time[0] + start_s + duration_s
    frames = frames[keep]
    rng = np.random.default_rng(seed)
    if score is None:
        score = 1.0 if noise_px == 0 else 0.9
    xy_points, scores = draw_points(
        time, points, frames, direction, x_ref, px_per_m, noise_px, rng, score
    )
    rate = MARKER_RATE_HZ if rate_hz is None else float(rate_hz)
    meta = TrackMeta(
        source="fukuchi-markers",
        width=FRAME_WIDTH,
        height=FRAME_HEIGHT,
        fps=rate,
        units="px",
        time_base="marker row / 150 Hz (force plate: (frame - 1) / 300 Hz, same clock)",
        path=str(path),
        extra={
            "facing": facing,
            "px_per_m": px_per_m,
            "noise_px": noise_px,
            "seed": seed,
            "phase": phase if rate_hz is not None else 0.0,
            "camera": "orthographic sagittal projection",
            "attribution": ATTRIBUTION,
        },
    )
    return PoseTrack.from_points(frames, xy_points, scores, meta)


def write_track_csv(track: PoseTrack, path: str | Path) -> None:
    """Write a track in the runform CSV contract (``time,<name>_x,<name>_y,<name>_score,...``).

    Uses ``runform.pose.readers.write_pose_csv`` when it exists; otherwise writes the same
    columns itself (missing values as empty cells).
    """
    try:
        from runform.pose.readers import write_pose_csv
    except ImportError:
        write_pose_csv = None
    if write_pose_csv is not None:
        write_pose_csv(track, path)
        return
    header = ["time"]
    for name in track.keypoints:
        header += [f"{name}_x", f"{name}_y", f"{name}_score"]
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(track.n_frames):
            row = [f"{track.time[i]:.6f}"]
            for k in range(len(track.keypoints)):
                x, y = track.xy[i, k]
                s = track.score[i, k]
                row += ["" if np.isnan(v) else f"{v:.3f}" for v in (x, y, s)]
            writer.writerow(row)


# ----------------------------------------------------------------------------- export
#: Tracks written by ``--export``: file name -> project_markers keyword arguments.
EXPORTS: dict[str, dict] = {
    "fuk_150.csv": {"rate_hz": None, "noise_px": 0.0},
    "fuk_60_noise8.csv": {"rate_hz": 60.0, "noise_px": 8.0, "seed": 1},
    "fuk_30_noise8.csv": {"rate_hz": 30.0, "noise_px": 8.0, "seed": 2},
}


def export(out_dir: str | Path, data_dir: Path = DATA_DIR, facing: str = "left") -> list[Path]:
    """Write the projected 2.5 m/s tracks, ``truth_events.json`` and ``reference.json``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, kwargs in EXPORTS.items():
        track = project_markers(data_dir / TRIALS[2.5], facing=facing, **kwargs)
        write_track_csv(track, out_dir / name)
        written.append(out_dir / name)
    truth = truth_record(data_dir)
    truth["tracks"] = {
        name: {"facing": facing, "px_per_m": DEFAULT_PX_PER_M, "phase": 0.5, **kwargs}
        for name, kwargs in EXPORTS.items()
    }
    path = out_dir / "truth_events.json"
    path.write_text(json.dumps(truth, indent=1))
    written.append(path)
    path = out_dir / "reference.json"
    path.write_text(json.dumps(reference_numbers(data_dir), indent=1))
    written.append(path)
    return written


# ----------------------------------------------------------------------------- engine benchmark
#: Benchmark conditions: name, frame rate (None = 150 Hz markers), pixel noise and the
#: (seed, phase) runs averaged for each facing.
CONDITIONS: tuple[dict, ...] = (
    {"name": "150 Hz clean", "rate_hz": None, "noise_px": 0.0, "runs": ((0, 0.0),)},
    {
        "name": "60 Hz + 8 px",
        "rate_hz": 60.0,
        "noise_px": 8.0,
        "runs": ((0, 0.1), (1, 0.45), (2, 0.8)),
    },
    {
        "name": "30 Hz + 8 px",
        "rate_hz": 30.0,
        "noise_px": 8.0,
        "runs": ((0, 0.1), (1, 0.45), (2, 0.8)),
    },
)

#: Targets per condition: (label, key in the condition's mean, limit, compare).
TARGETS: dict[str, tuple[tuple[str, str, float, str], ...]] = {
    "150 Hz clean": (
        ("contact MAE <= 10 ms", "contact_mae_ms", 10.0, "<="),
        ("toe-off MAE <= 10 ms", "toe_off_mae_ms", 10.0, "<="),
        ("cadence error <= 0.5 %", "cadence_abs_error_pct", 0.5, "<="),
        ("recall >= 95 % (harness)", "recall_min", 0.95, ">="),
    ),
    "60 Hz + 8 px": (
        ("contact MAE <= 15 ms", "contact_mae_ms", 15.0, "<="),
        ("toe-off MAE <= 15 ms", "toe_off_mae_ms", 15.0, "<="),
        ("recall >= 95 % (harness)", "recall_min", 0.95, ">="),
    ),
}

EngineFn = Callable[[PoseTrack], dict]


def pipeline_engine(track: PoseTrack) -> dict:
    """Run runform's engine on a track: ``analyze_track(track).to_dict()``."""
    from runform.pipeline import AnalysisOptions, analyze_track

    return analyze_track(track, AnalysisOptions(treadmill_speed_mps=2.5)).to_dict()


def score_run(result: dict, truth: dict, tolerance_s: float = 0.08) -> dict:
    """Score one engine result (``{"events": [...], "summary": {"cadence_spm"...}}``)."""
    from runform.evaluation import contact_time_errors, match_events

    events = result.get("events", [])
    scores = match_events(events, truth["events"], tolerance_s)
    ct = contact_time_errors(events, truth["events"], tolerance_s)
    cadence = (result.get("summary") or {}).get("cadence_spm")
    true_cadence = truth["summary"]["cadence_spm"]
    return {
        "ok": True,
        "contact": scores["contact"].to_dict(),
        "toe_off": scores["toe_off"].to_dict(),
        "contact_time": ct.to_dict(),
        "cadence_spm": cadence,
        "cadence_error_pct": (
            100.0 * (cadence - true_cadence) / true_cadence if cadence is not None else None
        ),
    }


def _mean(values: Iterable[float | None]) -> float:
    vals = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(vals)) if vals else float("nan")


def _condition_mean(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["ok"]]
    extra = [
        (r["contact"]["extra"] + r["toe_off"]["extra"])
        / max(1, r["contact"]["n_true"] + r["toe_off"]["n_true"])
        for r in ok
    ]
    recall_min = [min(r["contact"]["recall"], r["toe_off"]["recall"]) for r in ok]
    return {
        "n_runs": len(runs),
        "n_failed": len(runs) - len(ok),
        "contact_mae_ms": _mean(r["contact"]["mae_ms"] for r in ok),
        "contact_bias_ms": _mean(r["contact"]["bias_ms"] for r in ok),
        "contact_recall": _mean(r["contact"]["recall"] for r in ok),
        "toe_off_mae_ms": _mean(r["toe_off"]["mae_ms"] for r in ok),
        "toe_off_bias_ms": _mean(r["toe_off"]["bias_ms"] for r in ok),
        "toe_off_recall": _mean(r["toe_off"]["recall"] for r in ok),
        # a failed run counts as recall 0 so it cannot hide behind the others
        "recall_min": _mean(recall_min + [0.0] * (len(runs) - len(ok))),
        "extra_pct": 100.0 * _mean(extra),
        "contact_time_mae_ms": _mean(r["contact_time"]["mae_ms"] for r in ok),
        "contact_time_bias_ms": _mean(r["contact_time"]["bias_ms"] for r in ok),
        "cadence_error_pct": _mean(r["cadence_error_pct"] for r in ok),
        "cadence_abs_error_pct": _mean(
            abs(r["cadence_error_pct"]) if r["cadence_error_pct"] is not None else None for r in ok
        ),
    }


def _check_targets(name: str, mean: dict) -> list[dict]:
    out = []
    for label, key, limit, cmp in TARGETS.get(name, ()):
        value = mean[key]
        met = bool(np.isfinite(value) and (value <= limit if cmp == "<=" else value >= limit))
        out.append({"target": label, "key": key, "value": value, "limit": limit, "met": met})
    return out


def benchmark(
    engine: EngineFn | None = None,
    conditions: Sequence[dict] = CONDITIONS,
    facings: Sequence[str] = ("left", "right"),
    data_dir: Path = DATA_DIR,
    tolerance_s: float = 0.08,
    progress: Callable[..., None] | None = None,
) -> dict:
    """Run an engine on projected 2.5 m/s tracks and score it against the force plate.

    Parameters
    ----------
    engine:
        ``track -> {"events": [...], "summary": {"cadence_spm": ...}}``; default
        :func:`pipeline_engine` (runform's ``analyze_track``). An engine that raises
        ``runform.errors.RunformError`` is recorded as a failed run (recall 0).
    conditions, facings:
        What to project (see :data:`CONDITIONS`); every run is repeated for each facing.
    tolerance_s:
        Matching tolerance of :func:`runform.evaluation.match_events`.
    progress:
        Optional callback ``(stage, fraction, detail)``.

    Returns
    -------
    dict
        ``{"truth": summary, "tolerance_s", "conditions": [{"name", "rate_hz", "noise_px",
        "runs": [...], "mean": {...}, "targets": [{"target", "value", "limit", "met"}]}]}``.
    """
    from runform.errors import RunformError

    engine = engine or pipeline_engine
    truth = truth_record(data_dir)
    total = sum(len(c["runs"]) for c in conditions) * len(facings)
    done = 0
    out_conditions = []
    for cond in conditions:
        runs = []
        for facing in facings:
            for seed, phase in cond["runs"]:
                track = project_markers(
                    data_dir / TRIALS[2.5],
                    rate_hz=cond["rate_hz"],
                    noise_px=cond["noise_px"],
                    seed=seed,
                    phase=phase,
                    facing=facing,
                )
                info = {"facing": facing, "seed": seed, "phase": phase}
                try:
                    run = score_run(engine(track), truth, tolerance_s)
                except RunformError as exc:
                    run = {"ok": False, "error": str(exc)}
                runs.append({**info, **run})
                done += 1
                if progress:
                    progress("fukuchi", done / total, f"{cond['name']} facing {facing}")
        mean = _condition_mean(runs)
        out_conditions.append(
            {
                "name": cond["name"],
                "rate_hz": cond["rate_hz"] or MARKER_RATE_HZ,
                "noise_px": cond["noise_px"],
                "runs": runs,
                "mean": mean,
                "targets": _check_targets(cond["name"], mean),
            }
        )
    return {
        "data": ATTRIBUTION,
        "trial": TRIALS[2.5],
        "truth": truth["summary"],
        "truth_method": truth["method"],
        "tolerance_s": tolerance_s,
        "conditions": out_conditions,
    }


def format_benchmark(result: dict) -> str:
    """The benchmark as text: one row per condition, then the targets."""
    header = [
        "condition",
        "runs (failed)",
        "contact MAE / bias ms",
        "toe-off MAE / bias ms",
        "recall C / TO %",
        "extra %",
        "contact time err MAE / bias ms",
        "cadence err %",
    ]

    def pair(a: float, b: float) -> str:
        return "–" if not np.isfinite(a) else f"{a:.1f} / {b:+.1f}"

    def pct(v: float) -> str:
        return "–" if not np.isfinite(v) else f"{100 * v:.0f}"

    rows = []
    for c in result["conditions"]:
        m = c["mean"]
        rows.append(
            [
                c["name"],
                f"{m['n_runs']} ({m['n_failed']})",
                pair(m["contact_mae_ms"], m["contact_bias_ms"]),
                pair(m["toe_off_mae_ms"], m["toe_off_bias_ms"]),
                f"{pct(m['contact_recall'])} / {pct(m['toe_off_recall'])}",
                f"{m['extra_pct']:.1f}",
                pair(m["contact_time_mae_ms"], m["contact_time_bias_ms"]),
                f"{m['cadence_error_pct']:+.2f}",
            ]
        )
    t = result["truth"]
    lines = [
        f"Force-plate truth ({result['trial']}): {t['n_stances']} stances, cadence "
        f"{t['cadence_spm']:.1f} spm, contact {t['contact_time_ms']:.0f} ms, flight "
        f"{t['flight_time_ms']:.0f} ms, duty factor {t['duty_factor_pct']:.1f} %; "
        f"matching tolerance {1000 * result['tolerance_s']:.0f} ms.",
        "",
        format_table(header, rows),
        "",
    ]
    for c in result["conditions"]:
        for tgt in c["targets"]:
            verdict = "MET" if tgt["met"] else "NOT MET"
            lines.append(f"{c['name']}: {tgt['target']}: {tgt['value']:.3g} -> {verdict}")
        for r in c["runs"]:
            if not r["ok"]:
                lines.append(
                    f"{c['name']} facing {r['facing']} seed {r['seed']}: FAILED: {r['error']}"
                )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--export", metavar="DIR", help="write tracks and truth to DIR and stop")
    parser.add_argument("--facing", default="left", choices=["left", "right"])
    parser.add_argument(
        "--facing-only", action="store_true", help="benchmark only --facing, not both"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the benchmark result as JSON")
    args = parser.parse_args(argv)
    if not DATA_DIR.is_dir():
        print(f"Reference data not found at {DATA_DIR}.", file=sys.stderr)
        return 2
    if args.export:
        for path in export(args.export, facing=args.facing):
            print(f"wrote {path}")
        return 0
    result = benchmark(facings=(args.facing,) if args.facing_only else ("left", "right"))
    print(format_benchmark(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
