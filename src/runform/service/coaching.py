"""Coaches and their runners: invitation links, the roster, comments pinned to a moment of
a video.

A coach invites a runner with a link (an unguessable token; only its SHA-256 is stored);
the link becomes active when a runner accepts it, and either side can end it. Only an
active link lets a coach see a runner's analyses, videos and course, and change the
course; a runner never sees another runner, and a coach never sees a runner who has not
accepted (or after the link ended).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from runform.errors import OptionError
from runform.service.accounts import INVITE_VALID as ACCOUNTS_INVITE_VALID
from runform.service.models import (
    AnalysisRecord,
    CoachLink,
    User,
    VideoComment,
    utcnow,
)

INVITED, ACTIVE, ENDED = "invited", "active", "ended"
#: Longest comment (characters); a longer one is refused, not cut.
MAX_COMMENT = 1000
#: Comments one person may write on one analysis within an hour (a coach going through a
#: video writes a dozen; a script writing hundreds is refused).
COMMENTS_PER_HOUR = 30
#: Comments one analysis may hold, from everyone.
MAX_COMMENTS = 300
#: Invitations nobody has accepted yet that one coach may have open at once.
MAX_OPEN_INVITES = 20
#: An invitation nobody accepted lapses after this long (and is then pruned).
INVITE_VALID = ACCOUNTS_INVITE_VALID


class CoachingError(OptionError):
    """A coaching action that cannot be done as asked (one sentence); ``status`` is the
    HTTP status to answer with (400, or 409/429 for a limit)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(service, coach: User) -> tuple[CoachLink, str]:
    """A new invitation by ``coach``; returns the link row and its secret token."""
    if coach.role not in ("coach", "admin"):
        raise CoachingError("Only a coach account can invite runners.")
    token = secrets.token_urlsafe(24)
    with service.db.session() as s:
        if len(open_invitations(service, coach, s)) >= MAX_OPEN_INVITES:
            raise CoachingError(
                f"You have {MAX_OPEN_INVITES} invitations nobody has accepted yet, the most at "
                f"once; withdraw one you no longer need below (each also lapses "
                f"{INVITE_VALID.days} days after it was made), then invite again.",
                status=409,
            )
        link = CoachLink(coach_id=coach.id, invite_hash=_hash(token), state=INVITED)
        s.add(link)
    return link, token


def open_invitations(service, coach: User, session=None) -> list[CoachLink]:
    """The coach's invitations nobody has accepted yet and not lapsed, newest first."""
    query = (
        select(CoachLink)
        .where(
            CoachLink.coach_id == coach.id,
            CoachLink.state == INVITED,
            CoachLink.created_at > utcnow() - INVITE_VALID,
        )
        .order_by(CoachLink.created_at.desc())
    )
    if session is not None:
        return list(session.scalars(query))
    with service.db.session() as s:
        return list(s.scalars(query))


def invitation(service, token: str) -> CoachLink | None:
    """The open invitation with this token, or ``None`` (none, accepted, withdrawn, or
    older than :data:`INVITE_VALID`)."""
    if not token or len(token) > 200:
        return None
    with service.db.session() as s:
        return s.scalars(
            select(CoachLink).where(
                CoachLink.invite_hash == _hash(token),
                CoachLink.state == INVITED,
                CoachLink.created_at > utcnow() - INVITE_VALID,
            )
        ).first()


def accept(service, runner: User, token: str) -> CoachLink:
    """The runner accepts the invitation: the link becomes active (the token is spent)."""
    link = invitation(service, token)
    if link is None:
        raise CoachingError("This invitation is not valid any more; ask your coach for a new link.")
    if link.coach_id == runner.id:
        raise CoachingError("This is your own invitation; send the link to your runner.")
    with service.db.session() as s:
        row = s.get(CoachLink, link.id)
        existing = s.scalars(
            select(CoachLink).where(
                CoachLink.coach_id == row.coach_id,
                CoachLink.runner_id == runner.id,
                CoachLink.state == ACTIVE,
            )
        ).first()
        if existing is not None:
            s.delete(row)
            return existing
        row.runner_id, row.state, row.invite_hash = runner.id, ACTIVE, None
        row.accepted_at = utcnow()
    return row


def end(service, user: User, link_id) -> bool:
    """End a link (its coach or its runner); ``False`` when ``user`` is neither."""
    with service.db.session() as s:
        try:
            link = s.get(CoachLink, uuid.UUID(str(link_id)))
        except ValueError:
            return False
        if link is None or user.id not in (link.coach_id, link.runner_id):
            return False
        link.state, link.ended_at, link.invite_hash = ENDED, utcnow(), None
    return True


def coaches(service, runner_id: uuid.UUID) -> list[tuple[CoachLink, User]]:
    with service.db.session() as s:
        rows = s.execute(
            select(CoachLink, User)
            .join(User, User.id == CoachLink.coach_id)
            .where(CoachLink.runner_id == runner_id, CoachLink.state == ACTIVE)
        ).all()
        return [(link, user) for link, user in rows]


def runners(service, coach_id: uuid.UUID) -> list[tuple[CoachLink, User]]:
    with service.db.session() as s:
        rows = s.execute(
            select(CoachLink, User)
            .join(User, User.id == CoachLink.runner_id)
            .where(CoachLink.coach_id == coach_id, CoachLink.state == ACTIVE)
            .order_by(User.email)
        ).all()
        return [(link, user) for link, user in rows]


def coaches_runner(service, coach: User | None, runner_id) -> bool:
    """Whether ``coach`` has an active link with the runner ``runner_id``."""
    if coach is None or coach.role not in ("coach", "admin"):
        return False
    try:
        ident = uuid.UUID(str(runner_id))
    except ValueError:
        return False
    with service.db.session() as s:
        return (
            s.scalars(
                select(CoachLink.id).where(
                    CoachLink.coach_id == coach.id,
                    CoachLink.runner_id == ident,
                    CoachLink.state == ACTIVE,
                )
            ).first()
            is not None
        )


# ---------------------------------------------------------------------------- roster
@dataclass
class RosterRow:
    link: CoachLink
    runner: User
    last_analysis: AnalysisRecord | None
    top_findings: list[str]
    adherence: dict | None
    retest_due: str | None


def roster(service, coach: User, today: date | None = None) -> list[RosterRow]:
    """Each runner the coach follows: last analysis, its top findings, course adherence and
    when the re-test is due (the last session of week 6)."""
    from runform.service import course as courses

    today = today or date.today()
    rows = []
    for link, runner in runners(service, coach.id):
        with service.db.session() as s:
            last = s.scalars(
                select(AnalysisRecord)
                .where(AnalysisRecord.owner_id == runner.id)
                .order_by(AnalysisRecord.created_at.desc())
            ).first()
        top: list[str] = []
        if last is not None:
            doc = courses.analysis_document(service.storage, last)
            top = [f.get("title", f.get("id", "")) for f in (doc or {}).get("findings", [])[:3]]
        adherence = retest = None
        course = courses.active_course(service, runner.id)
        if course is not None:
            built = courses.build_course_plan(service, course)
            if built is not None:
                logs = courses.session_logs(service, course.id)
                adherence = courses.adherence(built.plan, logs, today)
                retest = next(
                    (s["date"] for s in courses.sessions_of(built.plan) if s["kind"] == "retest"),
                    None,
                )
        rows.append(RosterRow(link, runner, last, top, adherence, retest))
    return rows


# ---------------------------------------------------------------------------- comments
def add_comment(
    service, author: User, record: AnalysisRecord, at_s: str, text: str
) -> VideoComment:
    try:
        moment = float(str(at_s).replace(",", "."))
    except ValueError:
        raise CoachingError("The moment of the video must be a number of seconds.") from None
    if not (0.0 <= moment <= 24 * 3600):
        raise CoachingError("The moment of the video must be within the video.")
    words = (text or "").strip()
    if not words:
        raise CoachingError("Write the comment first.")
    if len(words) > MAX_COMMENT:
        raise CoachingError(
            f"A comment holds at most {MAX_COMMENT} characters and this one has {len(words)}; "
            "shorten it, or split it into two moments."
        )
    with service.db.session() as s:
        on_this = (
            select(func.count())
            .select_from(VideoComment)
            .where(VideoComment.analysis_id == record.id)
        )
        if s.scalar(on_this) >= MAX_COMMENTS:
            raise CoachingError(
                f"This analysis has {MAX_COMMENTS} comments, the most it holds; delete some "
                "that are no longer needed before adding more.",
                status=409,
            )
        recent = on_this.where(
            VideoComment.author_id == author.id,
            VideoComment.created_at > utcnow() - timedelta(hours=1),
        )
        if s.scalar(recent) >= COMMENTS_PER_HOUR:
            raise CoachingError(
                f"You have written {COMMENTS_PER_HOUR} comments on this analysis in the last "
                "hour, the most in an hour; wait a while before adding more.",
                status=429,
            )
        row = VideoComment(
            analysis_id=record.id,
            author_id=author.id,
            at_s=round(moment, 2),
            text=words,
            created_at=utcnow(),
        )
        s.add(row)
    return row


def may_delete_comment(user: User | None, record: AnalysisRecord, author_id) -> bool:
    """Whether ``user`` may delete a comment by ``author_id`` on ``record``: its author
    (a coach takes back what they wrote), or the analysis's owner (the runner decides what
    stays on their own video, also after a coach has gone) and an admin, who may change
    any analysis. A coach may not delete the runner's comments, nor another coach's."""
    if user is None:
        return False
    return user.id in (author_id, record.owner_id) or user.role == "admin"


#: What :func:`delete_comment` did.
DELETED, NOT_YOURS, NO_COMMENT = "deleted", "not yours", "no such comment"


def delete_comment(service, user: User, record: AnalysisRecord, comment_id) -> str:
    """Delete one comment on ``record`` (which ``user`` may look at: the caller checks).
    Returns :data:`DELETED`, :data:`NOT_YOURS` (the comment is there, but neither its
    author nor the owner asks) or :data:`NO_COMMENT` (no such comment on this analysis)."""
    try:
        ident = uuid.UUID(str(comment_id))
    except ValueError:
        return NO_COMMENT
    with service.db.session() as s:
        row = s.get(VideoComment, ident)
        if row is None or row.analysis_id != record.id:
            return NO_COMMENT
        if not may_delete_comment(user, record, row.author_id):
            return NOT_YOURS
        s.delete(row)
    return DELETED


def comments(service, record: AnalysisRecord, viewer: User | None = None) -> list[dict]:
    """The comments on ``record`` by moment; ``deletable`` says whether ``viewer`` may
    delete each (:func:`may_delete_comment`)."""
    with service.db.session() as s:
        rows = s.execute(
            select(VideoComment, User.email)
            .join(User, User.id == VideoComment.author_id)
            .where(VideoComment.analysis_id == record.id)
            .order_by(VideoComment.at_s, VideoComment.created_at)
        ).all()
    return [
        {
            "id": str(c.id),
            "at_s": c.at_s,
            "text": c.text,
            "author": email,
            "mine": c.author_id == record.owner_id,
            "deletable": may_delete_comment(viewer, record, c.author_id),
            "created": c.created_at.isoformat(timespec="seconds"),
        }
        for c, email in rows
    ]


def invite_expired(link: CoachLink, days: int = INVITE_VALID.days) -> bool:
    return link.state == INVITED and utcnow() - link.created_at > timedelta(days=days)


__all__ = [
    "ACTIVE",
    "DELETED",
    "ENDED",
    "INVITED",
    "NOT_YOURS",
    "NO_COMMENT",
    "CoachingError",
    "RosterRow",
    "accept",
    "add_comment",
    "coaches",
    "coaches_runner",
    "comments",
    "delete_comment",
    "end",
    "invitation",
    "invite",
    "may_delete_comment",
    "open_invitations",
    "roster",
    "runners",
]
