"""``/contracts/upload`` (HR): a contracts or corrections CSV file, checked and imported exactly
as ``financebot import contracts|corrections FILE`` does (the same functions).

A file with a bad row imports nothing and comes back with every problem and its line number; a
good one is applied in one transaction, each change audit-logged by the signed-in person, and
the page redirects to /contracts with the import's summary. Files above MAX_UPLOAD_BYTES are
refused with a clear message (a larger request body never reaches the view: see site_errors).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from tortoise.exceptions import IntegrityError

from models.flex.contract_import import CONTRACT_COLUMNS, import_contracts
from models.flex.correction_import import CORRECTION_COLUMNS, OPTIONAL_COLUMNS, import_corrections
from models.flex.csv_import import ImportCounts, ImportRejected, Problem, RowError
from models.permissions import Capability
from web.app_keys import SETTINGS_KEY
from web.auth import audit_actor, requires
from web.edit_forms import errors_by_field
from web.notices import leave_notice
from web.rendering import render, site_root
from web.site_errors import MAX_UPLOAD_BYTES

IMPORTS: dict[str, Callable[..., Awaitable[ImportCounts]]] = {
    "contracts": import_contracts,
    "corrections": import_corrections,
}
HEADERS = {
    "contracts": ",".join(CONTRACT_COLUMNS),
    "corrections": ",".join(CORRECTION_COLUMNS) + "[," + ",".join(OPTIONAL_COLUMNS) + "]",
}
#: Row problems listed at most; a file of thousands of bad rows needs fixing as a whole.
ERRORS_SHOWN = 200


def _upload_page(
    request: web.Request,
    *,
    kind: str = "",
    problems: Sequence[Problem] = (),
    filename: str = "",
    rejected: ImportRejected | None = None,
) -> web.Response:
    row_errors: list[RowError] = rejected.errors if rejected is not None else []
    return render(
        request,
        "contracts_upload.html",
        status=400 if problems or rejected else 200,
        kind=kind,
        headers=HEADERS,
        errors=errors_by_field(problems),
        problems=list(problems),
        filename=filename,
        rejected=rejected,
        row_errors=row_errors[:ERRORS_SHOWN],
        errors_left_out=max(0, len(row_errors) - ERRORS_SHOWN),
        max_mb=MAX_UPLOAD_BYTES // 2**20,
    )


@requires(Capability.EDIT_CONTRACTS)
async def upload_form(request: web.Request) -> web.Response:
    return _upload_page(request, kind=request.query.get("kind", "contracts"))


@requires(Capability.EDIT_CONTRACTS)
async def upload(request: web.Request) -> web.Response:
    form = await request.post()
    kind = form.get("kind")
    kind = kind if isinstance(kind, str) else ""
    upload: Any = form.get("file")
    problems: list[Problem] = []
    if kind not in IMPORTS:
        problems.append(Problem("kind", "choose what the file holds: contracts or corrections"))
    if not isinstance(upload, web.FileField) or not upload.filename:
        return _upload_page(
            request, kind=kind, problems=[*problems, Problem("file", "choose a CSV file")]
        )
    filename = upload.filename[:200]
    data = await asyncio.to_thread(upload.file.read, MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        problems.append(
            Problem(
                "file",
                f"{filename} is larger than {MAX_UPLOAD_BYTES // 2**20} MB: "
                "split it and upload the parts",
            )
        )
    if problems:
        return _upload_page(request, kind=kind, problems=problems, filename=filename)
    try:
        counts = await IMPORTS[kind](data, actor=audit_actor(request))
    except ImportRejected as rejected:
        return _upload_page(request, kind=kind, filename=filename, rejected=rejected)
    except IntegrityError:
        message = f"the {kind} changed while importing {filename}; nothing imported, try again"
        return _upload_page(
            request, kind=kind, problems=[Problem("file", message)], filename=filename
        )
    await leave_notice(request, f"{filename}: {counts.summary(kind)}.")
    raise web.HTTPSeeOther(f"{site_root(request.app[SETTINGS_KEY])}/contracts")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/contracts/upload", upload_form)
    app.router.add_post("/contracts/upload", upload)
