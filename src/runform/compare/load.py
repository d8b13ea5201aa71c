"""Reading BEFORE and AFTER: an analysis folder (written by ``runform analyze``) or its
``analysis.json``, with one clear sentence for every way that can fail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from runform.errors import InputError

ANALYSIS_NAME = "analysis.json"
ANNOTATED_NAME = "annotated.mp4"
_HINT = "give the analysis folder written by `runform analyze` or its analysis.json"


@dataclass(frozen=True)
class Session:
    """One analysis to compare: the document, the file it came from and its folder (where
    the annotated video and the key-frame stills are looked for)."""

    doc: dict
    path: Path
    folder: Path

    @property
    def annotated(self) -> Path | None:
        """The session's ``annotated.mp4``, when the folder has one."""
        video = self.folder / ANNOTATED_NAME
        return video if video.is_file() else None


def load_session(path: str | Path, which: str = "") -> Session:
    """Read an analysis folder or ``analysis.json`` and check it is a runform analysis.

    Raises
    ------
    InputError
        Missing, unreadable, not JSON, not a ``runform.analysis/1`` document, or not valid
        against its schema; the message names the file and says what to do.
    """
    from runform.report import validate_analysis

    label = f"{which} " if which else ""
    path = Path(path)
    if path.is_dir():
        folder, file = path, path / ANALYSIS_NAME
        if not file.is_file():
            raise InputError(f"The {label}folder {path} has no {ANALYSIS_NAME}; {_HINT}.")
    else:
        folder, file = path.parent, path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"The {label}analysis {file} does not exist; {_HINT}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"The {label}analysis {file} is not a JSON file; {_HINT}.") from None
    except OSError as exc:
        raise InputError(
            f"The {label}analysis {file} cannot be read ({exc.strerror}); check the path and "
            "its permissions."
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"The {label}analysis {file} is not a JSON object; {_HINT}.")
    try:
        doc = validate_analysis(data)
    except InputError as exc:
        text = str(exc)
        raise InputError(f"The {label}analysis {file}: {text[:1].lower()}{text[1:]}") from None
    return Session(doc, file, folder)
