"""A runner's data: everything as one zip (videos, analyses, courses, comments), and the
whole account deleted (rows and every stored file)."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from runform.service.jobs import analysis_prefix
from runform.service.models import (
    AnalysisRecord,
    Course,
    ExportLease,
    SessionLog,
    User,
    VideoComment,
    WebSession,
    utcnow,
)

#: An export's lease older than this is stale (its process died before it ended it) and
#: is taken over; a real export of a large account, built and downloaded, fits in it.
EXPORT_LEASE = timedelta(minutes=30)
EXPORT_BUSY = (
    "An export of your account is already being prepared or downloaded; wait for it to "
    "finish, then try again."
)


def begin_export(service, user: User) -> bool:
    """Take the user's export lease: ``False`` when another export of the account is
    running (in any web process: the lease is a row keyed by the user), unless that one's
    lease is older than :data:`EXPORT_LEASE`, which is then taken over."""
    now = utcnow()
    try:
        with service.db.session() as s:
            s.add(ExportLease(user_id=user.id, started_at=now))
        return True
    except IntegrityError:
        pass
    with service.db.session() as s:
        taken = s.execute(
            update(ExportLease)
            .where(ExportLease.user_id == user.id, ExportLease.started_at < now - EXPORT_LEASE)
            .values(started_at=now)
        ).rowcount
    return bool(taken)


def end_export(service, user: User) -> None:
    """Give the export lease back (the zip has been sent, or building it failed)."""
    with service.db.session() as s:
        s.execute(delete(ExportLease).where(ExportLease.user_id == user.id))


def export_zip(service, user: User) -> Path:
    """Write the user's data to a zip in a temporary file (the caller removes it): each
    stored file is copied in by streaming, never whole in memory."""
    from runform.service import course as courses

    handle, name = tempfile.mkstemp(prefix="runform-export-", suffix=".zip")
    os.close(handle)
    path = Path(name)
    with service.db.session() as s:
        records = s.scalars(select(AnalysisRecord).where(AnalysisRecord.owner_id == user.id)).all()
        course_rows = s.scalars(select(Course).where(Course.owner_id == user.id)).all()
        logs = s.scalars(
            select(SessionLog).where(SessionLog.course_id.in_([c.id for c in course_rows]))
        ).all()
        notes = s.scalars(
            select(VideoComment).where(VideoComment.analysis_id.in_([r.id for r in records]))
        ).all()
    account = {
        "email": user.email,
        "role": user.role,
        "created": user.created_at.isoformat(timespec="seconds"),
        "analyses": [
            {"id": str(r.id), "video": r.video_name, "options": r.options,
             "created": r.created_at.isoformat(timespec="seconds")}
            for r in records
        ],
        "courses": [
            {"id": str(c.id), "analysis": str(c.analysis_id), "profile": c.profile,
             "active": c.active,
             "sessions_done": [
                 {"week": g.week, "number": g.number, "title": g.title, "date": g.planned_date,
                  "effort": g.effort, "note": g.note, "done": g.done_at.isoformat(timespec="seconds")}
                 for g in logs if g.course_id == c.id
             ]}
            for c in course_rows
        ],
        "comments": [
            {"analysis": str(n.analysis_id), "at_s": n.at_s, "text": n.text,
             "created": n.created_at.isoformat(timespec="seconds")}
            for n in notes
        ],
    }  # fmt: skip
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("account.json", json.dumps(account, indent=1, ensure_ascii=False))
        for record in records:
            prefix = analysis_prefix(record.id)
            for key in service.storage.list(prefix):
                with (
                    service.storage.local_file(key) as local,
                    archive.open(
                        f"analyses/{record.id}/{key[len(prefix) + 1 :]}", "w", force_zip64=True
                    ) as target,
                    open(local, "rb") as source,
                ):
                    while chunk := source.read(1 << 20):
                        target.write(chunk)
        for c in course_rows:
            built = courses.build_course_plan(service, c)
            if built is not None:
                archive.writestr(f"courses/{c.id}/plan.json", json.dumps(built.plan, indent=1))
                archive.writestr(f"courses/{c.id}/plan.ics", built.ics)
    return path


def delete_account(service, user: User) -> int:
    """Delete the user, every analysis's stored files, and every row (courses, logs,
    comments, links and sessions go with the user). Returns the number of analyses."""
    with service.db.session() as s:
        ids = list(s.scalars(select(AnalysisRecord.id).where(AnalysisRecord.owner_id == user.id)))
    for ident in ids:
        service.storage.delete_prefix(analysis_prefix(ident))
    with service.db.session() as s:
        for ident in ids:
            record = s.get(AnalysisRecord, ident)
            if record is not None:
                service_delete_rows(s, record)
        s.execute(delete(WebSession).where(WebSession.user_id == user.id))
        row = s.get(User, user.id)
        if row is not None:
            s.delete(row)
    return len(ids)


def service_delete_rows(s, record: AnalysisRecord) -> None:
    from runform.service.models import Job

    s.execute(delete(Job).where(Job.analysis_id == record.id))
    s.execute(delete(VideoComment).where(VideoComment.analysis_id == record.id))
    s.execute(delete(Course).where(Course.analysis_id == record.id))
    s.delete(record)


__all__ = ["delete_account", "export_zip"]
