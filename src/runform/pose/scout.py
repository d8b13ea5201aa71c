"""Pass 1 of the pose estimate: find the runner.

Decode from the start and search for people (every ~0.5 s of video) until someone is found;
with several people, follow each for about half a second and choose the runner
(:func:`runform.pose.runner.choose_runner`). Usually this costs two model calls. Footage too
dark to find anyone says so. Pass 2, following the runner, is
:func:`runform.pose.follow.follow_runner`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from runform.errors import AnalysisError
from runform.pose.backends import PoseBackend
from runform.pose.runner import (
    Candidate,
    Person,
    choose_runner,
    crop,
    describe_position,
    find_people,
    person_from,
    window_for,
)
from runform.pose.video import FILMING_HOW, FILMING_TIP, Frame
from runform.progress import ProgressLike, ensure_progress

#: Seconds of video between searches for the runner while nobody is followed.
SEARCH_INTERVAL_S = 0.5
#: Real seconds between samples while comparing several people.
COMPARE_INTERVAL_S = 1 / 15
#: Samples per person when choosing the runner among several.
COMPARE_SAMPLES = 8
#: Mean brightness (0–255) below which footage is too dark when nobody can be found.
DARK_BRIGHTNESS = 40.0
#: Mean brightness below which the search gives up early (after a few tries).
VERY_DARK_BRIGHTNESS = 12.0


def brightness(image: np.ndarray) -> float:
    """Mean pixel value (0–255) of a picture, from a sparse grid of pixels."""
    return float(image[::8, ::8].mean())


@dataclass
class RunnerChoice:
    """The person chosen as the runner, when and among how many."""

    person: Person
    frame_index: int
    n_people: int
    position: str
    brightness: float
    frames_searched: int


def scout_runner(
    frames: Iterable[Frame],
    backend: PoseBackend,
    *,
    search_every: int,
    compare_every: int,
    n_compare: int = COMPARE_SAMPLES,
    expected_frames: int | None = None,
    report: ProgressLike = None,
) -> RunnerChoice:
    """Pass 1: find the first frame with people in it and choose the runner among them.

    Raises
    ------
    AnalysisError
        Nobody is found in the whole video (the message blames darkness when the footage
        is dark), or two people are running and neither stands out.
    """
    report = ensure_progress(report)
    report("find runner", 0.0, "searching")
    levels: list[float] = []
    candidates: list[Candidate] | None = None
    start = 0
    searched = 0
    width = 0
    for frame in frames:
        image = frame.image
        width = image.shape[1]
        if candidates is None:
            if frame.index % search_every:
                continue
            searched += 1
            levels.append(brightness(image))
            people = find_people(image, backend)
            if expected_frames:
                report(
                    "find runner",
                    min(frame.index / expected_frames, 1.0),
                    f"searching frame {frame.index + 1}",
                )
            if not people:
                if searched >= 3 and float(np.median(levels)) < VERY_DARK_BRIGHTNESS:
                    raise too_dark(float(np.median(levels)))
                continue
            if len(people) == 1:
                report("find runner", 1.0, "runner found")
                return RunnerChoice(
                    people[0],
                    frame.index,
                    1,
                    describe_position(people[0].box, width),
                    float(np.median(levels)),
                    searched,
                )
            candidates = [Candidate([p]) for p in people]
            start = frame.index
            continue
        if (frame.index - start) % compare_every:
            continue
        for candidate in candidates:
            sample = detect_near(image, backend, candidate.last)
            if sample is not None:
                candidate.samples.append(sample)
        if max(len(c.samples) for c in candidates) >= n_compare:
            break
    if candidates is None:
        level = float(np.median(levels)) if levels else math.nan
        if math.isfinite(level) and level < DARK_BRIGHTNESS:
            raise too_dark(level)
        raise AnalysisError(
            f"No runner was found in the video (searched {searched} frames); make sure the "
            f"runner is in view and not too small, and {FILMING_TIP}."
        )
    chosen = choose_runner(candidates, width)
    report("find runner", 1.0, f"runner chosen among {len(candidates)} people")
    person = candidates[chosen].samples[0]
    return RunnerChoice(
        person,
        start,
        len(candidates),
        describe_position(person.box, width),
        float(np.median(levels)),
        searched,
    )


def detect_near(image: np.ndarray, backend: PoseBackend, last: Person) -> Person | None:
    h, w = image.shape[:2]
    window = window_for(last.box, w, h)
    person = person_from(backend.detect(crop(image, window)), window)
    if person is None or person.box.iou(last.box) < 0.3:
        return None  # nobody, or the model jumped to someone else in the window
    return person


def too_dark(level: float) -> AnalysisError:
    return AnalysisError(
        f"The video is too dark to find the runner (average brightness {level:.0f} of 255); "
        f"film in daylight or a well-lit room, {FILMING_HOW}."
    )
