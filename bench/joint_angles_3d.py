"""3-D hip and knee angles from a trial's markers, as a gait lab computes them (issue 9).

The 2-D thigh angle is not the 3-D hip angle: the pelvis tilts. Bands from 3-D literature
(Souza 2016's ≈10° of peak hip extension, Heiderscheit 2011's knee angles) reach the 2-D
metrics through the offset between the two, which the authors' own 3-D curves give on
seven runners only (Hamner's inverse kinematics, Fukuchi's processed curves). Every one of
the 36 runners has the markers a lab needs, so this module computes the 3-D angles itself,
the same way for both data sets:

- **pelvis**: origin at the mid-point of the ASIS; lateral axis from the left to the right
  ASIS; forward axis from the mid-point of the PSIS to that of the ASIS, made orthogonal
  to the lateral one; up completes the frame (the ASIS-PSIS convention of Vicon's
  Plug-in Gait and Visual3D's CODA pelvis, which most running studies use);
- **hip joint centre**: Harrington et al. 2007's regression on the static trial's pelvis
  (:func:`hip_joint_centres`), carried into every running frame by the pelvis cluster;
- **thigh**: from the knee's centre (mid-point of the femoral epicondyles) to the hip
  joint centre, with the epicondyles' line as its lateral axis;
- **shank**: from the ankle's centre (mid-point of the malleoli) to the knee's centre.

Angles are the first rotation of a flexion-first Cardan sequence (Grood & Suntay 1983),
which depends only on the distal segment's long axis seen in the proximal segment's
sagittal plane: hip flexion positive with the thigh ahead of the pelvis, knee flexion
positive with the shank behind the thigh. The pelvis's anterior tilt is its forward axis
below the horizontal. Landmarks come from the static trial through each segment's
least-squares rigid fit (:func:`mocap_keypoints.build_keypoints`), so technical-marker-only
trials (RBDS002) get them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from mocap_keypoints import MarkerSet, PointSpec, PreparedMarkers, carry_keypoints, prepare_markers


@dataclass(frozen=True)
class Anatomy:
    """A data set's anatomical landmark names (``{S}`` stands for the side prefix)."""

    asis: str
    psis: str
    knee_lateral: str
    knee_medial: str
    ankle_lateral: str
    ankle_medial: str


#: Name given to the Harrington hip joint centre in the static trial (``{S}`` prefixed).
HJC = "{S}HJC.harrington"


def hip_joint_centres(
    static: Mapping[str, np.ndarray], asis: tuple[str, str], psis: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Right and left hip joint centres (3,) of a static trial, in its own coordinates.

    Harrington et al. 2007 (J Biomech 40:595-602): from the mid-point of the ASIS,
    0.24 PD + 9.9 mm back, 0.30 PW + 10.9 mm down and 0.33 PW + 7.3 mm to the side, PW
    being the ASIS' distance apart and PD the depth from their mid-point to the PSIS'.
    ``asis`` and ``psis`` are the (right, left) marker names; the static trial's mean pose
    is used.

    Examples
    --------
    >>> import numpy as np
    >>> m = {"RA": np.array([[0.1, 0.0, 0.12]]), "LA": np.array([[0.1, 0.0, -0.12]]),
    ...      "RP": np.array([[-0.06, 0.0, 0.04]]), "LP": np.array([[-0.06, 0.0, -0.04]])}
    >>> right, left = hip_joint_centres(m, ("RA", "LA"), ("RP", "LP"))
    >>> [round(float(v), 4) for v in right]  # 48 mm back, 83 mm down, 87 mm to the side
    [0.0517, -0.0829, 0.0865]
    """
    m = {k: np.nanmean(np.atleast_2d(static[k]), axis=0) for k in (*asis, *psis)}
    front = 0.5 * (m[asis[0]] + m[asis[1]])
    back = 0.5 * (m[psis[0]] + m[psis[1]])
    lateral = m[asis[0]] - m[asis[1]]
    width = float(np.linalg.norm(lateral))
    lateral = lateral / width
    forward = front - back
    forward = forward - np.dot(forward, lateral) * lateral
    depth = float(np.linalg.norm(forward))
    forward = forward / depth
    up = np.cross(lateral, forward)
    centres = []
    for sign in (1.0, -1.0):
        centres.append(
            front
            - (0.24 * depth + 0.0099) * forward
            - (0.30 * width + 0.0109) * up
            + sign * (0.33 * width + 0.0073) * lateral
        )
    return centres[0], centres[1]


def _unit(v: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / np.linalg.norm(v, axis=-1, keepdims=True)


def pelvis_axes(
    r_asis: np.ndarray, l_asis: np.ndarray, r_psis: np.ndarray, l_psis: np.ndarray
) -> np.ndarray:
    """Per-frame pelvis axes (T, 3, 3): rows forward, up, right (lab coordinates)."""
    right = _unit(r_asis - l_asis)
    fwd = 0.5 * (r_asis + l_asis) - 0.5 * (r_psis + l_psis)
    fwd = _unit(fwd - np.sum(fwd * right, axis=-1, keepdims=True) * right)
    up = np.cross(right, fwd)
    return np.stack([fwd, up, right], axis=-2)


def flexion_deg(axes: np.ndarray, proximal_end: np.ndarray, distal_end: np.ndarray) -> np.ndarray:
    """Flexion (deg) of a segment running from ``distal_end`` to ``proximal_end`` in the
    parent's ``axes`` (rows forward, up, right): positive when the distal end lies ahead,
    the first angle of a flexion-first Cardan sequence.

    Examples
    --------
    >>> import numpy as np
    >>> axes = np.eye(3)[None]  # forward, up, right = lab x, y, z
    >>> hip, knee = np.array([[0.0, 1.0, 0.0]]), np.array([[0.2, 0.6, 0.0]])
    >>> round(float(flexion_deg(axes, hip, knee)[0]), 1)  # knee ahead of the hip
    26.6
    """
    long = _unit(proximal_end - distal_end)
    fwd = np.sum(long * axes[..., 0, :], axis=-1)
    up = np.sum(long * axes[..., 1, :], axis=-1)
    return np.degrees(np.arctan2(-fwd, up))


def thigh_axes(hjc: np.ndarray, lateral: np.ndarray, medial: np.ndarray, side: str) -> np.ndarray:
    """Per-frame thigh axes (T, 3, 3), rows forward, up, right: up from the knee's centre to
    the hip joint centre, right along the epicondyles (lateral to medial on the left leg)."""
    knee = 0.5 * (lateral + medial)
    up = _unit(hjc - knee)
    across = lateral - medial if side == "right" else medial - lateral
    fwd = _unit(np.cross(up, across))
    right = np.cross(fwd, up)
    return np.stack([fwd, up, right], axis=-2)


def anterior_tilt_deg(axes: np.ndarray) -> np.ndarray:
    """The pelvis's anterior tilt (deg): its forward axis below the lab's horizontal, in
    the lab's sagittal plane (lab axes forward, up, right)."""
    f = axes[..., 0, :]
    return np.degrees(np.arctan2(-f[..., 1], f[..., 0]))


def marker_angles(
    running: dict[str, np.ndarray],
    static: dict[str, np.ndarray],
    ms: MarkerSet,
    anatomy: Anatomy,
    prepared: PreparedMarkers | None = None,
) -> dict:
    """3-D angles of a running trial from its markers (deg, per marker frame).

    ``running`` and ``static`` are as for :func:`mocap_keypoints.build_keypoints` (metres,
    the lab's own axes); ``prepared``, when given, is what
    :func:`mocap_keypoints.prepare_markers` made of them for the trial's keypoints (the lab
    axes and label swaps are then not found twice).
    Returns ``{"pelvis_tilt": (T,), "left": {"hip": (T,), "knee": (T,)}, "right": {...},
    "residual_mm": median cluster-fit residual}``; NaN where a segment's cluster does not
    fit.
    """
    prefixes = ms.side_prefix
    asis = tuple(anatomy.asis.replace("{S}", prefixes[s]) for s in ("right", "left"))
    psis = tuple(anatomy.psis.replace("{S}", prefixes[s]) for s in ("right", "left"))
    if prepared is None:
        prepared = prepare_markers(running, static, ms)
    centres = {
        HJC.replace("{S}", prefixes[side]): centre @ prepared.axes.T
        for side, centre in zip(
            ("right", "left"), hip_joint_centres(static, asis, psis), strict=True
        )
    }
    prepared = replace(prepared, static_mean={**prepared.static_mean, **centres})
    landmarks = replace(
        ms,
        keypoints={
            "asis": PointSpec(anatomy.asis, ("pelvis",)),
            "psis": PointSpec(anatomy.psis, ("pelvis",)),
            "hjc": PointSpec(HJC, ("pelvis",)),
            "knee_lateral": PointSpec(anatomy.knee_lateral, ("thigh",)),
            "knee_medial": PointSpec(anatomy.knee_medial, ("thigh",)),
            "ankle_lateral": PointSpec(anatomy.ankle_lateral, ("shank",)),
            "ankle_medial": PointSpec(anatomy.ankle_medial, ("shank",)),
        },
    )
    p, checks = carry_keypoints(prepared, landmarks)
    pelvis = pelvis_axes(p["right_asis"], p["left_asis"], p["right_psis"], p["left_psis"])
    out: dict = {
        "pelvis_tilt": anterior_tilt_deg(pelvis),
        "residual_mm": checks["residual_median_mm"],
    }
    for side in ("left", "right"):
        hjc = p[f"{side}_hjc"]
        lat, med = p[f"{side}_knee_lateral"], p[f"{side}_knee_medial"]
        knee = 0.5 * (lat + med)
        ankle = 0.5 * (p[f"{side}_ankle_lateral"] + p[f"{side}_ankle_medial"])
        thigh = thigh_axes(hjc, lat, med, side)
        out[side] = {
            "hip": flexion_deg(pelvis, hjc, knee),
            # the shank behind the thigh is flexion: the sign of a distal end ahead flipped
            "knee": -flexion_deg(thigh, knee, ankle),
        }
    return out
