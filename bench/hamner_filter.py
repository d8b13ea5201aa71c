"""The low-pass filter Hamner's force went through, and what it did to its 20 N events.

Hamner & Delp's ground reaction force exists only filtered (the data's README: "about
15 Hz"), and a zero-lag low-pass spreads each impact backward in time: a filtered force
crosses 20 N before the raw force would. The force-plate truth of a Hamner trial is moved
back by that spread (:mod:`hamner_data`). Its size is measured here in two steps:

1. **Identify the filter from the spectrum.** The vertical force's power spectrum, as a
   fraction of body weight, is taken on every Hamner trial and on every *raw* Fukuchi trial
   (27 runners, 2.5-4.5 m/s, 300 Hz, unfiltered), the raw ones passed through a candidate
   zero-lag Butterworth and set to zero below 10 N as Hamner's were. The candidate whose
   median spectrum matches Hamner's at the same belt speed over 12-40 Hz (after a gain
   matched at 3-8 Hz) is the filter. A softer landing also lowers that band, so the
   identification errs, if anything, toward too much filtering.
2. **Measure the spread on raw force.** Every raw Fukuchi trial is filtered by the
   identified filter, and its 20 N contacts and toe-offs are compared with the raw force's
   own; each trial's mean shift is one point of a line in belt speed.

Both results are committed as :data:`HAMNER_FILTER` so the truth does not depend on which
data folders are present; ``python bench/hamner_filter.py`` re-measures them from the
data and says whether they are reproduced (``tests/test_hamner_filter.py`` checks the
identification on a synthetic force and, with the data, the committed numbers).

Before session 17 the cut-off was chosen to reproduce Hamner's median 20 -> 500 N rise
time on three raw trials (11.5 Hz). That number mixes the filter with how runners land:
Hamner's forces rise from 20 to 50 N in about 7 ms where raw Fukuchi forces take 2-5 ms,
and no Butterworth that fits the spectrum gives that (decisions.md).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import fukuchi_files
from force_truth import above_intervals


@dataclass(frozen=True)
class FilterModel:
    """A zero-lag Butterworth and what it does to 20 N events, as a line in belt speed.

    ``contact_ms`` and ``toe_off_ms`` are ``(at 0 m/s, per m/s)``: the shift to *add* to
    an event read on the filtered force to put it where the raw force would have crossed.
    """

    order: int
    cutoff_hz: float
    contact_ms: tuple[float, float]
    toe_off_ms: tuple[float, float]

    def shift_ms(self, speed: float) -> tuple[float, float]:
        """``(contact, toe-off)`` shifts (ms) at belt speed ``speed`` (m/s)."""
        return (
            self.contact_ms[0] + self.contact_ms[1] * speed,
            self.toe_off_ms[0] + self.toe_off_ms[1] * speed,
        )


#: Measured by ``python bench/hamner_filter.py`` on 27 Hamner trials (the 36 less those
#: whose zero floor is 30 N or more) and 76 raw Fukuchi trials of ``../shared/data`` and
#: ``../external_data`` (session 17): a 2nd-order zero-lag Butterworth at 18 Hz (best of
#: orders 1-4; 17-19 Hz at each speed), which moves raw contacts 2.6 / 3.1 / 4.3 ms early at
#: 2.5 / 3.5 / 4.5 m/s (median trial).
HAMNER_FILTER = FilterModel(
    order=2, cutoff_hz=18.0, contact_ms=(0.33, 0.885), toe_off_ms=(-0.07, 0.115)
)

#: Frequencies (Hz) of the spectra compared, the band the fit scores and the band that
#: matches the gain (body weight normalisation and stride harmonics).
FREQS_HZ = np.arange(2.0, 60.01, 0.5)
FIT_BAND_HZ = (12.0, 40.0)
GAIN_BAND_HZ = (3.0, 8.0)
#: Hamner's zero floor given to the filtered raw force, and the highest floor a Hamner
#: trial may have to enter the fit (a floor's step adds broadband power).
FLOOR_N = 10.0
MAX_FLOOR_N = 30.0


def log_spectrum(time: np.ndarray, force: np.ndarray) -> np.ndarray:
    """Welch power spectrum (2 s segments) of ``force`` / its mean, in dB at :data:`FREQS_HZ`."""
    from scipy.signal import welch

    rate = 1.0 / float(np.median(np.diff(time)))
    freqs, power = welch(force / float(np.mean(force)), fs=rate, nperseg=int(2 * rate))
    return np.interp(FREQS_HZ, freqs, 10.0 * np.log10(np.maximum(power, 1e-30)))


def _as_filtered(time: np.ndarray, raw: np.ndarray, cutoff_hz: float, order: int) -> np.ndarray:
    """A raw force processed as Hamner's was: filtered, then zero below :data:`FLOOR_N`."""
    smooth = fukuchi_files.butter_lowpass(time, raw, cutoff_hz, order)
    return np.where(smooth >= FLOOR_N, smooth, 0.0)


def _by_speed(spectra: Iterable[tuple[float, np.ndarray]]) -> dict[float, np.ndarray]:
    groups: dict[float, list[np.ndarray]] = {}
    for speed, spectrum in spectra:
        groups.setdefault(speed, []).append(spectrum)
    return {s: np.median(v, axis=0) for s, v in sorted(groups.items())}


def _at_speed(medians: dict[float, np.ndarray], speed: float) -> np.ndarray:
    """The reference spectrum at ``speed``: linear between the measured speeds, the nearest
    one outside them."""
    speeds = np.array(list(medians))
    table = np.array(list(medians.values()))
    return np.array([np.interp(speed, speeds, table[:, k]) for k in range(table.shape[1])])


def spectrum_misfit(
    filtered: dict[float, np.ndarray], raw_filtered: dict[float, np.ndarray]
) -> dict[float, float]:
    """Per speed of ``filtered`` (Hamner's median spectra), the RMS difference (dB) over
    :data:`FIT_BAND_HZ` from ``raw_filtered`` (a candidate's median spectra, by speed) at
    that speed, once the gain is matched over :data:`GAIN_BAND_HZ`."""
    band = (FREQS_HZ >= FIT_BAND_HZ[0]) & (FREQS_HZ <= FIT_BAND_HZ[1])
    gain = (FREQS_HZ >= GAIN_BAND_HZ[0]) & (FREQS_HZ <= GAIN_BAND_HZ[1])
    out = {}
    for speed, spectrum in filtered.items():
        ref = _at_speed(raw_filtered, speed)
        offset = float(np.median(spectrum[gain] - ref[gain]))
        out[speed] = float(np.sqrt(np.mean((spectrum[band] - ref[band] - offset) ** 2)))
    return out


def identify_filter(
    filtered: Sequence[tuple[float, np.ndarray, np.ndarray]],
    raw: Sequence[tuple[float, np.ndarray, np.ndarray]],
    orders: Sequence[int] = (2,),
    cutoffs_hz: Sequence[float] = tuple(np.arange(8.0, 30.01, 0.5)),
) -> dict:
    """The zero-lag Butterworth that turns ``raw`` forces into ``filtered`` ones, by spectrum.

    Parameters
    ----------
    filtered, raw
        ``(belt speed m/s, time s, vertical force N)`` of each trial; ``filtered`` already
        set to zero below its floor (keep floors under :data:`MAX_FLOOR_N`).
    orders, cutoffs_hz
        The candidates.

    Returns
    -------
    dict
        ``order``, ``cutoff_hz`` and ``rms_db`` of the best candidate pooled over speeds;
        ``by_speed`` ``{speed: (best cut-off, rms dB)}`` at that order; ``by_order``
        ``{order: (best cut-off, rms dB)}``.

    Examples
    --------
    >>> t = np.arange(0, 20, 1 / 300)
    >>> phase = (t * 1.4) % 1.0
    >>> stance = np.clip(phase / 0.35, 0.0, 1.0)
    >>> raw = 2000 * np.sin(np.pi * stance) ** 0.6
    >>> hamner = _as_filtered(t, raw, 15.0, 2)
    >>> round(identify_filter([(3.0, t, hamner)], [(3.0, t, raw)])["cutoff_hz"])
    15
    """
    target = _by_speed((s, log_spectrum(t, f)) for s, t, f in filtered)
    best: dict = {"rms_db": np.inf}
    by_order = {}
    for order in orders:
        table = []
        for cutoff in cutoffs_hz:
            cand = _by_speed(
                (s, log_spectrum(t, _as_filtered(t, f, cutoff, order))) for s, t, f in raw
            )
            table.append(spectrum_misfit(target, cand))
        pooled = [float(np.sqrt(np.mean(np.square(list(row.values()))))) for row in table]
        i = int(np.argmin(pooled))
        by_order[order] = (float(cutoffs_hz[i]), pooled[i])
        if pooled[i] < best["rms_db"]:
            by_speed = {}
            for speed in target:
                errors = [row[speed] for row in table]
                j = int(np.argmin(errors))
                by_speed[speed] = (float(cutoffs_hz[j]), errors[j])
            best = {
                "order": order,
                "cutoff_hz": float(cutoffs_hz[i]),
                "rms_db": pooled[i],
                "by_speed": by_speed,
            }
    best["by_order"] = by_order
    return best


def event_shifts(
    time: np.ndarray, raw: np.ndarray, cutoff_hz: float, order: int
) -> tuple[float, float]:
    """Mean shift (ms) to add to the 20 N contacts and toe-offs of ``raw`` filtered at
    ``cutoff_hz`` to recover the raw force's own (read as Fukuchi's truth is read)."""
    truth = fukuchi_files.stance_intervals(time, raw, 20.0, subtract_baseline=False)
    smooth = above_intervals(
        time, fukuchi_files.butter_lowpass(time, raw, cutoff_hz, order), 20.0, 0.5 * np.mean(raw)
    )
    dc, dt = [], []
    for on, off in truth:
        if not smooth:
            break
        j = int(np.argmin([abs(s[0] - on) for s in smooth]))
        if abs(smooth[j][0] - on) < 0.08:
            dc.append(1000.0 * (on - smooth[j][0]))
            dt.append(1000.0 * (off - smooth[j][1]))
    return (float(np.mean(dc)), float(np.mean(dt))) if dc else (float("nan"), float("nan"))


def measure_model(
    raw: Sequence[tuple[float, np.ndarray, np.ndarray]], cutoff_hz: float, order: int
) -> tuple[FilterModel, list[tuple[float, float, float]]]:
    """The filter's event shifts on every raw trial, fitted as a line in belt speed (each
    trial one point). Returns the model and ``(speed, contact ms, toe-off ms)`` per trial."""
    rows = [(s, *event_shifts(t, f, cutoff_hz, order)) for s, t, f in raw]
    rows = [r for r in rows if np.isfinite(r[1])]
    speeds = np.array([r[0] for r in rows])
    c1, c0 = np.polyfit(speeds, [r[1] for r in rows], 1)
    t1, t0 = np.polyfit(speeds, [r[2] for r in rows], 1)
    model = FilterModel(order, cutoff_hz, (float(c0), float(c1)), (float(t0), float(t1)))
    return model, rows


def raw_fukuchi_forces(
    data_dirs: Iterable[Path],
) -> list[tuple[str, float, np.ndarray, np.ndarray]]:
    """``(runner, belt speed, time, vertical force less the plate's flight offset)`` of every
    Fukuchi trial with a force record under ``data_dirs`` (Fukuchi's plates are raw)."""
    import fukuchi_data

    out = []
    for data_dir in data_dirs:
        for spec in fukuchi_data.trials(data_dir):
            t, cols = fukuchi_files.load_forces(spec.folder / spec.forces)
            f = cols["Fy"]
            rough = fukuchi_files.stance_intervals(t, f, 20.0)
            f = f - fukuchi_files.flight_baseline(
                t, fukuchi_files.butter_lowpass(t, f, 50.0), rough
            )
            out.append((spec.runner, spec.speed_label, t, f))
    return out


def hamner_forces(data_dirs: Iterable[Path]) -> list[tuple[str, float, np.ndarray, np.ndarray]]:
    """``(runner, speed label, time, both feet's vertical force)`` of every Hamner trial
    under ``data_dirs`` whose zero floor is under :data:`MAX_FLOOR_N`."""
    import hamner_data
    from force_truth import force_floor

    out = []
    for data_dir in data_dirs:
        for spec in hamner_data.trials(data_dir):
            t, per_foot = hamner_data._read_grf(spec.folder / "expData" / f"Run_{spec.run}_grf.mot")
            if max(force_floor(f) for f in per_foot.values()) < MAX_FLOOR_N:
                out.append((spec.runner, spec.speed_label, t, per_foot["right"] + per_foot["left"]))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from _common import EXTERNAL_DATA, SHARED_DATA

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--shared-only", action="store_true", help="../shared/data only (not ../external_data)"
    )
    args = parser.parse_args(argv)
    dirs = [SHARED_DATA] if args.shared_only else [SHARED_DATA, EXTERNAL_DATA]
    raw = raw_fukuchi_forces(d for d in dirs if d.is_dir())
    ham = hamner_forces(d for d in dirs if d.is_dir())
    if not raw or not ham:
        print("Needs raw Fukuchi forces and Hamner forces (../shared/data).", file=sys.stderr)
        return 2
    print(
        f"{len(ham)} Hamner trials (floor under {MAX_FLOOR_N:.0f} N) of "
        f"{len({r for r, *_ in ham})} runners; {len(raw)} raw Fukuchi trials of "
        f"{len({r for r, *_ in raw})} runners."
    )
    found = identify_filter(
        [(s, t, f) for _, s, t, f in ham], [(s, t, f) for _, s, t, f in raw], orders=(1, 2, 3, 4)
    )
    print("\nSpectrum fit (RMS dB over 12-40 Hz, pooled over speeds), best cut-off per order:")
    for order, (cut, rms) in found["by_order"].items():
        print(f"  order {order}: {cut:.1f} Hz, {rms:.1f} dB")
    print(f"Best: order {found['order']} at {found['cutoff_hz']:.1f} Hz; by speed:")
    for speed, (cut, rms) in found["by_speed"].items():
        print(f"  {speed:g} m/s: {cut:.1f} Hz ({rms:.1f} dB)")
    model, rows = measure_model(
        [(s, t, f) for _, s, t, f in raw], found["cutoff_hz"], found["order"]
    )
    print("\nEvent shifts on raw Fukuchi force (ms to add; median trial by speed):")
    for speed in sorted({r[0] for r in rows}):
        c = [r[1] for r in rows if r[0] == speed]
        o = [r[2] for r in rows if r[0] == speed]
        print(
            f"  {speed:g} m/s ({len(c)} trials): contact {np.median(c):+.1f} "
            f"[{np.min(c):+.1f} to {np.max(c):+.1f}], toe-off {np.median(o):+.1f}"
        )
    print(
        f"Line: contact {model.contact_ms[0]:+.2f} {model.contact_ms[1]:+.3f} v, "
        f"toe-off {model.toe_off_ms[0]:+.2f} {model.toe_off_ms[1]:+.3f} v"
    )
    for speed in (2.0, 3.0, 4.0, 5.0):
        new, old = model.shift_ms(speed), HAMNER_FILTER.shift_ms(speed)
        print(
            f"  at {speed:g} m/s: contact {new[0]:+.1f} ms (committed {old[0]:+.1f}), "
            f"toe-off {new[1]:+.1f} (committed {old[1]:+.1f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
