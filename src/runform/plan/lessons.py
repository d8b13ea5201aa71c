"""The course: short Markdown lessons released one per week with the plan.

Each lesson is a Markdown file in ``lessons/`` with a small YAML front matter::

    ---
    id: drive_phase
    title: "The drive phase: ..."
    week: 2
    relates_to: [weak_drive, forced_extension]
    ---
    Body in Markdown ...

Example
-------
>>> [lesson.week for lesson in load_lessons()]
[1, 2, 3, 4, 5, 6]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from markdown_it import MarkdownIt

_FRONT_MATTER = "---"


@dataclass(frozen=True)
class Lesson:
    """One lesson: where it sits in the plan and its Markdown text."""

    id: str
    title: str
    week: int
    relates_to: tuple[str, ...]
    markdown: str

    @property
    def html(self) -> str:
        """The body rendered to HTML (raw HTML in the source is not passed through)."""
        return render_markdown(self.markdown)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "week": self.week,
            "relates_to": list(self.relates_to),
            "markdown": self.markdown,
        }


def render_markdown(text: str) -> str:
    """Markdown (CommonMark) to HTML, with raw HTML in the source escaped."""
    return MarkdownIt("commonmark", {"html": False}).render(text)


def parse_lesson(text: str) -> Lesson:
    """Parse one lesson file (front matter + Markdown body)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != _FRONT_MATTER:
        raise ValueError("a lesson starts with a '---' front matter block")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == _FRONT_MATTER)
    meta = yaml.safe_load("\n".join(lines[1:end]))
    body = "\n".join(lines[end + 1 :]).strip() + "\n"
    return Lesson(
        id=str(meta["id"]),
        title=str(meta["title"]),
        week=int(meta["week"]),
        relates_to=tuple(meta.get("relates_to") or ()),
        markdown=body,
    )


@lru_cache(maxsize=1)
def load_lessons() -> tuple[Lesson, ...]:
    """The packaged lessons, ordered by week then id."""
    folder = resources.files(__package__).joinpath("lessons")
    lessons = [
        parse_lesson(entry.read_text("utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".md")
    ]
    return tuple(sorted(lessons, key=lambda lesson: (lesson.week, lesson.id)))


def lessons_for_week(week: int) -> tuple[Lesson, ...]:
    """The lessons released in ``week``."""
    return tuple(lesson for lesson in load_lessons() if lesson.week == week)
