"""Score detected gait events against a reference (force plate, synthetic truth).

The scoring follows the usual practice of event-detection benchmarks (e.g. gaitmap's
``evaluate_segmented_stride_list``): a detected event and a true event are paired
one-to-one when they have the same side and kind and lie within a tolerance of each other;
unpaired true events are *missed*, unpaired detections are *extra*. Timing errors are
``detected − true``, so a positive bias means the detector is late.

Events may be dicts ``{"side", "kind", "time_s"}`` or objects with those attributes
(:class:`runform.gait.types.GaitEvent`). Steps may be dicts or objects with ``side``,
``contact_s`` and ``toe_off_s`` (:class:`runform.gait.types.Step`).

Examples
--------
>>> truth = [{"side": "left", "kind": "contact", "time_s": 1.00}]
>>> found = [{"side": "left", "kind": "contact", "time_s": 1.01}]
>>> score = match_events(found, truth)["contact"]
>>> score.n_matched, round(score.bias_ms, 1)
(1, 10.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

KINDS: tuple[str, ...] = ("contact", "toe_off")


@dataclass(frozen=True)
class EventScore:
    """How well detected events of one kind (or all kinds) match the truth.

    Attributes
    ----------
    kind:
        ``"contact"``, ``"toe_off"`` or ``"all"``.
    n_true, n_detected, n_matched:
        Counts of true events, detected events and one-to-one pairs.
    missed, extra:
        True events without a detection; detections without a true event.
    mae_ms, bias_ms, sd_ms, max_ms:
        Mean absolute error, mean signed error (detected − true), standard deviation of the
        signed error and largest absolute error of the matched pairs, in milliseconds
        (NaN when nothing matched).
    errors_ms:
        The signed errors of the matched pairs, in time order of the true events.
    """

    kind: str
    n_true: int
    n_detected: int
    n_matched: int
    missed: int
    extra: int
    mae_ms: float
    bias_ms: float
    sd_ms: float
    max_ms: float
    errors_ms: tuple[float, ...] = field(default=(), repr=False)

    @property
    def recall(self) -> float:
        """Fraction of true events that were detected (NaN without true events)."""
        return self.n_matched / self.n_true if self.n_true else float("nan")

    @property
    def precision(self) -> float:
        """Fraction of detections that match a true event (NaN without detections)."""
        return self.n_matched / self.n_detected if self.n_detected else float("nan")

    def to_dict(self) -> dict:
        """JSON-friendly dict (no error list; adds recall and precision)."""
        d = asdict(self)
        d.pop("errors_ms")
        d["recall"] = self.recall
        d["precision"] = self.precision
        return d


@dataclass(frozen=True)
class ContactTimeScore:
    """Error of contact times (toe-off − contact) of stances matched by their contact.

    ``bias_ms`` is detected − true; ``mae_ms`` the mean absolute error; ``n_true`` counts
    complete true stances, ``n_matched`` those with a detected stance of the same side whose
    contact lies within the tolerance.
    """

    n_true: int
    n_detected: int
    n_matched: int
    mae_ms: float
    bias_ms: float
    sd_ms: float
    max_ms: float
    true_mean_ms: float
    detected_mean_ms: float

    def to_dict(self) -> dict:
        return asdict(self)


def _get(item: Any, key: str) -> Any:
    if isinstance(item, Mapping):
        return item[key]
    return getattr(item, key)


def _as_events(events: Iterable[Any]) -> list[tuple[str, str, float]]:
    return [(str(_get(e, "side")), str(_get(e, "kind")), float(_get(e, "time_s"))) for e in events]


def pair_events(
    detected: Iterable[Any], truth: Iterable[Any], tolerance_s: float = 0.08
) -> tuple[list[tuple[int, int]], list[tuple[str, str, float]], list[tuple[str, str, float]]]:
    """One-to-one pairs of detected and true events of the same side and kind.

    Candidate pairs are those within ``tolerance_s`` (inclusive); they are accepted in order
    of increasing time difference, each event being used at most once, so every event
    is paired with its nearest available counterpart.

    Returns
    -------
    pairs:
        ``(detected_index, true_index)`` into the normalised lists returned alongside.
    detected, truth:
        The events as ``(side, kind, time_s)`` tuples, in input order.
    """
    det = _as_events(detected)
    tru = _as_events(truth)
    candidates = []
    for i, (side, kind, t_det) in enumerate(det):
        for j, (side_t, kind_t, t_true) in enumerate(tru):
            gap = abs(t_det - t_true)
            if side == side_t and kind == kind_t and gap <= tolerance_s + 1e-12:
                candidates.append((gap, j, i))
    candidates.sort()
    used_det: set[int] = set()
    used_true: set[int] = set()
    pairs = []
    for _, j, i in candidates:
        if i in used_det or j in used_true:
            continue
        used_det.add(i)
        used_true.add(j)
        pairs.append((i, j))
    pairs.sort(key=lambda p: tru[p[1]][2])
    return pairs, det, tru


def _score(kind: str, n_true: int, n_detected: int, errors_s: list[float]) -> EventScore:
    err = np.asarray(errors_s, dtype=float) * 1000.0
    n = len(err)
    nan = float("nan")
    return EventScore(
        kind=kind,
        n_true=n_true,
        n_detected=n_detected,
        n_matched=n,
        missed=n_true - n,
        extra=n_detected - n,
        mae_ms=float(np.mean(np.abs(err))) if n else nan,
        bias_ms=float(np.mean(err)) if n else nan,
        sd_ms=float(np.std(err, ddof=1)) if n > 1 else (0.0 if n else nan),
        max_ms=float(np.max(np.abs(err))) if n else nan,
        errors_ms=tuple(float(e) for e in err),
    )


def match_events(
    detected: Iterable[Any], truth: Iterable[Any], tolerance_s: float = 0.08
) -> dict[str, EventScore]:
    """Score detected events against true ones, per kind and overall.

    Parameters
    ----------
    detected, truth:
        Events as dicts ``{"side", "kind", "time_s"}`` or objects with those attributes.
    tolerance_s:
        Largest time difference (inclusive) for a detection to count as the true event.

    Returns
    -------
    dict
        ``{"contact": EventScore, "toe_off": EventScore, "all": EventScore}`` (plus an entry
        for any other kind found in the inputs).

    Examples
    --------
    >>> truth = [{"side": "left", "kind": "contact", "time_s": t} for t in (1.0, 2.0)]
    >>> found = [{"side": "left", "kind": "contact", "time_s": t} for t in (1.02, 1.5)]
    >>> s = match_events(found, truth)["contact"]
    >>> (s.n_matched, s.missed, s.extra, round(s.mae_ms))
    (1, 1, 1, 20)
    """
    pairs, det, tru = pair_events(detected, truth, tolerance_s)
    kinds = list(KINDS) + sorted({e[1] for e in det + tru} - set(KINDS))
    scores = {}
    for kind in kinds:
        errors = [det[i][2] - tru[j][2] for i, j in pairs if tru[j][1] == kind]
        n_true = sum(e[1] == kind for e in tru)
        n_det = sum(e[1] == kind for e in det)
        scores[kind] = _score(kind, n_true, n_det, errors)
    scores["all"] = _score("all", len(tru), len(det), [det[i][2] - tru[j][2] for i, j in pairs])
    return scores


def _as_stances(items: Iterable[Any]) -> list[tuple[str, float, float]]:
    """Stances ``(side, contact_s, toe_off_s)`` from steps or from events."""
    items = list(items)
    if not items:
        return []
    first = items[0]
    has_steps = "contact_s" in first if isinstance(first, Mapping) else hasattr(first, "contact_s")
    if has_steps:
        return [
            (str(_get(s, "side")), float(_get(s, "contact_s")), float(_get(s, "toe_off_s")))
            for s in items
        ]
    stances = []
    events = sorted(_as_events(items), key=lambda e: e[2])
    for k, (side, kind, t) in enumerate(events):
        if kind != "contact":
            continue
        following = next((e for e in events[k + 1 :] if e[0] == side), None)
        if following is not None and following[1] == "toe_off":
            stances.append((side, t, following[2]))
    return stances


def contact_time_errors(
    detected: Iterable[Any], truth: Iterable[Any], tolerance_s: float = 0.08
) -> ContactTimeScore:
    """Contact-time error of detected stances against true ones.

    Parameters
    ----------
    detected, truth:
        Either steps (dicts or objects with ``side``, ``contact_s``, ``toe_off_s``) or events
        (a contact followed by the same foot's toe-off forms a stance).
    tolerance_s:
        Largest contact-time difference for a detected stance to match a true one.

    Examples
    --------
    >>> truth = [{"side": "right", "contact_s": 1.0, "toe_off_s": 1.3}]
    >>> found = [{"side": "right", "contact_s": 1.01, "toe_off_s": 1.29}]
    >>> round(contact_time_errors(found, truth).bias_ms, 1)
    -20.0
    """
    det = _as_stances(detected)
    tru = _as_stances(truth)
    as_events = [{"side": s, "kind": "contact", "time_s": c} for s, c, _ in det]
    true_events = [{"side": s, "kind": "contact", "time_s": c} for s, c, _ in tru]
    pairs, _, _ = pair_events(as_events, true_events, tolerance_s)
    err = np.array([(det[i][2] - det[i][1]) - (tru[j][2] - tru[j][1]) for i, j in pairs]) * 1000
    n = len(err)
    nan = float("nan")
    return ContactTimeScore(
        n_true=len(tru),
        n_detected=len(det),
        n_matched=n,
        mae_ms=float(np.mean(np.abs(err))) if n else nan,
        bias_ms=float(np.mean(err)) if n else nan,
        sd_ms=float(np.std(err, ddof=1)) if n > 1 else (0.0 if n else nan),
        max_ms=float(np.max(np.abs(err))) if n else nan,
        true_mean_ms=float(np.mean([(b - a) * 1000 for _, a, b in tru])) if tru else nan,
        detected_mean_ms=float(np.mean([(b - a) * 1000 for _, a, b in det])) if det else nan,
    )


def events_inside(
    events: Iterable[Any], start_s: float, end_s: float, margin_s: float = 0.3
) -> list[Any]:
    """Contacts and their toe-offs of the stances lying wholly inside ``[start_s, end_s]``,
    ``margin_s`` from both ends.

    A stance cut by the start or end of a recording cannot be timed (the engine rejects it
    by design), so truth events of such stances should not be counted as missed.

    >>> ev = [{"side": "left", "kind": "contact", "time_s": 0.1},
    ...       {"side": "left", "kind": "toe_off", "time_s": 0.4},
    ...       {"side": "left", "kind": "contact", "time_s": 1.0},
    ...       {"side": "left", "kind": "toe_off", "time_s": 1.3}]
    >>> [e["time_s"] for e in events_inside(ev, 0.0, 2.0)]
    [1.0, 1.3]
    """
    events = list(events)
    t0, t1 = start_s + margin_s, end_s - margin_s
    keep: list[Any] = []
    for e in events:
        if _get(e, "kind") != "contact":
            continue
        side, t = _get(e, "side"), _get(e, "time_s")
        off = next(
            (
                o
                for o in events
                if _get(o, "side") == side
                and _get(o, "kind") == "toe_off"
                and _get(o, "time_s") > t
            ),
            None,
        )
        if off is not None and t >= t0 and _get(off, "time_s") <= t1:
            keep += [e, off]
    return keep
