"""The re-test comparison: before against after, as a page and as JSON."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from runform.compare.content import still_title, table_row
from runform.service.retest import COMPARE_FOLDER, comparison
from runform.web import security
from runform.web.pages import need_login, not_found, render

router = APIRouter()


@router.get(
    "/analyses/{analysis_id}/comparison", response_class=HTMLResponse, include_in_schema=False
)
def comparison_page(request: Request, analysis_id: str):
    service = request.app.state.service
    user = security.current_user(request)
    if user is None:
        return need_login(request)
    record = service.analysis_visible_to(user, analysis_id)
    if record is None:
        return not_found(request)
    doc = comparison(service.storage, record)
    if doc is None:
        return render(
            request, "message.html", status=404, title="No comparison",
            message="This analysis is not a re-test, or its comparison is not ready yet; "
            "upload a re-test from the result page of your first analysis.",
        )  # fmt: skip
    before = service.analysis_visible_to(user, record.options.get("retest_of"))
    rows = [table_row(r) for r in doc.get("metrics") or [] if r.get("after") and r.get("before")]
    outputs = doc.get("outputs") or {}
    stills = [(name, still_title(name)) for name in outputs.get("stills") or []]
    return render(
        request, "comparison.html", record=record, before=before, doc=doc, rows=rows,
        folder=COMPARE_FOLDER, video=outputs.get("video"), stills=stills,
    )  # fmt: skip


@router.get("/api/v1/analyses/{analysis_id}/comparison")
def comparison_json(request: Request, analysis_id: str):
    service = request.app.state.service
    user = security.bearer_user(request)
    if user is None:
        return JSONResponse(
            {"error": security.bearer_refusal(request)},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    record = service.analysis_visible_to(user, analysis_id)
    doc = comparison(service.storage, record) if record else None
    if doc is None:
        return JSONResponse({"error": "No comparison for this analysis."}, status_code=404)
    return JSONResponse(doc)
