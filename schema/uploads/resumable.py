"""Resumable uploads straight to S3 (core/resumable.py): start, resume, complete, cancel."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core import resumable
from core.auth.naming import visible_name
from core.auth.ratelimit import upload_refusal
from core.errors import ErrorCode
from core.mirror import mirror
from schema.context import Info
from schema.permissions import Editor, Viewer
from schema.uploads.mutations import result_of
from schema.uploads.types import IngestOptions, UploadRejected, UploadResult


@strawberry.type(description="Where to PUT one part of the file (the URL is presigned).")
class UploadPart:
    number: int = strawberry.field(description="1-based; bytes (number-1)*partSizeBytes on.")
    url: str


@strawberry.type(
    description="A resumable upload straight to S3. PUT each part's bytes to its "
    "URL (any order, retry freely), then call completeUpload. After an "
    "interruption, query uploadSession for the parts still missing."
)
class UploadSession:
    id: strawberry.ID
    filename: str
    datasource: str
    size_bytes: float = strawberry.field(description="As declared; checked on completion.")
    part_size_bytes: int
    part_count: int
    task_id: strawberry.ID | None = strawberry.field(
        description="Set once the upload is completed: the ingestion task."
    )
    cancelled: bool
    _session: strawberry.Private[resumable.Session]

    @strawberry.field(description="Numbers of the parts S3 already holds in full.")
    async def uploaded_parts(self, info: Info) -> list[int]:
        return await resumable.uploaded(info.context.services.store, self._session)

    @strawberry.field(
        description="Presigned PUT URLs (valid 6 hours), `count` parts from part `first` on."
    )
    async def parts(self, info: Info, first: int = 1, count: int = 1000) -> list[UploadPart]:
        urls = await resumable.part_urls(
            info.context.services.store, self._session, first=first, count=min(count, 1000)
        )
        return [UploadPart(number=n, url=url) for n, url in urls]

    @classmethod
    def from_model(cls, session: resumable.Session) -> UploadSession:
        return mirror(
            cls,
            session,
            datasource=visible_name(session.datasource),
            part_size_bytes=session.part_size,
            cancelled=session.aborted,
            _session=session,
        )


StartUploadResult = Annotated[UploadSession | UploadRejected, strawberry.union("StartUploadResult")]
CancelUploadResult = Annotated[
    UploadSession | UploadRejected, strawberry.union("CancelUploadResult")
]


async def _session_of(info: Info, session_id: strawberry.ID) -> resumable.Session | UploadRejected:
    """One of the caller's workspace's upload sessions, or why there is none."""
    workspace_id = info.context.member.workspace_id
    session = await resumable.get(info.context.db, str(session_id), workspace_id=workspace_id)
    if session is not None:
        return session
    return UploadRejected(
        code=ErrorCode.UPLOAD_NOT_FOUND,
        message=f"There is no upload session '{session_id}'. Start a new one with startUpload.",
        filename="",
    )


@strawberry.type
class ResumableQuery:
    @strawberry.field(
        permission_classes=[Viewer],
        description="A resumable upload, to see which parts are still missing.",
    )
    async def upload_session(self, info: Info, id: strawberry.ID) -> UploadSession | None:
        session = await _session_of(info, id)
        return UploadSession.from_model(session) if isinstance(session, resumable.Session) else None


@strawberry.type
class ResumableMutation:
    @strawberry.mutation(
        permission_classes=[Editor],
        description="Start a resumable upload of a file of `sizeBytes` into "
        "`datasource`; the file's bytes then go straight to S3.",
    )
    async def start_upload(
        self,
        info: Info,
        filename: str,
        size_bytes: float,
        datasource: str,
        options: IngestOptions | None = None,
        content_type: str | None = None,
    ) -> StartUploadResult:
        context = info.context
        client = getattr(context.request, "client", None)
        refusal = await upload_refusal(
            context.services.redis,
            context.settings,
            caller=context.member,
            address=client.host if client else None,
        )
        if refusal is not None:
            return UploadRejected(code=ErrorCode.RATE_LIMITED, message=refusal, filename=filename)
        outcome = await resumable.start(
            info.context.services,
            filename=filename,
            size_bytes=int(size_bytes),
            content_type=content_type,
            datasource=datasource,
            options=(options or IngestOptions()).to_model(),
            workspace=info.context.member.workspace,
        )
        if isinstance(outcome, resumable.Session):
            return UploadSession.from_model(outcome)
        return result_of(outcome)  # type: ignore[return-value]

    @strawberry.mutation(
        permission_classes=[Editor],
        description="Finish a resumable upload once every part is sent: the "
        "ingestion starts. Safe to call again (same task).",
    )
    async def complete_upload(self, info: Info, id: strawberry.ID) -> UploadResult:
        session = await _session_of(info, id)
        if isinstance(session, UploadRejected):
            return session
        return result_of(await resumable.complete(info.context.services, session))

    @strawberry.mutation(
        permission_classes=[Editor],
        description="Cancel an unfinished resumable upload and free its parts (the session, "
        "now cancelled). Cancelling twice is fine; a completed upload is refused with "
        "UPLOAD_COMPLETED (cancel its task instead).",
    )
    async def cancel_upload(self, info: Info, id: strawberry.ID) -> CancelUploadResult:
        session = await _session_of(info, id)
        if isinstance(session, UploadRejected):
            return session
        if not await resumable.abort(info.context.services, session):
            return UploadRejected(
                code=ErrorCode.UPLOAD_COMPLETED,
                message=f"The upload of '{session.filename}' is already complete and its "
                "ingestion has started, so there is nothing to cancel here. Cancel its task "
                "instead.",
                filename=session.filename,
            )
        cancelled = await _session_of(info, strawberry.ID(session.id))
        assert isinstance(cancelled, resumable.Session)
        return UploadSession.from_model(cancelled)
