"""Variable frame rate: does the engine keep time when a phone's frames are not evenly spaced?

Phones drop frames under load, lower their rate in poor light and put each frame a
millisecond or two off its nominal time. A pose track keeps each frame's real time, but a
filter or a window counted in frames misreads time where the spacing changes. This bench
runs the same synthetic runners (:mod:`runform.synthetic`, exact events) through the whole
engine (:func:`runform.pipeline.analyze_track`) sampled

- uniformly at 30 and 60 fps (the reference, measured in the same run);
- with single dropped frames (5 % of frames);
- with a stretch of 3 s at a lower rate (30 → 24 fps, 60 → 30 fps);
- with frame times jittered by up to ±2 ms;
- with all three at once;

and prints, per condition, the contacts' and toe-offs' error against the truth (mean
absolute, bias, worst; ms), how far each event moved from where the same runner's uniform
run put it (mean absolute and worst; the uniform rows are 0), how many were found, and the
error of the median contact time, the cadence and two angles read at the events (knee
flexion and shank angle at contact). Events within :data:`EDGE_S` of the clip's ends are
left out: their late swing or push-off is not in the clip and the filters have not
settled there, so their error changes by 5-15 ms with anything global (the noise margin,
the stride template) even where the frames at that end are the same, which says nothing
of the frame rate.
``--mocap`` adds the force-plate runners of ``../shared/data`` (:mod:`mocap`), their
contacts and toe-offs scored by :func:`events_protocol.score` (slow: each trial is built
from the markers).

Command line::

    python bench/vfr_timing.py              # synthetic runners
    python bench/vfr_timing.py --mocap      # and the force-plate runners
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SYNTHETIC_RUNNERS, format_table, log
from runform.evaluation import match_events, pair_events
from runform.pipeline import analyze_track
from runform.synthetic import RunnerSpec, synthetic_runner
from runform.synthetic.frame_times import drop_frames, jitter, rate_stretch, uniform_times

DURATION_S = 12.0
#: The lower-rate stretch: from 4 s, 3 s long.
STRETCH = (4.0, 3.0)
#: Nominal rate → the rate of the stretch.
LOW_RATE = {30.0: 24.0, 60.0: 30.0}
DROP_FRACTION = 0.05
JITTER_S = 0.002
TOLERANCE_S = 0.08
#: Events this close to the clip's ends are not scored (see the module docstring).
EDGE_S = 0.3
#: Runners: cadence and foot strike; and the pixel noise (a phone's pose model wobbles a few px).
RUNNERS = SYNTHETIC_RUNNERS
NOISE_PX = 2.0
SEEDS = (0, 1, 2)
ANGLES = ("knee_flexion_contact_deg", "shank_angle_contact_deg")


def conditions(fps: float) -> list[tuple[str, Callable[[int], np.ndarray]]]:
    """``(name, seed -> frame times)`` of each sampling at nominal rate ``fps``."""
    low = LOW_RATE[fps]
    start, length = STRETCH

    def uniform(seed: int) -> np.ndarray:
        return uniform_times(fps, DURATION_S)

    def drops(seed: int) -> np.ndarray:
        return drop_frames(uniform_times(fps, DURATION_S), DROP_FRACTION, seed)

    def stretch(seed: int) -> np.ndarray:
        return rate_stretch(fps, DURATION_S, low_fps=low, start_s=start, length_s=length)

    def jittered(seed: int) -> np.ndarray:
        return jitter(uniform_times(fps, DURATION_S), JITTER_S, seed)

    def everything(seed: int) -> np.ndarray:
        t = rate_stretch(fps, DURATION_S, low_fps=low, start_s=start, length_s=length)
        return jitter(drop_frames(t, DROP_FRACTION, seed), JITTER_S, seed)

    n = f"{fps:.0f} fps"
    return [
        (f"{n} uniform", uniform),
        (f"{n}, 5 % single drops", drops),
        (f"{n}, 3 s at {low:.0f} fps", stretch),
        (f"{n}, ±2 ms jitter", jittered),
        (f"{n}, all three", everything),
    ]


def score_run(fps: float, times: np.ndarray, runner: tuple[float, str], seed: int) -> dict:
    """One synthetic run analysed and scored against its truth."""
    cadence, strike = runner
    run = synthetic_runner(
        RunnerSpec(cadence_spm=cadence, foot_strike=strike),  # type: ignore[arg-type]
        fps=fps,
        duration_s=DURATION_S,
        noise_px=NOISE_PX,
        seed=seed,
        times=times,
    )
    a = analyze_track(run.track)
    found = [{"side": e.side, "kind": e.kind, "time_s": e.time_s} for e in a.gait.events]
    # the truth's stances wholly inside the clip (the engine leaves those cut by its ends)
    lo, hi = float(times[0]) + EDGE_S, float(times[-1]) - EDGE_S
    truth = [
        {"side": e.side, "kind": e.kind, "time_s": e.time_s}
        for e in run.events
        if lo <= e.time_s <= hi
    ]
    m = match_events(found, truth, TOLERANCE_S)
    found = [e for e in found if lo <= e["time_s"] <= hi]
    out = {
        "events": found,
        "contact_errors": list(m["contact"].errors_ms),
        "toe_off_errors": list(m["toe_off"].errors_ms),
        "found": m["contact"].n_matched + m["toe_off"].n_matched,
        "truth": m["contact"].n_true + m["toe_off"].n_true,
        "contact_time_ms": _mean_sides(a.summary["contact_time_ms"]) - run.truth["contact_time_ms"],
        "cadence_spm": a.summary["cadence_spm"] - run.truth["cadence_spm"],
    }
    for angle in ANGLES:
        out[angle] = _mean_sides(a.summary[angle]) - _mean_sides(run.truth[angle])
    return out


def _mean_sides(value: float | dict) -> float:
    if isinstance(value, dict):
        return float(np.mean([v for v in value.values() if v is not None]))
    return float(value)


def shifts_ms(events: list[dict], reference: list[dict]) -> list[float]:
    """How far each event moved from the same event of the reference run (ms)."""
    pairs, a, b = pair_events(events, reference, TOLERANCE_S)
    return [1000.0 * (a[i][2] - b[j][2]) for i, j in pairs]


def summarise(name: str, runs: Sequence[dict], reference: Sequence[dict]) -> list[object]:
    """One table row: pooled event errors and shifts from the uniform ``reference`` runs
    (same runners, same seeds), and the mean absolute error of the rest."""
    row: list[object] = [name]
    for kind in ("contact", "toe_off"):
        e = np.concatenate([r[f"{kind}_errors"] for r in runs])
        row += [float(np.mean(np.abs(e))), float(np.mean(e)), float(np.max(np.abs(e)))]
    moved = np.abs(
        np.concatenate(
            [shifts_ms(r["events"], u["events"]) for r, u in zip(runs, reference, strict=True)]
        )
    )
    row += [float(np.mean(moved)), float(np.max(moved))]
    row.append(f"{sum(r['found'] for r in runs)}/{sum(r['truth'] for r in runs)}")
    for key in ("contact_time_ms", "cadence_spm", *ANGLES):
        row.append(float(np.mean([abs(r[key]) for r in runs])))
    return row


#: The event columns both tables start with, after the condition.
EVENT_COLUMNS = (
    "contact MAE ms",
    "contact bias ms",
    "contact worst ms",
    "toe-off MAE ms",
    "toe-off bias ms",
    "toe-off worst ms",
    "shift vs uniform ms",
    "worst shift ms",
)

HEADER = (
    "condition",
    *EVENT_COLUMNS,
    "events found",
    "contact time |err| ms",
    "cadence |err| spm",
    "knee at contact |err| deg",
    "shank at contact |err| deg",
)


def synthetic_table() -> str:
    rows = []
    for fps in (30.0, 60.0):
        reference: list[dict] = []
        for name, make in conditions(fps):
            log(f"synthetic: {name}")
            runs = [score_run(fps, make(seed), r, seed) for r in RUNNERS for seed in SEEDS]
            reference = reference or runs  # the first condition is the uniform one
            rows.append(summarise(name, runs, reference))
    return format_table(HEADER, rows)


def mocap_table() -> str:
    """The force-plate runners of ``../shared/data`` at 30 fps + 4 px under each sampling."""
    from events_protocol import run_engine, score
    from mocap import FRAME_WIDTH, draw_points, load_trials
    from runform.track import PoseTrack, TrackMeta

    trials = load_trials(progress=lambda n: log(f"building {n}"))
    rows = []
    reference: list[list[dict]] = []
    for name, make in conditions(30.0):
        results, events = [], []
        for k, trial in enumerate(trials):
            t0 = float(trial.time[0])
            times = make(k)
            times = t0 + times[times <= trial.time[-1] - t0]
            hips = 0.5 * (trial.points["left_hip"] + trial.points["right_hip"])
            xy, sc = draw_points(
                trial.time,
                trial.points,
                times,
                -1.0,
                float(np.nanmedian(hips[:, 0])),
                450.0,
                4.0,
                np.random.default_rng(k),
                0.9,
            )
            meta = TrackMeta(source="markers", width=FRAME_WIDTH, height=1080, fps=30.0)
            track = PoseTrack.from_points(times, xy, sc, meta)
            found = run_engine(track)
            results.append(score(found, trial))
            lo, hi = float(times[0]) + EDGE_S, float(times[-1]) - EDGE_S
            events.append([e for e in found["events"] if lo <= e["time_s"] <= hi])
        reference = reference or events  # the first condition is the uniform one
        moved = np.abs(
            np.concatenate([shifts_ms(a, b) for a, b in zip(events, reference, strict=True)])
        )
        c = np.concatenate([r["contact_errors_ms"] for r in results])
        o = np.concatenate([r["toe_off_errors_ms"] for r in results])
        rows.append(
            [
                name,
                float(np.mean(np.abs(c))),
                float(np.mean(c)),
                float(np.max(np.abs(c))),
                float(np.mean(np.abs(o))),
                float(np.mean(o)),
                float(np.max(np.abs(o))),
                float(np.mean(moved)),
                float(np.max(moved)),
                float(np.mean([r["contact_recall_pct"] for r in results])),
                float(np.mean([abs(r["cadence_error_pct"]) for r in results])),
            ]
        )
    header = (
        "condition (force-plate runners, 30 fps + 4 px)",
        *EVENT_COLUMNS,
        "contacts found %",
        "cadence |err| %",
    )
    return format_table(header, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mocap", action="store_true", help="add the force-plate runners")
    args = parser.parse_args(argv)
    print(
        f"Synthetic runners ({len(RUNNERS)} x {len(SEEDS)} seeds, {DURATION_S:g} s, "
        f"{NOISE_PX:g} px noise), whole engine:\n"
    )
    print(synthetic_table())
    if args.mocap:
        print()
        print(mocap_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
