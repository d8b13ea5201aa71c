"""Both sides of the body: two one-sided analyses, one clip filmed from each side, merged
into one two-sided document (``runform.analysis/2``).

One side-view camera sees the near leg well and the far leg partly hidden, so a one-sided
analysis judges only the near leg. With a clip from each side, each leg's values come from
the clip in which it is the near leg; the far-leg values of each clip are kept only as a
cross-check (``sides.cross_check``). Run-level metrics (cadence, vertical oscillation,
trunk lean) come from both clips, weighted by their step counts, and the two clips are
checked against each other: a different cadence (beyond 3 %), speed, setting, frame rate or
stated height says the two runs may not be comparable.

Left/right symmetry is computed from near-leg values only (``sides.symmetry``): the
difference right − left, its step-to-step standard error (bootstrap of the per-step
values, as in :mod:`runform.compare.change`) and the measurement error of a difference
between two clips (the two legs' errors in quadrature: each clip has its own camera set-up).
A difference is ``real`` only when it exceeds both; the findings' asymmetry rule uses the
same measurement error (:mod:`runform.findings.asymmetry`).

Examples
--------
>>> from runform.synthetic import RunnerSpec, synthetic_runner
>>> from runform.pipeline import AnalysisOptions, analyze_track
>>> docs = [
...     analyze_track(
...         synthetic_runner(RunnerSpec(facing=f), fps=120, duration_s=8, seed=1).track,
...         AnalysisOptions(treadmill_speed_mps=3.2),
...     ).to_dict()
...     for f in ("left", "right")
... ]
>>> both = merge_sides(docs[0], docs[1])
>>> both["schema"], both["sides"]["left"]["clip"], both["sides"]["right"]["clip"]
('runform.analysis/2', 'clip 1', 'clip 2')
>>> both["metrics"]["thigh_extension_deg"]["reliability"]["right"]["view"]
'near'
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from runform.compare.change import finite_number
from runform.compare.sides_checks import checks as checks_of
from runform.compare.sides_checks import cross_check, step_values, symmetry
from runform.errors import InputError
from runform.findings import findings_from_analysis
from runform.findings.pace import metric_band, pace_from_analysis
from runform.keypoints import other_side
from runform.metrics.summary import position, step_stats, symmetry_index

ONE_SIDED_SCHEMA = "runform.analysis/1"
TWO_SIDED_SCHEMA = "runform.analysis/2"
SIDES = ("left", "right")

#: A far-leg value further than this many measurement errors from the same leg measured

Progress = Callable[..., None]


def _pooled(first: dict | None, second: dict | None) -> dict | None:
    """Two sessions' summaries of a run-level value, weighted by their counts."""
    parts = [s for s in (first, second) if s and isinstance(s.get("median"), int | float)]
    if not parts:
        return None
    if len(parts) == 1:
        return dict(parts[0])
    n = [max(int(p.get("n") or 1), 1) for p in parts]
    w = np.asarray(n, float) / sum(n)

    def mix(key: str) -> float | None:
        vals = [p.get(key) for p in parts]
        if not all(isinstance(v, int | float) for v in vals):
            return None
        return round(float(np.dot(w, vals)), 2)

    out = {k: mix(k) for k in ("median", "iqr", "q25", "q75", "mean")}
    sds = [p.get("sd") or 0.0 for p in parts]
    means = [p.get("mean") for p in parts]
    if all(isinstance(m, int | float) for m in means) and out["mean"] is not None:
        var = sum(
            wi * (sd**2 + (m - out["mean"]) ** 2) for wi, sd, m in zip(w, sds, means, strict=True)
        )
        out["sd"] = round(math.sqrt(var), 2)
    out["n"] = int(sum(n))
    return out


def _near(doc: dict, name: str) -> str:
    near = (doc.get("context") or {}).get("near_side")
    if near not in SIDES:
        raise InputError(
            f"In {name} the leg nearer the camera could not be decided, so its legs cannot be "
            "told apart; film the runner side-on with the whole body in frame."
        )
    return near


def _check_one_sided(doc: dict, name: str) -> None:
    if not isinstance(doc, dict) or doc.get("schema") != ONE_SIDED_SCHEMA:
        raise InputError(
            f"{name} is not a one-sided runform analysis (schema '{ONE_SIDED_SCHEMA}'); give "
            "the analysis.json that `runform analyze` wrote for one clip."
        )


def _catalogue_band(band: dict | None) -> dict | None:
    if not band:
        return None
    out = dict(band)
    out["low"] = band.get("catalogue_low", band.get("low"))
    out["high"] = band.get("catalogue_high", band.get("high"))
    for key in ("catalogue_low", "catalogue_high", "adjusted"):
        out.pop(key, None)
    return out


def _quality(*entries: dict) -> dict:
    flags: list[str] = []
    trusted = True
    levels = []
    for e in entries:
        q = e.get("quality") or {}
        trusted = trusted and bool(q.get("trusted", True))
        flags += [f for f in q.get("flags") or [] if f not in flags]
        levels.append(q.get("level", "good"))
    order = ("good", "fair", "poor")
    worst = max(levels, key=lambda lv: order.index(lv) if lv in order else 0) if levels else "good"
    return {"level": worst, "trusted": trusted, "flags": flags}


def _per_side_entry(metric: str, docs: dict[str, dict]) -> dict | None:
    """A per-leg metric: each leg from the clip where it is the near leg."""
    entries = {s: (docs[s].get("metrics") or {}).get(metric) for s in SIDES}
    if not any(entries.values()):
        return None
    base = copy.deepcopy(entries["left"] or entries["right"])
    for side in SIDES:
        e = entries[side] or {}
        base[side] = copy.deepcopy(e.get(side))
        base.setdefault("measurement_error", {})[side] = (e.get("measurement_error") or {}).get(
            side
        )
        record = dict((e.get("reliability") or {}).get(side) or {})
        if not record:
            record = {"view": "near", "reliable": False, "reason": "not measured in this clip"}
        record["clip"] = side
        base.setdefault("reliability", {})[side] = record
    values = step_values(docs["left"], metric, "left") + step_values(docs["right"], metric, "right")
    base["all"] = step_stats(values)
    lm = (base.get("left") or {}).get("median")
    rm = (base.get("right") or {}).get("median")
    if isinstance(lm, int | float) and isinstance(rm, int | float):
        base["difference"] = round(rm - lm, 2)
        base["symmetry_pct"] = symmetry_index(lm, rm)
    else:
        base["difference"] = base["symmetry_pct"] = None
    base["quality"] = _quality(*(e for e in entries.values() if e))
    return base


def _run_level_entry(metric: str, docs: dict[str, dict]) -> dict | None:
    """A whole-body metric: both clips, weighted by their step counts."""
    entries = [(docs[s].get("metrics") or {}).get(metric) for s in SIDES]
    present = [e for e in entries if e]
    if not present:
        return None
    base = copy.deepcopy(present[0])
    base["all"] = _pooled(*(e.get("all") for e in entries if e))
    errors = [(e.get("measurement_error") or {}).get("all") for e in present]
    errors = [x for x in errors if isinstance(x, int | float)]
    if errors:
        base["measurement_error"] = {"all": round(max(errors), 3)}
    records = [(e.get("reliability") or {}).get("all") or {} for e in present]
    reasons = [r.get("reason") for r in records if r and not r.get("reliable", True)]
    base["reliability"] = {
        "all": {"view": "whole body", "reliable": not reasons, "reason": "; ".join(reasons)}
    }
    base["by_clip"] = {s: (e or {}).get("all") for s, e in zip(SIDES, entries, strict=True)}
    base["quality"] = _quality(*present)
    return base


def _verdicts(metrics: dict, pace) -> None:
    """The band moved to the merged run's pace, once, and a verdict for every value."""
    for mid, entry in metrics.items():
        band = metric_band(mid, _catalogue_band(entry.get("band")), pace, entry.get("expected"))
        entry["band"] = band
        keys = SIDES if entry.get("per_side") else ("all",)
        verdicts = {}
        for key in keys:
            record = (entry.get("reliability") or {}).get(key) or {}
            stats = entry.get(key) or {}
            median = stats.get("median")
            if not record.get("reliable", False) or not isinstance(median, int | float):
                verdicts[key] = "not measured reliably"
            elif not band:
                verdicts[key] = "no band"
            else:
                verdicts[key] = position(float(median), band.get("low"), band.get("high"))
        entry["verdict"] = verdicts


def _context_numbers(docs: dict[str, dict], key: str) -> list[float]:
    """The finite numbers both documents' contexts hold under ``key``."""
    return [
        v
        for d in docs.values()
        if (v := finite_number((d.get("context") or {}).get(key))) is not None
    ]


def merge_sides(
    first: dict,
    second: dict,
    *,
    names: tuple[str, str] = ("clip 1", "clip 2"),
    progress: Progress | None = None,
) -> dict:
    """Merge two one-sided analyses of the same run, one filmed from each side.

    Parameters
    ----------
    first, second
        ``runform.analysis/1`` documents (``analysis.json`` of ``runform analyze``), in any
        order; each must have decided which leg was nearer the camera, and the two must
        differ in that.
    names
        How the clips are named in ``sides`` and in messages (e.g. their file names).
    progress
        Optional callback ``(stage, fraction, detail)``.

    Returns
    -------
    dict
        A ``runform.analysis/2`` document: the ``runform.analysis/1`` fields, each leg's
        metrics from its near side (``reliability[side]["clip"]`` says which), run-level
        metrics from both, the findings made again on the merged values, and ``sides``
        (each clip, the agreement checks, the symmetry with its uncertainty, and the far-leg
        cross-check).

    Raises
    ------
    InputError
        When a document is not a one-sided analysis, its near leg is unknown, or both clips
        show the same side.
    """
    report = progress or (lambda *a, **k: None)
    report("both sides", 0.0, "merging")
    for doc, name in zip((first, second), names, strict=True):
        _check_one_sided(doc, name)
    near = [_near(first, names[0]), _near(second, names[1])]
    if near[0] == near[1]:
        raise InputError(
            f"Both clips show the runner's {near[0]} side (the {near[0]} leg is nearer the camera "
            "in each); film the runner's other side for the second clip."
        )
    docs = {near[0]: first, near[1]: second}
    clip_names = {near[0]: names[0], near[1]: names[1]}
    base = docs["left"]

    metrics: dict[str, dict] = {}
    for mid in list(base.get("metrics") or {}) + [
        m for m in (docs["right"].get("metrics") or {}) if m not in (base.get("metrics") or {})
    ]:
        spec = (base.get("metrics") or {}).get(mid) or (docs["right"].get("metrics") or {})[mid]
        entry = _per_side_entry(mid, docs) if spec.get("per_side") else _run_level_entry(mid, docs)
        if entry is not None:
            metrics[mid] = entry
    report("both sides", 0.4, "bands")

    options = dict(base.get("options") or {})
    speeds = [
        (d.get("options") or {}).get("treadmill_speed_mps")
        for d in docs.values()
        if isinstance((d.get("options") or {}).get("treadmill_speed_mps"), int | float)
    ]
    if speeds:
        options["treadmill_speed_mps"] = round(float(np.mean(speeds)), 3)
    # one runner at one pace: both clips measure its speed in leg lengths per second
    context = dict(base.get("context") or {})
    measured = _context_numbers(docs, "running_speed_leg_lengths_per_s")
    context["running_speed_leg_lengths_per_s"] = (
        round(float(np.mean(measured)), 2) if measured else None
    )
    # each side's values carry their own clip's timing errors; the document states the
    # larger, and the toe-off as timed with the foot's pitch only if both clips' were
    for key in ("event_timing_error_ms", "toe_off_timing_error_ms"):
        if errors := _context_numbers(docs, key):
            context[key] = max(errors)
    pitched = [(d.get("context") or {}).get("toe_off_foot_pitch") for d in docs.values()]
    if any(p is not None for p in pitched):
        context["toe_off_foot_pitch"] = all(p is True for p in pitched)
    pace = pace_from_analysis({"options": options, "metrics": metrics, "context": context})
    _verdicts(metrics, pace)

    summary: dict = {}
    for mid, entry in metrics.items():
        if entry.get("per_side"):
            summary[mid] = {s: (entry.get(s) or {}).get("median") for s in SIDES}
        else:
            summary[mid] = (entry.get("all") or {}).get("median")

    checks = checks_of(docs)
    warnings = []
    for side in SIDES:
        for w in docs[side].get("warnings") or []:
            if w.get("code") == "far_leg":
                continue
            message = w.get("message", "")
            if w.get("code") == "far_leg_hidden":
                # the other clip measures the other leg: only this leg's step and flight
                # times are missing, the legs are still compared
                message = (
                    f"the {other_side(side)} leg was hidden in most of this clip, so the {side} leg was "
                    "measured alone here: its step and flight times, which need the other "
                    "foot's contact, were not measured."
                )
            warnings.append({**w, "message": f"{clip_names[side]}: {message}"})
    for check in checks:
        if not check["ok"]:
            warnings.append(
                {"code": f"sides_{check['code']}", "level": "warning", "message": check["message"]}
            )

    steps = [
        {**r, "clip": side}
        for side in SIDES
        for r in docs[side].get("steps") or []
        if r.get("side") == side
    ]
    events = [
        {**e, "clip": side}
        for side in SIDES
        for e in docs[side].get("events") or []
        if e.get("side") == side
    ]
    rejected = [
        {**r, "clip": side} for side in SIDES for r in docs[side].get("rejected_steps") or []
    ]
    cycles: dict = {}
    for angle, per in (base.get("cycles") or {}).items():
        if isinstance(per, dict) and set(per) >= set(SIDES):
            other = (docs["right"].get("cycles") or {}).get(angle) or {}
            cycles[angle] = {**per, "right": other.get("right", per.get("right"))}
        else:
            cycles[angle] = per

    context["near_side"] = None
    context["two_sided"] = True
    context["measured_alone"] = None  # each leg from its own clip: both legs measured
    context["near_side_evidence"] = {
        "side": None,
        "basis": "two clips, one from each side: each leg measured as the near leg",
    }
    report("both sides", 0.7, "symmetry")
    merged = {
        "schema": TWO_SIDED_SCHEMA,
        "runform_version": base.get("runform_version"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": {
            **(base.get("input") or {}),
            # the clips' file names (a two-sided document has no one path)
            "path": " + ".join(
                Path(str((docs[s].get("input") or {}).get("path") or clip_names[s])).name
                for s in SIDES
            ),
        },
        "options": options,
        "context": context,
        "summary": summary,
        "metrics": metrics,
        "steps": steps,
        "events": events,
        "rejected_steps": rejected,
        "cycles": cycles,
        "cleaning": base.get("cleaning") or {},
        "warnings": warnings,
        "video": base.get("video") or {},
        "sides": {
            **{
                side: {
                    "clip": clip_names[side],
                    "path": (docs[side].get("input") or {}).get("path"),
                    "near_side": side,
                    "frame_rate": (docs[side].get("input") or {}).get("frame_rate"),
                    "steps": sum(1 for r in steps if r["clip"] == side),
                    "cadence_spm": (docs[side].get("summary") or {}).get("cadence_spm"),
                }
                for side in SIDES
            },
            "checks": checks,
            "symmetry": symmetry(metrics, docs),
            "cross_check": cross_check(metrics, docs),
        },
    }
    merged["findings"] = findings_from_analysis(merged)
    report("both sides", 1.0, "merged")
    return merged


__all__ = ["TWO_SIDED_SCHEMA", "merge_sides"]
