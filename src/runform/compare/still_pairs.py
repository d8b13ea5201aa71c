"""Key-frame stills of the two sessions side by side, with the numbers under them.

:func:`write_still_pairs` puts each session's still of the same moment and leg next to each
other (peak thigh extension, contact), with the metrics of that moment before and after.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from runform.compare.video import STRIP_BGR, even
from runform.findings.wording import fmt_value
from runform.keyframes import still_names
from runform.render import lettering, surface

#: Still moments shown side by side, with the metrics named under them.
STILL_PAIRS: dict[str, tuple[str, ...]] = {
    "peak_extension": ("thigh_extension_deg", "hip_extension_trunk_deg"),
    "contact": ("touchdown_distance_pct", "shank_angle_contact_deg", "knee_flexion_contact_deg"),
}
STILL_TITLES = {"peak_extension": "peak thigh extension", "contact": "initial contact"}
STILL_WIDTH = 540


def still_pair_name(moment: str, side: str) -> str:
    """``compare-peak-extension-left.png``."""
    return f"compare-{moment.replace('_', '-')}-{side}.png"


def _find_still(folder: Path, side: str, moment: str) -> Path | None:
    for sub in (folder / "stills", folder):
        for name in still_names(side, moment):
            if (sub / name).is_file():
                return sub / name
    return None


def _caption(rows: list[dict], metrics: tuple[str, ...], side: str) -> list[str]:
    lines = []
    for metric in metrics:
        row = next((r for r in rows if r["metric"] == metric and r["side"] == side), None)
        if row is None or row["change"] is None:
            continue
        unit = row["unit"]
        lines.append(
            f"{row['name']}: {fmt_value(row['before']['value'], unit, short=True)} → "
            f"{fmt_value(row['after']['value'], unit, short=True)} ({row['verdict']})"
        )
    return lines


def write_still_pairs(
    before_folder: Path | None, after_folder: Path | None, rows: list[dict], out_dir: Path
) -> tuple[list[Path], list[str]]:
    """Each session's key-frame still of the same moment and leg side by side, labelled, with
    the numbers underneath: ``compare-peak-extension-<side>.png`` and
    ``compare-contact-<side>.png``. Returns the files written and notes on what was missing."""
    written: list[Path] = []
    notes: list[str] = []
    if before_folder is None or after_folder is None:
        return [], ["Key-frame stills are compared only from analysis folders."]
    for moment, metrics in STILL_PAIRS.items():
        for side in ("left", "right"):
            pair = [
                _find_still(before_folder, side, moment),
                _find_still(after_folder, side, moment),
            ]
            if not all(pair):
                continue
            images = [cv2.imread(str(p), cv2.IMREAD_COLOR) for p in pair]
            if any(img is None for img in images):
                notes.append(f"A {STILL_TITLES[moment]} still of the {side} leg could not be read.")
                continue
            scaled = [
                cv2.resize(img, (STILL_WIDTH, even(img.shape[0] * STILL_WIDTH / img.shape[1])),
                           interpolation=cv2.INTER_AREA)
                for img in images
            ]  # fmt: skip
            h = max(img.shape[0] for img in scaled)
            gap = 6
            width = 2 * STILL_WIDTH + gap
            style = surface.Style.for_frame(width, h)
            px, small = style.font_px, style.small_font_px
            line_h = lettering.text_size("Ag°", small, box=False)[1]
            strip = lettering.text_size("Ag°", px, box=False)[1] + style.margin
            captions = _caption(rows, metrics, side)
            bottom = (len(captions) * (line_h + 4)) + style.margin if captions else 0
            canvas_img = np.full((strip + h + bottom, width, 3), STRIP_BGR, np.uint8)
            canvas = surface.BGRCanvas(canvas_img)
            for k, (img, which) in enumerate(zip(scaled, ("BEFORE", "AFTER"), strict=True)):
                x0 = k * (STILL_WIDTH + gap)
                canvas_img[strip : strip + img.shape[0], x0 : x0 + STILL_WIDTH] = img
                lettering.put_text(
                    canvas, which,
                    (x0 + style.margin // 2, strip / 2), px, surface.WHITE, anchor="lm", box=False,
                )  # fmt: skip
            y = strip + h + style.margin // 2
            for text in captions:
                lettering.put_text(
                    canvas,
                    text,
                    (style.margin // 2, y),
                    small,
                    surface.WHITE,
                    box=False,
                    inside=True,
                )
                y += line_h + 4
            path = out_dir / still_pair_name(moment, side)
            if not cv2.imwrite(str(path), canvas_img):
                notes.append(f"{path.name} could not be written.")
                continue
            written.append(path)
    if not written:
        notes.append(
            "No key-frame stills to compare: each analysis folder needs its stills/ "
            "(written by runform analyze with the video)."
        )
    return written, notes


__all__ = ["STILL_PAIRS", "still_pair_name", "write_still_pairs"]
