"""The exercise library: schema, the five seed hip-extension exercises, coverage."""

from __future__ import annotations

from importlib import resources

import jsonschema
import pytest
import yaml

from runform.errors import InputError
from runform.plan.library import (
    BODY_PARTS,
    CATEGORIES,
    EQUIPMENT,
    FINDING_IDS,
    LEVELS,
    library_schema,
    load_library,
    read_library_data,
)


@pytest.fixture(scope="module")
def raw_library() -> dict:
    text = resources.files("runform.plan").joinpath("data", "exercises.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@pytest.fixture(scope="module")
def lib():
    return load_library()


def test_library_file_validates_against_its_json_schema(raw_library):
    schema = library_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(raw_library)
    assert 30 <= len(raw_library["exercises"]) <= 40


def test_schema_rejects_broken_entries(raw_library):
    validator = jsonschema.Draft202012Validator(library_schema())
    entry = dict(raw_library["exercises"][0])
    bad_target = {**entry, "targets": {"faster_legs": 3}}
    two_amounts = {**entry, "dose": {**entry["dose"], "hold_s": [10, 20]}}
    missing_cues = {k: v for k, v in entry.items() if k != "cues"}
    for bad in (bad_target, two_amounts, missing_cues):
        assert not validator.is_valid({"schema": "runform.exercises/1", "exercises": [bad] * 30})


def test_schema_vocabularies_match_the_code():
    defs = library_schema()["$defs"]
    assert set(defs["target"]["enum"]) == {*FINDING_IDS, "maintenance"}
    assert tuple(defs["equipment"]["enum"]) == EQUIPMENT
    assert tuple(defs["body_part"]["enum"]) == BODY_PARTS
    assert tuple(defs["level"]["enum"]) == LEVELS
    assert set(defs["exercise"]["properties"]["category"]["enum"]) == set(CATEGORIES)


def test_five_hip_extension_exercises_with_their_doses(lib):
    drive = lib["resisted_drive_back"]
    assert drive.dose.reps == (20, 25) and drive.dose.per == "leg"
    assert set(drive.equipment) == {"band", "cable"}
    assert "glutes and hamstrings" in " ".join(drive.instructions)

    bridge = lib["single_leg_glute_bridge"]
    assert bridge.dose.reps == (15, 20) and bridge.dose.per == "leg"
    harder = lib[bridge.progressions[0]]
    assert harder.equipment == ("stability_ball",)
    assert harder.dose.reps == (15, 20) and harder.dose.per == "leg"

    donkey = lib["donkey_kick_band"]
    assert donkey.dose.reps == (15, 20) and donkey.dose.per == "leg"
    assert "knee" in " ".join(donkey.instructions) and "foot" in " ".join(donkey.instructions)
    assert "band" in donkey.equipment

    bounds = lib["straight_leg_bounds"]
    assert bounds.dose.distance_m == (50, 100)
    assert "from the hips" in " ".join(bounds.instructions + bounds.cues)

    stretch = lib["hip_flexor_stretch_table"]
    assert stretch.dose.reps == (8, 10) and stretch.dose.per == "side"
    text = " ".join(stretch.instructions)
    assert "table or bed" in text and "chest" in text and "hang" in text

    for ex in (drive, bridge, donkey, bounds, stretch):
        assert ex.relevance("limited_extension") == 3


def test_every_finding_is_served_including_without_equipment(lib):
    for fid in FINDING_IDS:
        serving = [ex for ex in lib.values() if ex.relevance(fid) > 0]
        assert len(serving) >= 2, fid
        assert any(not ex.equipment for ex in serving), f"{fid} has no home exercise"
    maintenance = {ex.category for ex in lib.values() if ex.relevance("maintenance")}
    assert maintenance == set(CATEGORIES)


def test_required_kinds_of_exercise_are_present(lib):
    assert {"metronome_run", "quick_feet", "a_skip", "a_march", "heel_flicks"} <= set(lib)
    core = [ex for ex in lib.values() if ex.category == "core"]
    assert len(core) >= 3
    glute_ham = [ex for ex in lib.values() if ex.category == "strength" and "hamstring" in ex.loads]
    assert {ex.level for ex in glute_ham} == set(LEVELS)
    assert any(ex.category == "stretch" and "calf" in ex.loads for ex in lib.values())
    # every equipment-bound hip-extension exercise has a home fallback
    for ex_id in ("resisted_drive_back", "hip_flexor_stretch_table", "donkey_kick_band"):
        fallbacks = [lib[i] for i in (*lib[ex_id].regressions, *lib[ex_id].alternatives)]
        assert any(not f.equipment for f in fallbacks), ex_id


def test_texts_are_whole_sentences(lib):
    for ex in lib.values():
        for text in (*ex.instructions, *ex.cues, *ex.mistakes, *ex.cautions):
            assert text[0].isupper() and text.endswith("."), (ex.id, text)
        assert ex.name[0].isupper() and not ex.purpose.endswith("..")


def test_links_are_consistent_and_grouped(lib):
    for ex in lib.values():
        for other in ex.progressions:
            assert lib[other].level_rank >= ex.level_rank
            assert ex.id in lib[other].regressions
        for other in (*ex.progressions, *ex.regressions, *ex.alternatives):
            assert lib.group(other) == lib.group(ex.id)
    assert lib.group("single_leg_glute_bridge_ball") == lib.group("glute_bridge")
    assert lib.group("straight_leg_bounds") != lib.group("a_skip")


def test_content_follows_the_biomechanics_notes(lib):
    text = " ".join(
        " ".join([ex.purpose, *ex.instructions, *ex.cues, *ex.mistakes, *ex.cautions])
        for ex in lib.values()
    ).lower()
    assert "7 %" not in text and "7%" not in text
    assert "main source of power" not in text
    assert "force the leg back" not in text
    assert "not because you pull it back" in " ".join(lib["straight_leg_bounds"].cues)


def test_invalid_library_file_gives_one_sentence(tmp_path):
    data = read_library_data(None)
    data["exercises"][0]["progressions"] = ["no_such_exercise"]
    path = tmp_path / "lib.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError, match="no_such_exercise"):
        load_library(path)
    data = read_library_data(None)
    data["exercises"][1]["dose"]["sets"] = [3, 2]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError, match="low end is above"):
        load_library(path)
    with pytest.raises(InputError, match="does not exist"):
        load_library(tmp_path / "missing.yaml")
