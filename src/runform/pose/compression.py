"""How hard a video was compressed, and the warning when it is too hard to trust the joints.

Compression is read as **bits per pixel per frame**: the video stream's bit rate over the
picture's pixels times the playback frame rate. A phone's camera app writes about 0.1-0.3
(1080p at 30 fps and 17 Mbit/s is 0.27); a copy sent through a messaging app 0.03-0.1. The
example clip (720 x 1280, 30 fps) is 0.045.

Re-encoded with x264 at rising CRF (session 23), the example's near-leg values stayed within
their stated measurement errors down to 0.006 bits per pixel (CRF 42: knee in stance +5°
against ±7.5°, landing −5.3 % of leg against ±5.9 %), though the left/right label swaps to
correct rose from 7 frames to 38; at 0.0047 (CRF 45) thigh extension fell 6.6° (error ±5.5°)
and most steps were rejected. :data:`HEAVY_COMPRESSION_BPP` sits between CRF 39 (0.0084, all
values within a third of their errors but the landing) and CRF 42: below it the analysis
warns that compression may move the angles and lose steps, and says how to avoid it.

Examples
--------
>>> round(bits_per_pixel(1_242_599, 720, 1280, 30.0), 4)
0.0449
>>> compression_warning(bits_per_pixel(1_242_599, 720, 1280, 30.0)) is None
True
>>> compression_warning(bits_per_pixel(169_872, 720, 1280, 30.0))["code"]
'heavily_compressed'
"""

from __future__ import annotations

import math

#: Below this many bits per pixel per frame the pose model's joints degrade visibly.
HEAVY_COMPRESSION_BPP = 0.008


def bits_per_pixel(bit_rate: float | None, width: int, height: int, fps: float | None) -> float:
    """Bits per pixel per frame (``nan`` when the bit rate or frame rate is not known)."""
    if not bit_rate or not fps or width <= 0 or height <= 0:
        return math.nan
    return float(bit_rate) / (width * height * float(fps))


def compression_warning(bpp: float) -> dict | None:
    """The ``heavily_compressed`` warning for a video of ``bpp`` bits per pixel per frame
    (:func:`bits_per_pixel`) below :data:`HEAVY_COMPRESSION_BPP`, else ``None`` (also for
    ``nan``: the bit rate not stated)."""
    if not math.isfinite(bpp) or bpp >= HEAVY_COMPRESSION_BPP:
        return None
    return {
        "code": "heavily_compressed",
        "level": "warning",
        "message": (
            f"The video is heavily compressed ({bpp:.3f} bits per pixel per frame; a phone's "
            "camera app records 0.1-0.3), which blurs the joints: angles may move by several "
            "degrees and steps be lost. Analyse the original file from the phone's camera, "
            "not a copy sent through a messaging app or re-exported smaller."
        ),
    }
