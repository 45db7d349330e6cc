"""The GraphQL documents the client sends: its whole contract with the server."""

from __future__ import annotations

TASK_FIELDS = """
  id status stage datasource filename sizeBytes mode progress
  rowsTotal rowsIngested rowsQuarantined rowsThrownAway druidTaskId createdAt updatedAt
  error { code message retryable stage }
"""

UPLOAD_OUTCOME = f"""
  __typename
  ... on IngestionTask {{ {TASK_FIELDS} }}
  ... on UploadRejected {{ code message filename }}
"""

UPLOAD_FILE = f"""
mutation SluiceCliUpload($file: Upload!, $datasource: String!, $options: IngestOptions) {{
  uploadFile(file: $file, datasource: $datasource, options: $options) {{ {UPLOAD_OUTCOME} }}
}}"""

START_UPLOAD = """
mutation SluiceCliStartUpload($filename: String!, $sizeBytes: Float!, $datasource: String!,
                              $options: IngestOptions, $contentType: String) {
  startUpload(filename: $filename, sizeBytes: $sizeBytes, datasource: $datasource,
              options: $options, contentType: $contentType) {
    __typename
    ... on UploadSession { id partSizeBytes partCount }
    ... on UploadRejected { code message filename }
  }
}"""

UPLOAD_SESSION = """
query SluiceCliUploadSession($id: ID!) {
  uploadSession(id: $id) { id partSizeBytes partCount uploadedParts taskId cancelled }
}"""

PART_URLS = """
query SluiceCliPartUrls($id: ID!, $first: Int!, $count: Int!) {
  uploadSession(id: $id) { parts(first: $first, count: $count) { number url } }
}"""

COMPLETE_UPLOAD = f"""
mutation SluiceCliCompleteUpload($id: ID!) {{ completeUpload(id: $id) {{ {UPLOAD_OUTCOME} }} }}"""

TASK = f"""
query SluiceCliTask($id: ID!) {{
  task(id: $id) {{
    {TASK_FIELDS}
    profile {{ format rowsTotal rowsValid rowsQuarantined timestampColumn timeMin timeMax
               columns {{ name type nullCount distinctCount min max }} }}
    events {{ status progress message at }}
  }}
}}"""

TASKS = f"""
query SluiceCliTasks($status: [TaskStatus!], $datasource: String, $first: Int!) {{
  tasks(status: $status, datasource: $datasource, first: $first) {{
    __typename
    ... on TaskPage {{ items {{ {TASK_FIELDS} }} nextCursor }}
    ... on UserError {{ code message }}
  }}
}}"""

TASK_UPDATES = f"""
subscription SluiceCliTaskUpdates($id: ID!) {{ taskUpdates(id: $id) {{ {TASK_FIELDS} }} }}"""

DATASETS = """
query SluiceCliDatasets {
  datasources { name rowCount sizeBytes timeMin timeMax lastIngestedAt tracked }
}"""

PROBLEM = """
  ... on QueryProblem { message }
  ... on UnknownColumn { available }
  ... on UnknownDatasource { available }
"""

TOP_N = f"""
query SluiceCliTopN($datasource: String!, $dimension: String!, $metric: MetricInput!,
                    $limit: Int!, $interval: IntervalInput) {{
  topN(datasource: $datasource, dimension: $dimension, metric: $metric, limit: $limit,
       interval: $interval) {{
    __typename
    ... on TopN {{ dimension metric keys values }}
    {PROBLEM}
  }}
}}"""
