"""The exercise library: loading, validating and looking up exercises.

The library is data (``data/exercises.yaml``), checked against a JSON Schema
(``data/exercises.schema.yaml``) and then for cross-references the schema cannot
express: every progression, regression and alternative id exists, ranges are ordered,
ids are unique.

Example
-------
>>> lib = load_library()
>>> lib["straight_leg_bounds"].dose.distance_m
(50, 100)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from runform.errors import InputError
from runform.findings import FINDING_IDS as FINDING_IDS  # one list, owned by the findings stage

MAINTENANCE = "maintenance"
LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")
CATEGORIES: tuple[str, ...] = ("mobility", "activation", "strength", "core", "drill", "stretch")
EQUIPMENT: tuple[str, ...] = (
    "band",
    "mini_band",
    "stability_ball",
    "cable",
    "bench",
    "step",
    "dumbbells",
    "kettlebell",
)
BODY_PARTS: tuple[str, ...] = (
    "foot",
    "ankle",
    "achilles",
    "calf",
    "shin",
    "knee",
    "hamstring",
    "quadriceps",
    "hip",
    "groin",
    "lower_back",
    "wrist",
    "shoulder",
)

_DATA = "data"
_LIBRARY_FILE = "exercises.yaml"
_SCHEMA_FILE = "exercises.schema.yaml"


@dataclass(frozen=True)
class DoseSpec:
    """The dose range an exercise moves through over the plan.

    Exactly one of ``reps``, ``distance_m``, ``hold_s`` and ``duration_s`` is set, as a
    ``(low, high)`` pair: the low end is week 1, the high end the hardest week.
    ``per`` is ``"leg"`` or ``"side"`` when the amount is done on each side.
    ``seconds_per_unit`` is the work time of one repetition or one metre.
    """

    sets: tuple[int, int]
    rest_s: int
    reps: tuple[int, int] | None = None
    distance_m: tuple[int, int] | None = None
    hold_s: tuple[int, int] | None = None
    duration_s: tuple[int, int] | None = None
    per: str | None = None
    seconds_per_unit: float = 1.0

    @property
    def kind(self) -> str:
        """``"reps"``, ``"distance_m"``, ``"hold_s"`` or ``"duration_s"``."""
        for name in ("reps", "distance_m", "hold_s", "duration_s"):
            if getattr(self, name) is not None:
                return name
        raise AssertionError("a DoseSpec always has one amount")  # pragma: no cover

    @property
    def amount(self) -> tuple[int, int]:
        """The ``(low, high)`` range of the amount, whatever its kind."""
        return getattr(self, self.kind)

    @property
    def sides(self) -> int:
        """2 when the amount is done on each leg or side, else 1."""
        return 2 if self.per else 1


@dataclass(frozen=True)
class Exercise:
    """One exercise variant of the library (see ``data/exercises.yaml`` for the fields)."""

    id: str
    name: str
    category: str
    level: str
    targets: Mapping[str, int]
    purpose: str
    instructions: tuple[str, ...]
    cues: tuple[str, ...]
    mistakes: tuple[str, ...]
    dose: DoseSpec
    equipment: tuple[str, ...]
    loads: tuple[str, ...]
    cautions: tuple[str, ...]
    progressions: tuple[str, ...]
    regressions: tuple[str, ...]
    alternatives: tuple[str, ...]
    figure: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    order: int = 0

    @property
    def level_rank(self) -> int:
        """0 for beginner, 1 intermediate, 2 advanced."""
        return LEVELS.index(self.level)

    def relevance(self, target: str) -> int:
        """How directly this exercise addresses ``target`` (0 = not at all, 3 = directly)."""
        return int(self.targets.get(target, 0))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (as in the library file)."""
        dose = {"sets": list(self.dose.sets), "rest_s": self.dose.rest_s}
        dose[self.dose.kind] = list(self.dose.amount)
        if self.dose.per:
            dose["per"] = self.dose.per
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "level": self.level,
            "targets": dict(self.targets),
            "purpose": self.purpose,
            "instructions": list(self.instructions),
            "cues": list(self.cues),
            "mistakes": list(self.mistakes),
            "dose": dose,
            "equipment": list(self.equipment),
            "loads": list(self.loads),
            "cautions": list(self.cautions),
            "progressions": list(self.progressions),
            "regressions": list(self.regressions),
            "alternatives": list(self.alternatives),
        }


class Library(Mapping[str, Exercise]):
    """Exercises by id, in file order, with their variant groups.

    A *group* is a set of exercises linked by progressions, regressions or
    alternatives: variants of one movement, of which a plan uses one at a time.
    """

    def __init__(self, exercises: list[Exercise]) -> None:
        self._by_id = {ex.id: ex for ex in exercises}
        self._group = _variant_groups(exercises)

    def __getitem__(self, key: str) -> Exercise:
        return self._by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def group(self, exercise_id: str) -> str:
        """The id naming the variant group of ``exercise_id`` (its first member in file order)."""
        return self._group[exercise_id]


def _variant_groups(exercises: list[Exercise]) -> dict[str, str]:
    parent = {ex.id: ex.id for ex in exercises}
    order = {ex.id: ex.order for ex in exercises}

    def find(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for ex in exercises:
        for other in (*ex.progressions, *ex.regressions, *ex.alternatives):
            a, b = find(ex.id), find(other)
            if a != b:
                first, second = sorted((a, b), key=order.__getitem__)
                parent[second] = first
    return {ex.id: find(ex.id) for ex in exercises}


def library_schema() -> dict[str, Any]:
    """The JSON Schema of the library file, as a dict."""
    text = resources.files(__package__).joinpath(_DATA, _SCHEMA_FILE).read_text("utf-8")
    return yaml.safe_load(text)


def validate_library_data(data: Any) -> None:
    """Check a parsed library against the schema and its cross-references.

    Raises
    ------
    InputError
        With one sentence naming the first problem found.
    """
    validator = jsonschema.Draft202012Validator(library_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "top level"
        raise InputError(f"The exercise library is invalid at {where}: {err.message}.")
    ids = [ex["id"] for ex in data["exercises"]]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError(f"The exercise library repeats the id(s) {', '.join(duplicates)}.")
    known = set(ids)
    for ex in data["exercises"]:
        for link in ("progressions", "regressions", "alternatives"):
            for other in ex[link]:
                if other not in known or other == ex["id"]:
                    raise InputError(
                        f"Exercise {ex['id']!r} lists {other!r} in {link}, "
                        "which is not another exercise of the library."
                    )
        for key in ("sets", "reps", "distance_m", "hold_s", "duration_s"):
            pair = ex["dose"].get(key)
            if pair is not None and pair[0] > pair[1]:
                raise InputError(
                    f"Exercise {ex['id']!r} has a {key} range {pair} whose low end is above "
                    "its high end."
                )


def _exercise_from_dict(raw: Mapping[str, Any], order: int) -> Exercise:
    dose_raw = raw["dose"]
    dose = DoseSpec(
        sets=tuple(dose_raw["sets"]),
        rest_s=int(dose_raw["rest_s"]),
        reps=tuple(dose_raw["reps"]) if "reps" in dose_raw else None,
        distance_m=tuple(dose_raw["distance_m"]) if "distance_m" in dose_raw else None,
        hold_s=tuple(dose_raw["hold_s"]) if "hold_s" in dose_raw else None,
        duration_s=tuple(dose_raw["duration_s"]) if "duration_s" in dose_raw else None,
        per=dose_raw.get("per"),
        seconds_per_unit=float(dose_raw.get("seconds_per_unit", 1.0)),
    )
    return Exercise(
        id=raw["id"],
        name=raw["name"],
        category=raw["category"],
        level=raw["level"],
        targets=dict(raw["targets"]),
        purpose=raw["purpose"],
        instructions=tuple(raw["instructions"]),
        cues=tuple(raw["cues"]),
        mistakes=tuple(raw["mistakes"]),
        dose=dose,
        equipment=tuple(raw["equipment"]),
        loads=tuple(raw["loads"]),
        cautions=tuple(raw["cautions"]),
        progressions=tuple(raw["progressions"]),
        regressions=tuple(raw["regressions"]),
        alternatives=tuple(raw["alternatives"]),
        figure=raw["figure"],
        order=order,
    )


def read_library_data(path: str | Path | None = None) -> Any:
    """The parsed (not yet validated) library: the packaged one, or the YAML file at ``path``."""
    if path is None:
        text = resources.files(__package__).joinpath(_DATA, _LIBRARY_FILE).read_text("utf-8")
        return yaml.safe_load(text)
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(f"The exercise library {path} does not exist; check the path.") from None
    except yaml.YAMLError as exc:
        raise InputError(f"The exercise library {path} is not valid YAML ({exc}).") from None


def load_library(path: str | Path | None = None) -> Library:
    """Load and validate an exercise library (the packaged one by default).

    Parameters
    ----------
    path
        A YAML file in the ``runform.exercises/1`` format; ``None`` for the packaged library.

    Raises
    ------
    InputError
        When the file is missing, not YAML, or does not follow the schema.
    """
    if path is None:
        return _packaged_library()
    data = read_library_data(path)
    validate_library_data(data)
    return Library([_exercise_from_dict(raw, i) for i, raw in enumerate(data["exercises"])])


@lru_cache(maxsize=1)
def _packaged_library() -> Library:
    data = read_library_data(None)
    validate_library_data(data)
    return Library([_exercise_from_dict(raw, i) for i, raw in enumerate(data["exercises"])])
