"""Two analyses → one comparison document (``runform.compare/1``): pure, plain data.

See ``docs/compare.md`` for the fields and the method, and
``src/runform/schemas/compare.schema.json`` for the schema.
"""

from __future__ import annotations

import datetime as _dt
import math

import numpy as np

from runform import __version__
from runform.compare.change import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    TOO_FEW_STEPS,
    Z95,
    Change,
    cadence_se,
    finite_number,
    metric_change,
    summary_se,
)
from runform.compare.conditions import (
    Condition,
    compare_conditions,
    session_band,
    unfair_reasons,
)
from runform.compare.findings_diff import diff_areas, diff_findings, findings_of
from runform.compare.headline import headline
from runform.errors import InputError
from runform.findings.scoring import band_distance
from runform.findings.wording import fmt_value
from runform.metrics.catalog import CATALOG
from runform.progress import ProgressLike, ensure_progress

SCHEMA_ID = "runform.compare/1"
ANALYSIS_SCHEMA_ID = "runform.analysis/1"
ANALYSIS_SCHEMA_IDS = (ANALYSIS_SCHEMA_ID, "runform.analysis/2")
SIDES = ("left", "right")
_STAGE = "compare"

METHOD_TEXT = (
    "A change is real when it is larger than the smallest detectable change (SDC) of that "
    "metric and side: the larger of the videos' resolution (one frame of timing, 2° of angle, "
    "0.5 % of cadence...) and 1.96 standard errors of the difference. That standard error adds "
    "in quadrature the step-to-step spread of both runs (a seeded bootstrap of the per-step "
    "values: each run's steps resampled with replacement and the median recomputed; for "
    "cadence, the least-squares error of the stride-time fit through every contact that gives "
    "the cadence itself) and the 2-D video measurement error of the metric from the metric "
    "catalogue (Van Hooren 2023 for joint angles), taken as independent from step to step: "
    "sqrt(pi/2) x error x sqrt(1/n_before + 1/n_after). A real change made under different "
    "conditions (speed, frame rate, camera side, setting, pose model) is marked not fair."
)


def _check(doc: object, which: str) -> dict:
    if not isinstance(doc, dict) or doc.get("schema") not in ANALYSIS_SCHEMA_IDS:
        raise InputError(
            f"The {which} analysis is not a runform analysis (expected schema "
            f"'{ANALYSIS_SCHEMA_ID}'); pass the analysis folder or analysis.json written by "
            "'runform analyze'."
        )
    if not isinstance(doc.get("metrics"), dict) or not isinstance(doc.get("steps"), list):
        raise InputError(
            f"The {which} analysis has no metrics or steps; re-run 'runform analyze' to rebuild it."
        )
    return doc


def _stats(doc: dict, metric: str, side: str) -> dict | None:
    entry = (doc.get("metrics") or {}).get(metric) or {}
    stats = entry.get(side)
    return stats if isinstance(stats, dict) else None


def _step_values(doc: dict, metric: str, side: str) -> list[float]:
    """Per-step values of ``metric`` on ``side`` (``"all"``: every step)."""
    steps = doc.get("steps") or []
    rows = steps if side == "all" else [r for r in steps if r.get("side") == side]
    if metric == "cadence_spm":
        return [v for r in rows if (v := finite_number(r.get("stride_time_ms"))) is not None]
    if metric == "vertical_oscillation_cm":
        cm = finite_number((_stats(doc, metric, "all") or {}).get("median"))
        pct = finite_number((_stats(doc, "vertical_oscillation_pct", "all") or {}).get("median"))
        if cm is None or not pct:
            return []
        k = cm / pct
        return [
            k * v
            for r in rows
            if (v := finite_number(r.get("vertical_oscillation_pct"))) is not None
        ]
    return [v for r in rows if (v := finite_number(r.get(metric))) is not None]


def _value(metric: str, stats: dict | None, steps: list[float]) -> float | None:
    """A session's value: the median of its per-step values at full precision (the summary
    rounds to 0.01, too coarse for ratios), or the summary's value when there are no per-step
    values; cadence is always the summary's (a fit through every contact)."""
    summary = finite_number((stats or {}).get("median"))
    if summary is None or metric == "cadence_spm" or not steps:
        return summary
    return float(np.median(steps))


def _quality(doc: dict, metric: str, side: str) -> dict:
    """Quality and reliability of one session's value. The analysis states per leg whether a
    value is measured reliably (not the far leg seen from the other side, not untrusted, error
    small enough); an analysis written before that has only the metric's quality."""
    entry = (doc.get("metrics") or {}).get(metric) or {}
    q = entry.get("quality") or {}
    trusted = bool(q.get("trusted", True))
    rel = (entry.get("reliability") or {}).get(side)
    if isinstance(rel, dict) and "reliable" in rel:
        reliable, reason = bool(rel["reliable"]), str(rel.get("reason") or "")
    else:
        reliable = trusted
        reason = "" if trusted else "; ".join(q.get("flags") or ["poor data quality"])
    return {
        "level": q.get("level"),
        "trusted": trusted,
        "flags": list(q.get("flags") or []),
        "reliable": reliable,
        "reason": reason,
    }


def _timing_part(doc: dict, metric: str, side: str, value: float | None) -> float | None:
    """The part of a session value's stored measurement error that comes from where the foot
    events were placed (``metrics[id].measurement_error`` holds the catalogue error, the part
    proportional to the value and the event-timing part in quadrature; the first two are
    taken off). ``None`` when the analysis stores no error or the metric is not timed by
    events."""
    entry = (doc.get("metrics") or {}).get(metric) or {}
    stored = finite_number((entry.get("measurement_error") or {}).get(side))
    spec = CATALOG.get(metric)
    if stored is None or spec is None:
        return None
    relative = float(getattr(spec, "relative_error", 0.0) or 0.0) * abs(value or 0.0)
    rest = stored**2 - spec.measurement_error**2 - relative**2
    # a part under a quarter of the error is rounding, or a whole-step value barely moved by
    # its window's ends (trunk lean): only values read at a foot event carry a real one
    return math.sqrt(rest) if rest > (0.25 * stored) ** 2 else None


def _position(value: float | None, band: tuple[float | None, float | None]) -> str | None:
    low, high = band
    if value is None or (low is None and high is None):
        return None
    if low is not None and value < low:
        return "below"
    if high is not None and value > high:
        return "above"
    return "within"


def _toward(before: float | None, after: float | None, bands: tuple, concern: str) -> str | None:
    """How the change moved the value relative to the reference band(s)."""
    if before is None or after is None or concern == "none":
        return None
    (lb, hb), (la, ha) = bands
    if lb is None and hb is None:
        return None
    db = band_distance(before, lb, hb, concern)
    da = band_distance(after, la, ha, concern)
    if db == 0 and da == 0:
        return "within the range both times"
    if db > 0 and da == 0:
        return "into the range"
    if db == 0 and da > 0:
        return "out of the range"
    if da < db:
        return "closer to the range"
    if da > db:
        return "further from the range"
    return "as far from the range"


def _bands(metric: str, before: dict, after: dict, sessions: dict) -> tuple[tuple, tuple, str]:
    """Bands of ``metric`` for each session (each at its own pace), and their basis."""
    bb, basis_b = session_band(
        metric, (before.get("metrics") or {}).get(metric), sessions["before"].pace
    )
    ba, basis_a = session_band(
        metric, (after.get("metrics") or {}).get(metric), sessions["after"].pace
    )
    basis = basis_b if basis_b == basis_a else next(b for b in (basis_b, basis_a) if b != "fixed")
    return bb, ba, basis


def _verdict(row: dict, change: Change, unit: str) -> str:
    if change.before is None or change.after is None:
        return change.notes[0] if change.notes else "not measured in both sessions"
    unreliable = [w for w in ("before", "after") if not row[w]["reliable"]]
    if unreliable:
        return f"not measured reliably {' and '.join(unreliable)}"
    if change.sdc is None:
        return TOO_FEW_STEPS
    if not change.real_change:
        return "no real change"
    assert change.change is not None
    size = fmt_value(abs(change.change), unit, short=True)
    text = f"{'up' if change.change > 0 else 'down'} {size}"
    if row["toward_band"] and row["graded"]:
        text += f", {row['toward_band']}"
    if row["timing_caveat"]:
        text += " (within the contact-timing uncertainty between two videos)"
    if not row["fair"]:
        text += " (not a fair comparison)"
    return text


def _round(x: float | None, digits: int = 3) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


def _rows(before: dict, after: dict, conditions: list[Condition], sessions: dict, cb) -> list[dict]:
    metrics = [m for m in CATALOG if m in (before.get("metrics") or {}) or m in (after.get("metrics") or {})]  # fmt: skip
    fps = min(sessions["before"].fps or 30.0, sessions["after"].fps or 30.0)
    speeds = [s.speed_mps for s in sessions.values() if s.speed_mps]
    speed = max(speeds) if speeds else None
    ct = finite_number((_stats(before, "contact_time_ms", "all") or {}).get("median"))
    st = finite_number((_stats(before, "stride_time_ms", "all") or {}).get("median"))
    rows = []
    for i, metric in enumerate(metrics):
        cb(_STAGE, 0.1 + 0.6 * i / max(len(metrics), 1), metric)
        spec = CATALOG[metric]
        sides = SIDES if spec.per_side else ("all",)
        band_b, band_a, band_basis = _bands(metric, before, after, sessions)
        for side in sides:
            sb, sa = _stats(before, metric, side), _stats(after, metric, side)
            xb, xa = _step_values(before, metric, side), _step_values(after, metric, side)
            vb, va = _value(metric, sb, xb), _value(metric, sa, xa)
            change = metric_change(
                metric,
                spec.unit,
                xb,
                xa,
                vb,
                va,
                fps=fps,
                speed_mps=speed,
                side=side,
                summary_se=(
                    (
                        cadence_se(before.get("steps") or [], vb),
                        cadence_se(after.get("steps") or [], va),
                    )
                    if metric == "cadence_spm"
                    else (summary_se(sb), summary_se(sa))
                ),
                contact_time_ms=ct,
                stride_time_ms=st,
            )
            qb, qa = _quality(before, metric, side), _quality(after, metric, side)
            unfair = unfair_reasons(conditions, metric, side)
            real = change.real_change and qb["reliable"] and qa["reliable"]
            notes = list(change.notes)
            if not (qb["reliable"] or qa["reliable"]) and qb["reason"] == qa["reason"]:
                notes.append(f"before and after: {qb['reason']}")
            else:
                for which, q in (("before", qb), ("after", qa)):
                    if not q["reliable"] and q["reason"]:
                        notes.append(f"{which}: {q['reason']}")
            row = {
                "metric": metric,
                "name": spec.name,
                "unit": spec.unit,
                "side": side,
                "graded": spec.graded,
                "concern": spec.concern,
                "before": {"value": _round(vb), "n": change.n_before, **qb},
                "after": {"value": _round(va), "n": change.n_after, **qa},
                "change": _round(change.change),
                "change_pct": _round(change.change_pct, 2),
                "sdc": change.sdc_dict(),
                "ci95": [_round(x) for x in change.ci95] if change.ci95 else None,
                "real_change": bool(real),
                "direction": change.direction if real else "none",
                "band": {
                    "before": [_round(band_b[0]), _round(band_b[1])],
                    "after": [_round(band_a[0]), _round(band_a[1])],
                    "basis": band_basis,
                },
                "position": {"before": _position(vb, band_b), "after": _position(va, band_a)},
                "toward_band": _toward(vb, va, (band_b, band_a), spec.concern),
                "fair": not unfair,
                "unfair_because": unfair,
                "timing_caveat": False,
                "notes": notes,
            }
            tb, ta = _timing_part(before, metric, side, vb), _timing_part(after, metric, side, va)
            timing = None
            if tb is not None and ta is not None:
                limit = Z95 * math.hypot(tb, ta)
                timing = {"before": _round(tb), "after": _round(ta), "threshold": _round(limit)}
                if real and change.change is not None and abs(change.change) <= limit:
                    row["timing_caveat"] = True
                    notes.append(
                        "larger than the step-to-step spread and the video error, but within "
                        f"±{fmt_value(limit, spec.unit, short=True)}, what the pose model's "
                        "placing of the foot events (about 1.5 frames per video, runform's "
                        "mirror test) can shift this value by between two videos: confirm "
                        "with a re-test filmed the same way at a higher frame rate"
                    )
            row["contact_timing"] = timing
            row["verdict"] = _verdict(row, change, spec.unit)
            rows.append(row)
    return rows


def _session(doc: dict, conditions) -> dict:
    inp = doc.get("input") or {}
    steps = doc.get("steps") or []
    return {
        "created": doc.get("created"),
        "runform_version": doc.get("runform_version"),
        "path": inp.get("path"),
        "source": inp.get("source"),
        "duration_s": inp.get("duration_s"),
        "steps": {s: sum(1 for r in steps if r.get("side") == s) for s in SIDES},
        **conditions.to_dict(),
    }


def compare_analyses(before: dict, after: dict, progress: ProgressLike = None) -> dict:
    """Compare two ``runform.analysis/1`` documents.

    Parameters
    ----------
    before, after
        Analysis dicts (``Analysis.to_dict()`` or loaded ``analysis.json``).
    progress
        Callback ``(stage, fraction, detail)``.

    Returns
    -------
    dict
        The ``runform.compare/1`` document: per metric and side ``before``, ``after``,
        ``change``, ``sdc`` (smallest detectable change and how it was computed),
        ``real_change`` and whether the comparison is ``fair``; findings resolved, new and
        persisting; areas before and after; the conditions that differ; a headline.

    Raises
    ------
    InputError
        When either document is not a runform analysis.
    """
    cb = ensure_progress(progress)
    _check(before, "BEFORE")
    _check(after, "AFTER")
    cb(_STAGE, 0.0, "conditions")
    identical = before == after
    conditions, sessions = compare_conditions(before, after)
    if identical:
        conditions.insert(
            0,
            Condition(
                "same_analysis",
                "info",
                "BEFORE and AFTER are the same analysis, so nothing can have changed; compare "
                "the first analysis with the re-test's.",
            ),
        )
    rows = _rows(before, after, conditions, sessions, cb)
    cb(_STAGE, 0.75, "findings")
    fb, fa = findings_of(before), findings_of(after)
    findings = diff_findings(fb, fa, rows)
    areas = diff_areas(before, after, fb, fa)
    cb(_STAGE, 1.0, "done")
    warnings = [c.to_dict() for c in conditions if c.level == "warning"]
    return {
        "schema": SCHEMA_ID,
        "runform_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "identical": identical,
        "summary": headline(rows, identical, conditions),
        "before": _session(before, sessions["before"]),
        "after": _session(after, sessions["after"]),
        "conditions": {
            "fair": not warnings,
            "differences": [c.to_dict() for c in conditions],
        },
        "warnings": warnings,
        "method": {
            "description": METHOD_TEXT,
            "statistic": "median of the per-step values; cadence as in the analysis (120 / the "
            "stride time fitted through every contact)",
            "bootstrap": {"resamples": BOOTSTRAP_RESAMPLES, "seed": BOOTSTRAP_SEED},
            "z": round(Z95, 4),
            "measurement_error": {
                m.id: m.measurement_error for m in CATALOG.values() if m.measurement_error
            },
            "measurement_error_source": "joint angles: Van Hooren 2023, Scand J Med Sci Sports "
            "33:966 (OpenPose 2-D against markers in treadmill running, RMSE after offset removal)",
        },
        "metrics": rows,
        "findings": findings,
        "areas": areas,
    }
