"""Running speed as people write it: ``3.2``, ``3.2m/s``, ``11.5 km/h``, ``7.2mph``, a pace
such as ``5:15/km`` or ``8:27/mi``.

One parser for the command line, the web form and the API, so that a speed means the same
thing wherever it is typed. A bare number is metres per second, but only inside the range
of speeds a person runs on a treadmill; outside it the number is refused with a sentence
that suggests the unit it was probably written in (``12`` is 12 km/h, not 12 m/s).

Examples
--------
>>> parse_speed("3.2")
3.2
>>> round(parse_speed("11.5 km/h"), 3)
3.194
>>> round(parse_speed("5:15/km"), 3)
3.175
>>> round(parse_speed("8:27/mi"), 3)
3.174
>>> parse_speed("12")
Traceback (most recent call last):
...
ValueError: A treadmill speed of 12 m/s is faster than anyone runs; write the unit, for example 12km/h (3.33 m/s) or 12mph (5.36 m/s).
"""

from __future__ import annotations

import math
import re

#: Metres in one mile.
MILE_M = 1609.344

#: A bare number (no unit) is taken as m/s only in this range: a slow jog to the top speed
#: of ordinary treadmills (25 km/h ≈ 6.9 m/s). Outside it the unit is asked for.
BARE_MPS_RANGE = (0.8, 7.0)

#: Any speed, whatever its unit, must be a human running speed (m/s).
RUNNING_MPS_RANGE = (0.5, 12.0)

_FACTORS = {
    "m/s": 1.0,
    "mps": 1.0,
    "ms": 1.0,
    "km/h": 1000.0 / 3600.0,
    "kmh": 1000.0 / 3600.0,
    "kph": 1000.0 / 3600.0,
    "km/hr": 1000.0 / 3600.0,
    "mph": MILE_M / 3600.0,
    "mi/h": MILE_M / 3600.0,
}

_PACE = re.compile(
    r"^(?P<min>\d{1,2}):(?P<sec>[0-5]\d(?:\.\d+)?)\s*(?:min)?\s*/\s*(?P<unit>km|mi|mile)$"
)
_NUMBER = re.compile(r"^(?P<value>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>[a-z/]*)$")

_EXAMPLES = "3.2, 3.2m/s, 11.5km/h, 7.2mph, 5:15/km or 8:27/mi"


def _check_running(mps: float, text: str) -> float:
    low, high = RUNNING_MPS_RANGE
    if not (low <= mps <= high):
        raise ValueError(
            f"A treadmill speed of {text} is {mps:.2f} m/s, outside human running "
            f"({low:g}–{high:g} m/s); check the number and its unit."
        )
    return mps


def parse_speed(text: str | float | int) -> float:
    """Read a running speed and return it in metres per second.

    Parameters
    ----------
    text
        A number in m/s (only between 0.8 and 7 m/s when it has no unit), a number with a
        unit (``m/s``, ``km/h``, ``kph``, ``mph``), or a pace ``M:SS/km`` or ``M:SS/mi``.

    Returns
    -------
    float
        The speed in m/s.

    Raises
    ------
    ValueError
        With one sentence saying what was wrong and how to write it; a bare number outside
        the range people run at in m/s suggests the unit it was probably meant in.
    """
    if isinstance(text, bool):
        raise ValueError(f"Give the treadmill speed as a number with a unit, e.g. {_EXAMPLES}.")
    if isinstance(text, int | float):
        raw = f"{text:g}"
    else:
        raw = str(text)
    cleaned = raw.strip().lower().replace(",", ".").replace(" per ", "/")
    if not cleaned:
        raise ValueError(f"The treadmill speed is empty; write it as {_EXAMPLES}.")

    pace = _PACE.match(cleaned)
    if pace:
        seconds = int(pace["min"]) * 60 + float(pace["sec"])
        if seconds <= 0:
            raise ValueError(f"The pace {raw.strip()} is zero; write it as minutes:seconds/km.")
        metres = 1000.0 if pace["unit"] == "km" else MILE_M
        return _check_running(metres / seconds, raw.strip())

    number = _NUMBER.match(cleaned.replace(" ", "")) or _NUMBER.match(cleaned)
    if not number:
        raise ValueError(
            f"'{raw.strip()}' is not a speed runform can read; write it as {_EXAMPLES}."
        )
    value = float(number["value"])
    if not math.isfinite(value):
        raise ValueError(
            f"'{raw.strip()}' is not a speed runform can read; write it as {_EXAMPLES}."
        )
    unit = number["unit"]
    if unit:
        factor = _FACTORS.get(unit)
        if factor is None:
            raise ValueError(
                f"'{unit}' is not a speed unit runform knows; use m/s, km/h, mph, "
                "or a pace such as 5:15/km."
            )
        return _check_running(value * factor, raw.strip())

    low, high = BARE_MPS_RANGE
    if low <= value <= high:
        return value
    if value > high:
        kmh, mph = value * _FACTORS["km/h"], value * _FACTORS["mph"]
        options = []
        if RUNNING_MPS_RANGE[0] <= kmh <= RUNNING_MPS_RANGE[1]:
            options.append(f"{value:g}km/h ({kmh:.2f} m/s)")
        if RUNNING_MPS_RANGE[0] <= mph <= RUNNING_MPS_RANGE[1]:
            options.append(f"{value:g}mph ({mph:.2f} m/s)")
        if options:
            return_hint = " or ".join(options)
            raise ValueError(
                f"A treadmill speed of {value:g} m/s is faster than anyone runs; write the "
                f"unit, for example {return_hint}."
            )
        raise ValueError(
            f"A treadmill speed of {value:g} is not a running speed in m/s, km/h or mph; "
            f"write it as {_EXAMPLES}."
        )
    raise ValueError(
        f"A treadmill speed of {value:g} m/s is slower than running; write the unit if it is "
        f"not m/s, e.g. {_EXAMPLES}."
    )


__all__ = ["BARE_MPS_RANGE", "MILE_M", "RUNNING_MPS_RANGE", "parse_speed"]
