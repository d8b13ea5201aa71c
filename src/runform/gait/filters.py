"""The signal tools the engine needs, in NumPy: a Butterworth low-pass run forwards and
backwards, shape-preserving (PCHIP) interpolation, a cubic spline's slope, and a rolling
percentile and mean.

They reproduce SciPy's ``butter(..., output="sos")`` + ``sosfiltfilt`` (odd extension,
steady-state initial conditions), ``PchipInterpolator``, ``CubicSpline``'s derivative,
``percentile_filter`` and
``uniform_filter1d`` (``mode="nearest"``) to rounding error (``tests/test_filters.py``
checks each against SciPy). Importing ``scipy.signal``, ``scipy.interpolate`` and
``scipy.ndimage`` cost a worker about 0.8 s of CPU per job, for functions that run in
milliseconds on a pose track.

>>> import numpy as np
>>> sos = butter_lowpass_sos(2, 7.5, 30.0)
>>> y = sosfiltfilt(sos, np.ones(40))
>>> bool(np.allclose(y, 1.0))
True
"""

from __future__ import annotations

import math

import numpy as np


def butter_lowpass_sos(order: int, cutoff_hz: float, fs: float) -> np.ndarray:
    """Second-order sections of a digital Butterworth low-pass (bilinear, pre-warped).

    As ``scipy.signal.butter(order, cutoff_hz, fs=fs, output="sos")``: rows
    ``[b0, b1, b2, 1, a1, a2]``, the gain carried by the first section.
    """
    if order < 1:
        raise ValueError("order must be at least 1")
    if not 0.0 < cutoff_hz < fs / 2.0:
        raise ValueError("the cut-off must lie between 0 and half the sampling rate")
    wn = 2.0 * cutoff_hz / fs
    warped = 4.0 * math.tan(math.pi * wn / 2.0)  # 2·fs·tan(π·Wn/fs) with fs = 2
    m = np.arange(-order + 1, order, 2)
    poles = -np.exp(1j * np.pi * m / (2 * order)) * warped  # analog, cut-off ``warped``
    gain = warped**order
    z_poles = (4.0 + poles) / (4.0 - poles)
    gain = gain * float(np.real(1.0 / np.prod(4.0 - poles)))
    # pair each pole with its conjugate (the real pole of an odd order alone), zeros at −1
    upper = sorted((p for p in z_poles if p.imag > 1e-12), key=lambda p: abs(p))
    real = [p for p in z_poles if abs(p.imag) <= 1e-12]
    sections = []
    for p in real:
        sections.append([1.0, 1.0, 0.0, 1.0, -p.real, 0.0])
    for p in upper:
        sections.append([1.0, 2.0, 1.0, 1.0, -2.0 * p.real, abs(p) ** 2])
    sos = np.array(sections, float)
    # SciPy orders sections with the poles nearest the unit circle last
    sos = sos[np.argsort([_pole_radius(s) for s in sos], kind="stable")]
    sos[0, :3] *= gain
    return sos


def _pole_radius(section: np.ndarray) -> float:
    return math.sqrt(abs(section[5])) if section[5] != 0 else abs(section[4])


def _zi(section: np.ndarray) -> np.ndarray:
    """Steady-state state of one section for a unit step (``lfilter_zi``)."""
    b0, b1, b2, _, a1, a2 = section
    # (I − Aᵀ) zi = B with A the companion matrix of a: [[1 + a1, −1], [a2, 1]]
    rhs0, rhs1 = b1 - a1 * b0, b2 - a2 * b0
    det = 1.0 + a1 + a2
    return np.array([(rhs0 + rhs1) / det, ((1.0 + a1) * rhs1 - a2 * rhs0) / det])


def sosfilt_zi(sos: np.ndarray) -> np.ndarray:
    """Initial states of a cascade for a unit step (``scipy.signal.sosfilt_zi``)."""
    zi = np.empty((len(sos), 2))
    scale = 1.0
    for k, section in enumerate(sos):
        zi[k] = scale * _zi(section)
        scale *= section[:3].sum() / section[3:].sum()
    return zi


#: Samples per block of :func:`sosfilt`: each block is filtered from a zero state by one
#: matrix product, and the state carried from block to block adds what the earlier samples
#: leave in it.
_BLOCK = 64


def _section_matrices(section: np.ndarray, size: int) -> tuple[np.ndarray, ...]:
    """One second-order section as a state-space system over a block of ``size`` samples.

    With state ``s = (z0, z1)`` before sample ``n`` (direct form II transposed),
    ``y[n] = b0·x[n] + z0`` and ``s' = A·s + B·x[n]``, ``A = [[−a1, 1], [−a2, 0]]``,
    ``B = (b1 − a1·b0, b2 − a2·b0)``. Over a block, ``y = T·x + O·s`` and the state after
    it is ``A^size·s + F·x``; returns ``(T, O, F, A^size)``.
    """
    b0, b1, b2, _, a1, a2 = (float(v) for v in section)
    c0, c1 = b1 - a1 * b0, b2 - a2 * b0  # B
    # A^j for j = 0..size, stepped in plain floats (a NumPy product per step costs more)
    p00, p01, p10, p11 = 1.0, 0.0, 0.0, 1.0
    flat_powers = [(p00, p01, p10, p11)]
    for _ in range(size):
        p00, p01, p10, p11 = (-a1 * p00 + p10, -a1 * p01 + p11, -a2 * p00, -a2 * p01)
        flat_powers.append((p00, p01, p10, p11))
    powers = np.array(flat_powers).reshape(size + 1, 2, 2)
    b = np.array([c0, c1])
    observe = powers[:size, 0, :]  # row 0 of A^j: what the state adds to y[j]
    impulse = np.concatenate([[b0], observe[: size - 1] @ b])  # h[0] = b0, h[k] = (A^(k-1)·B)[0]
    lags = np.subtract.outer(np.arange(size), np.arange(size))
    toeplitz = np.where(lags >= 0, impulse[np.clip(lags, 0, None)], 0.0)
    feed = (powers[size - 1 :: -1] @ b).T  # column i: A^(size-1-i)·B
    return toeplitz, observe, feed, powers[size]


def sosfilt(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> np.ndarray:
    """Filter along the first axis (direct form II transposed, as
    ``scipy.signal.sosfilt``); ``zi`` is ``(sections, 2, *x.shape[1:])``.

    The samples are taken in blocks of :data:`_BLOCK`: a block's response from a zero state
    is one matrix product for every series at once, and only the two-number state of each
    section steps from block to block, so the Python loop runs once per block, not per
    sample. The result equals the sample-by-sample recursion to rounding error
    (``tests/test_filters.py``).
    """
    x = np.asarray(x, float)
    return _run_blocks(_block_systems(sos, _block_size(x.shape[0])), x, zi)


def _block_size(n: int) -> int:
    return max(1, min(_BLOCK, n))


def _block_systems(sos: np.ndarray, size: int) -> list[tuple[np.ndarray, ...]]:
    return [_section_matrices(section, size) for section in sos]


def _run_blocks(systems: list[tuple[np.ndarray, ...]], x: np.ndarray, zi: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    flat = x.reshape(n, -1)
    m = flat.shape[1]
    size = systems[0][0].shape[0]
    blocks = -(-n // size)
    y = np.zeros((blocks * size, m))
    y[:n] = flat
    states = np.asarray(zi, float).reshape(len(systems), 2, -1)
    for k, (toeplitz, observe, feed, carry) in enumerate(systems):
        xb = y.reshape(blocks, size, m)
        zero_state = toeplitz @ xb  # (blocks, size, m)
        added = feed @ xb  # (blocks, 2, m): what each block leaves in the state
        s = np.broadcast_to(states[k], (2, m)).copy()
        starts = np.empty((blocks, 2, m))
        for j in range(blocks):
            starts[j] = s
            s = carry @ s + added[j]
        y = (zero_state + observe @ starts).reshape(blocks * size, m)
    return y[:n].reshape(x.shape)


def padlen(sos: np.ndarray) -> int:
    """Samples of odd extension :func:`sosfiltfilt` adds at each end (SciPy's default:
    ``3·(2·sections + 1)``, less three per section pair whose last coefficients are zero);
    a series must be longer than this to be filtered.

    >>> padlen(butter_lowpass_sos(2, 7.5, 30.0))
    9
    """
    zeros = min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * (2 * len(sos) + 1 - zeros)


def sosfiltfilt(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Zero-phase filtering along the first axis, as ``scipy.signal.sosfiltfilt`` with its
    defaults (odd extension of :func:`padlen` samples at each end)."""
    x = np.asarray(x, float)
    pad = padlen(sos)
    if x.shape[0] <= pad:
        raise ValueError(f"the series must be longer than {pad} samples")
    head = 2.0 * x[0] - x[pad:0:-1]
    tail = 2.0 * x[-1] - x[-2 : -pad - 2 : -1]
    # filtered about the first sample (the filter passes a constant unchanged, so this is
    # the same filter): a constant stretch then stays exactly constant, not constant to
    # rounding, which would give a flat knee angle peaks of 1e-13 degrees
    base = np.array(x[0], float, copy=True)
    ext = np.concatenate([head, x, tail]) - base
    zi = sosfilt_zi(sos).reshape((len(sos), 2) + (1,) * (x.ndim - 1))
    systems = _block_systems(sos, _block_size(ext.shape[0]))  # both passes use them
    y = _run_blocks(systems, ext, zi * ext[0])
    y = _run_blocks(systems, y[::-1], zi * y[-1])[::-1]
    return y[pad:-pad] + base


def pchip_derivatives(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Slopes at the knots of the monotone cubic (Fritsch–Carlson, SciPy's end rule)."""
    h = np.diff(x)
    m = np.diff(y) / h
    d = np.zeros_like(y)
    if len(x) == 2:
        d[:] = m[0]
        return d
    w1 = 2.0 * h[1:] + h[:-1]
    w2 = h[1:] + 2.0 * h[:-1]
    same = (np.sign(m[1:]) * np.sign(m[:-1]) > 0) & (m[1:] != 0) & (m[:-1] != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = (w1 / m[:-1] + w2 / m[1:]) / (w1 + w2)
        d[1:-1] = np.where(same, 1.0 / harmonic, 0.0)
    d[0] = _edge(h[0], h[1], m[0], m[1])
    d[-1] = _edge(h[-1], h[-2], m[-1], m[-2])
    return d


def _edge(h0: float, h1: float, m0: float, m1: float) -> float:
    d = ((2.0 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if np.sign(d) != np.sign(m0):
        return 0.0
    if np.sign(m0) != np.sign(m1) and abs(d) > abs(3.0 * m0):
        return 3.0 * m0
    return float(d)


def pchip(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The PCHIP interpolant through (``x``, ``y``) (``x`` increasing) evaluated ``at``
    points inside ``[x[0], x[-1]]`` (NaN outside, as SciPy with ``extrapolate=False``)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    at = np.asarray(at, float)
    d = pchip_derivatives(x, y)
    k = np.clip(np.searchsorted(x, at, side="right") - 1, 0, len(x) - 2)
    h = x[k + 1] - x[k]
    t = (at - x[k]) / h
    t2, t3 = t * t, t * t * t
    out = (
        (2 * t3 - 3 * t2 + 1) * y[k]
        + (t3 - 2 * t2 + t) * h * d[k]
        + (-2 * t3 + 3 * t2) * y[k + 1]
        + (t3 - t2) * h * d[k + 1]
    )
    return np.where((at >= x[0]) & (at <= x[-1]), out, np.nan)


def _edge_windows(x: np.ndarray, size: int, start: int, stop: int) -> np.ndarray:
    """Windows of ``size`` (odd) centred on ``x[start:stop]``, the ends repeated."""
    half = size // 2
    lo, hi = start - half, stop + half
    idx = np.clip(np.arange(lo, hi), 0, x.size - 1)
    return np.lib.stride_tricks.sliding_window_view(x[idx], size)


def rolling_percentile(x: np.ndarray, percentile: float, size: int) -> np.ndarray:
    """The ``percentile`` of each centred window of ``size`` (odd) samples, ends repeated:
    the window's element of rank ``int(size · percentile / 100)`` (as
    ``scipy.ndimage.percentile_filter(..., mode="nearest")``, no interpolation).

    >>> rolling_percentile(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), 0.0, 3).tolist()
    [1.0, 1.0, 1.0, 2.0, 2.0]
    """
    x = np.asarray(x, float)
    rank = min(size - 1, int(float(size) * percentile / 100.0))
    out = np.empty_like(x)
    step = max(1, 4_000_000 // size)  # bounded memory for long clips at high frame rates
    for start in range(0, x.size, step):
        stop = min(x.size, start + step)
        out[start:stop] = np.partition(_edge_windows(x, size, start, stop), rank, axis=1)[:, rank]
    return out


def rolling_mean(x: np.ndarray, size: int) -> np.ndarray:
    """The mean of each centred window of ``size`` (odd) samples, ends repeated (as
    ``scipy.ndimage.uniform_filter1d(..., mode="nearest")``).

    >>> rolling_mean(np.array([0.0, 3.0, 6.0]), 3).tolist()
    [1.0, 3.0, 5.0]
    """
    x = np.asarray(x, float)
    out = np.empty_like(x)
    step = max(1, 4_000_000 // size)
    for start in range(0, x.size, step):
        stop = min(x.size, start + step)
        out[start:stop] = _edge_windows(x, size, start, stop).mean(axis=1)
    return out


def _not_a_knot_slopes(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slopes at the knots of the cubic spline through ``(x, y)`` with not-a-knot ends, and
    the chords' slopes; ``y`` is ``(n,)`` or ``(n, m)`` (``m`` series on the same knots)."""
    n = x.size
    if n < 4:
        raise ValueError("a cubic spline with not-a-knot ends needs at least four points")
    dx = np.diff(x).reshape((-1,) + (1,) * (y.ndim - 1))
    slope = np.diff(y, axis=0) / dx
    shape = (n, *y.shape[1:])
    lower, diag, upper = (np.zeros((n, *dx.shape[1:])) for _ in range(3))
    rhs = np.zeros(shape)
    diag[1:-1] = 2.0 * (dx[:-1] + dx[1:])
    lower[1:-1], upper[1:-1] = dx[1:], dx[:-1]
    rhs[1:-1] = 3.0 * (dx[1:] * slope[:-1] + dx[:-1] * slope[1:])
    d0, d1 = x[2] - x[0], x[-1] - x[-3]
    diag[0], upper[0] = dx[1], d0
    rhs[0] = ((dx[0] + 2.0 * d0) * dx[1] * slope[0] + dx[0] ** 2 * slope[1]) / d0
    diag[-1], lower[-1] = dx[-2], d1
    rhs[-1] = (dx[-1] ** 2 * slope[-2] + (2.0 * d1 + dx[-1]) * dx[-2] * slope[-1]) / d1
    # Thomas algorithm: eliminate below the diagonal, then substitute back
    c, d = np.zeros(diag.shape), np.zeros(shape)
    c[0], d[0] = upper[0] / diag[0], rhs[0] / diag[0]
    for i in range(1, n):
        m = diag[i] - lower[i] * c[i - 1]
        c[i] = upper[i] / m
        d[i] = (rhs[i] - lower[i] * d[i - 1]) / m
    s = np.zeros(shape)
    s[-1] = d[-1]
    for i in range(n - 2, -1, -1):
        s[i] = d[i] - c[i] * s[i + 1]
    return s, slope


def _spline_pieces(x: np.ndarray, y: np.ndarray, at: np.ndarray):
    """For each of ``at``: its piece's offset ``t`` from the knot, the knot's value and
    slope, and the piece's quadratic and cubic coefficients (ends extended outside)."""
    s, slope = _not_a_knot_slopes(x, y)
    i = np.clip(np.searchsorted(x, at, side="right") - 1, 0, x.size - 2)
    h = np.diff(x)[i].reshape((-1,) + (1,) * (y.ndim - 1))
    t = (at - x[i]).reshape(h.shape)
    c2 = (3.0 * slope[i] - 2.0 * s[i] - s[i + 1]) / h
    c3 = (s[i] + s[i + 1] - 2.0 * slope[i]) / h**2
    return t, y[i], s[i], c2, c3


def cubic_spline(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Value at ``at`` of the cubic spline through ``(x, y)`` with not-a-knot ends.

    As ``scipy.interpolate.CubicSpline(x, y)(at)`` (``x`` increasing, at least four points;
    ``y`` of shape ``(n,)`` or ``(n, m)`` for ``m`` series on the same knots; outside
    ``[x[0], x[-1]]`` the end pieces are extended).

    >>> x = np.linspace(0.0, 1.0, 9)
    >>> float(np.round(cubic_spline(x, x**3, np.array([0.55]))[0], 6))
    0.166375
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    at = np.asarray(at, dtype=float)
    t, y0, s0, c2, c3 = _spline_pieces(x, y, at)
    return y0 + t * (s0 + t * (c2 + t * c3))


def cubic_spline_slope(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Derivative at ``at`` of the cubic spline through ``(x, y)`` with not-a-knot ends.

    As ``scipy.interpolate.CubicSpline(x, y)(at, 1)`` (``x`` increasing, at least four
    points; ``at`` inside ``[x[0], x[-1]]``): the knots' slopes solve the spline's
    tridiagonal system (Thomas algorithm), then each interval is a cubic Hermite piece.

    >>> x = np.linspace(0.0, 1.0, 9)
    >>> float(np.round(cubic_spline_slope(x, x**3, np.array([0.55]))[0], 6))
    0.9075
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    t, _y0, s0, c2, c3 = _spline_pieces(x, y, np.asarray(at, dtype=float))
    return s0 + 2.0 * c2 * t + 3.0 * c3 * t**2
