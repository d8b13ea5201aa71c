"""Rigid bodies of the mocap harness (:mod:`mocap`): lab axes, label swaps, cluster fits.

- :func:`lab_axes`: the lab's (forward, up, lateral-right) axes read from the data (the
  pelvis above the feet, ASIS ahead of PSIS).
- :func:`fix_label_swaps`: two markers of a rigid cluster whose labels were exchanged in a
  running trial are swapped back when the static trial's distances say so.
- :func:`rigid_fit` and :func:`carry_points`: the least-squares rotation and translation
  (SVD; Söderkvist & Wedin 1993) of a static cluster onto every running frame, refitted
  without a marker that lies too far off, carrying static-trial points into each frame
  (:class:`CarryResult`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


def rigid_fit(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares rotation ``R`` (T, 3, 3) and translation ``t`` (T, 3): cur ≈ R ref + t.

    Söderkvist & Wedin (1993): SVD of the cross-covariance of the centred point sets, with
    the sign fix that keeps ``det R = +1``.

    Parameters
    ----------
    ref:
        (M, 3) cluster in the reference (static) pose, M >= 3 and not collinear.
    cur:
        (T, M, 3) the same markers in T frames, no NaN.

    Examples
    --------
    >>> ref = np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    >>> c, s = np.cos(0.3), np.sin(0.3)
    >>> rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    >>> r, t = rigid_fit(ref, (ref @ rot.T + [1, 2, 3])[None])
    >>> bool(np.allclose(r[0], rot) and np.allclose(t[0], [1, 2, 3]))
    True
    """
    ref_c = ref.mean(axis=0)
    cur_c = cur.mean(axis=1)
    h = np.einsum("mi,tmj->tij", ref - ref_c, cur - cur_c[:, None, :])
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.einsum("tji,tkj->tik", vt, u)))
    fix = np.ones((len(cur), 3))
    fix[:, 2] = d
    rot = np.einsum("tji,tj,tkj->tik", vt, fix, u)
    trans = cur_c - np.einsum("tij,j->ti", rot, ref_c)
    return rot, trans


@dataclass
class CarryResult:
    """Points carried by a cluster: ``points`` {name: (T, 3)}, per-frame RMS residual (m),
    and how many frames needed a marker dropped or were lost."""

    points: dict[str, np.ndarray]
    residual_m: np.ndarray
    frames_refitted: int
    frames_lost: int


def carry_points(
    static: Mapping[str, np.ndarray],
    running: Mapping[str, np.ndarray],
    cluster: Sequence[str],
    targets: Mapping[str, np.ndarray],
    max_residual_m: float = 0.012,
) -> CarryResult:
    """Carry static-trial points into every running frame with the cluster's rigid fit.

    Parameters
    ----------
    static:
        Static-trial cluster marker positions ``{name: (3,)}`` (means over the trial).
    running:
        Running-trial markers ``{name: (T, 3)}``, NaN where missing.
    cluster:
        Names of the technical markers that move with the segment (>= 3).
    targets:
        ``{name: (3,)}`` static-trial positions of the points to carry.
    max_residual_m:
        A frame whose worst marker is farther than this from the fitted cluster is fitted
        again without that marker (once per bad marker, while >= 3 remain).
    """
    names = [m for m in cluster if m in static and m in running]
    n = len(next(iter(running.values())))
    out = {k: np.full((n, 3), np.nan) for k in targets}
    resid = np.full(n, np.nan)
    if len(names) < 3:
        return CarryResult(out, resid, 0, n)
    ref = np.stack([static[m] for m in names])
    cur = np.stack([running[m] for m in names], axis=1)  # (T, M, 3)
    use = ~np.isnan(cur).any(axis=2)
    refitted = 0
    for _ in range(len(names) - 2):
        changed = np.zeros(n, dtype=bool)
        for pattern in np.unique(use, axis=0):
            rows = np.flatnonzero((use == pattern).all(axis=1))
            if pattern.sum() < 3:
                continue
            rot, trans = rigid_fit(ref[pattern], cur[rows][:, pattern])
            fitted = np.einsum("tij,mj->tmi", rot, ref) + trans[:, None, :]
            err = np.linalg.norm(fitted - cur[rows], axis=2)  # (rows, M), NaN where hidden
            err_used = np.where(pattern[None, :], err, 0.0)
            bad = err_used.max(axis=1) > max_residual_m
            can_drop = bad & (pattern.sum() > 3)
            # the marker to drop is the one whose removal fits the rest best (the largest
            # residual may sit on a good marker that the bad one pulled the fit away from)
            worst = np.zeros(len(rows), dtype=int)
            if can_drop.any():
                best = np.full(int(can_drop.sum()), np.inf)
                sub = cur[rows[can_drop]]
                for m in np.flatnonzero(pattern):
                    keep_m = pattern.copy()
                    keep_m[m] = False
                    r_m, t_m = rigid_fit(ref[keep_m], sub[:, keep_m])
                    f_m = np.einsum("tij,mj->tmi", r_m, ref[keep_m]) + t_m[:, None, :]
                    e_m = np.linalg.norm(f_m - sub[:, keep_m], axis=2).max(axis=1)
                    better = e_m < best
                    best[better] = e_m[better]
                    idx = np.flatnonzero(can_drop)[better]
                    worst[idx] = m
            for r, w in zip(rows[can_drop], worst[can_drop], strict=True):
                use[r, w] = False
                changed[r] = True
            ok_rows = rows[~can_drop]
            keep = ~can_drop
            resid[ok_rows] = np.sqrt(np.sum(err_used[keep] ** 2, axis=1) / pattern.sum())
            for k, p in targets.items():
                out[k][ok_rows] = np.einsum("tij,j->ti", rot[keep], np.asarray(p)) + trans[keep]
        refitted += int(changed.sum())
        if not changed.any():
            break
    lost = ~np.isfinite(resid)
    # a fit still beyond the limit with only three markers cannot be checked: drop it
    poor = np.isfinite(resid) & (resid > max_residual_m)
    for k in out:
        out[k][poor] = np.nan
    return CarryResult(out, resid, refitted, int(lost.sum() + poor.sum()))


def fix_label_swaps(
    static: Mapping[str, np.ndarray], running: dict[str, np.ndarray], cluster: Sequence[str]
) -> list[tuple[str, str]]:
    """Find and undo label swaps between two markers of a rigid cluster (in place).

    For each pair, the median over frames of the error of the distances to the other
    cluster markers (running against static) is compared as labelled and as swapped; a pair
    that fits at least 3x better swapped is swapped back. Returns the swapped pairs.
    """
    names = [m for m in cluster if m in static and m in running]

    def dist_error(a: str, b: str, swapped: bool) -> float:
        errs = []
        for other in names:
            if other in (a, b):
                continue
            for m, s in ((a, b), (b, a)) if swapped else ((a, a), (b, b)):
                d_run = np.linalg.norm(running[m] - running[other], axis=1)
                d_st = float(np.linalg.norm(static[s] - static[other]))
                errs.append(np.abs(d_run - d_st))
        if not errs:
            return float("nan")
        return float(np.nanmedian(np.concatenate(errs)))

    swaps = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            as_is, swapped = dist_error(a, b, False), dist_error(a, b, True)
            if np.isfinite(as_is) and swapped * 3.0 < as_is:
                running[a], running[b] = running[b].copy(), running[a].copy()
                swaps.append((a, b))
    return swaps


def lab_axes(
    markers: Mapping[str, np.ndarray],
    pelvis_front: Sequence[str],
    pelvis_back: Sequence[str],
    feet: Sequence[str],
) -> np.ndarray:
    """Signed permutation (3, 3) taking lab coordinates to (forward, up, lateral-right).

    Vertical: the axis along which the pelvis sits farthest above the feet (positive =
    up). Forward: the horizontal axis along which ASIS and PSIS differ most, signed from PSIS
    to ASIS. Lateral: completes a right-handed frame (forward x up = right... here
    ``right = forward x up`` with x forward, y up, z right as in Fukuchi's lab).
    """
    pel_f = np.nanmean(np.concatenate([markers[m] for m in pelvis_front]), axis=0)
    pel_b = np.nanmean(np.concatenate([markers[m] for m in pelvis_back]), axis=0)
    foot = np.nanmean(np.concatenate([markers[m] for m in feet]), axis=0)
    up_vec = 0.5 * (pel_f + pel_b) - foot
    up = int(np.argmax(np.abs(up_vec)))
    fwd_vec = pel_f - pel_b
    fwd_vec[up] = 0.0
    fwd = int(np.argmax(np.abs(fwd_vec)))
    e_up = np.zeros(3)
    e_up[up] = np.sign(up_vec[up])
    e_fwd = np.zeros(3)
    e_fwd[fwd] = np.sign(fwd_vec[fwd])
    e_right = np.cross(e_fwd, e_up)
    return np.stack([e_fwd, e_up, e_right])
