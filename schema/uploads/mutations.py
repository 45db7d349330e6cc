"""Upload mutations. The multipart body was already streamed to S3 by api/multipart.py."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.file_uploads import Upload

from core.errors import ErrorCode
from core.model import Task
from core.uploads import ReceivedFile, UploadRejection, accept_upload
from schema.context import Info
from schema.permissions import Editor
from schema.tasks.types import IngestionTask
from schema.uploads.types import IngestOptions, UploadRejected, UploadResult


def result_of(outcome: Task | UploadRejection) -> IngestionTask | UploadRejected:
    if isinstance(outcome, UploadRejection):
        return UploadRejected(
            code=ErrorCode.parse(outcome.code),
            message=outcome.message,
            filename=outcome.filename or "",
        )
    return IngestionTask.from_model(outcome)


async def _accept(
    info: Info, file: Any, datasource: str, options: IngestOptions | None
) -> IngestionTask | UploadRejected:
    if not isinstance(file, ReceivedFile):
        return UploadRejected(
            code=ErrorCode.NOT_MULTIPART,
            message="Send the file as a multipart request (the GraphQL multipart request spec, "
            "as apollo-upload-client or `curl -F` do), not inside JSON.",
            filename="",
        )
    outcome = await accept_upload(
        info.context.services,
        received=file,
        datasource=datasource,
        options=(options or IngestOptions()).to_model(),
        workspace=info.context.member.workspace,
    )
    return result_of(outcome)


@strawberry.type
class UploadsMutation:
    @strawberry.mutation(
        permission_classes=[Editor],
        description="Upload one file into `datasource` (created if new).",
    )
    async def upload_file(
        self,
        info: Info,
        file: Upload,
        datasource: str,
        options: IngestOptions | None = None,
    ) -> UploadResult:
        return await _accept(info, file, datasource, options)

    @strawberry.mutation(
        permission_classes=[Editor],
        description="Upload several files into one datasource; one result each.",
    )
    async def upload_files(
        self,
        info: Info,
        files: list[Upload],
        datasource: str,
        options: IngestOptions | None = None,
    ) -> list[UploadResult]:
        return [await _accept(info, file, datasource, options) for file in files]
