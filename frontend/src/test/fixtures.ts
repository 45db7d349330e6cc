import type { DatasetSummaryFragment, TaskDetailFragment } from "../gql/types";

/** Server-shaped objects, complete enough for every fragment the app asks for. */
export function taskDetail(overrides: Partial<TaskDetailFragment> = {}): TaskDetailFragment {
  return {
    __typename: "IngestionTask",
    id: "t-1",
    status: "QUEUED",
    stage: "queued",
    datasource: "sales",
    filename: "sales.csv",
    sizeBytes: 2048,
    mode: "APPEND",
    progress: 0,
    rowsTotal: null,
    rowsIngested: null,
    rowsQuarantined: null,
    rowsThrownAway: null,
    rowsProcessedWithError: null,
    rowsUnparseable: null,
    createdAt: "2026-11-25T10:00:00Z",
    updatedAt: "2026-11-25T10:00:00Z",
    error: null,
    hasQuarantine: false,
    kind: "INGEST",
    targetTaskId: null,
    rowsRemoved: null,
    rolledBackBy: null,
    fixesTask: null,
    fixedBy: [],
    datasetDeletedBy: null,
    reconciliation: {
      __typename: "Reconciliation",
      state: "PENDING",
      summary: "Once Druid serves the rows, they are compared with the file.",
    },
    druidTaskId: null,
    events: [
      {
        __typename: "TaskEvent",
        status: "QUEUED",
        progress: 0,
        message: null,
        at: "2026-11-25T10:00:00Z",
      },
    ],
    profile: null,
    ...overrides,
  };
}

export function dataset(overrides: Partial<DatasetSummaryFragment> = {}): DatasetSummaryFragment {
  return {
    __typename: "Dataset",
    name: "sales",
    rowCount: 10,
    sizeBytes: 4096,
    timeMin: "2026-01-01T00:00:00Z",
    timeMax: "2026-01-05T00:00:00Z",
    lastIngestedAt: "2026-11-25T10:00:00Z",
    lastTaskId: "t-1",
    hasTimeColumn: true,
    tracked: true,
    columns: [
      { __typename: "DatasetColumn", name: "__time", type: "TIMESTAMP" },
      { __typename: "DatasetColumn", name: "country", type: "STRING" },
      { __typename: "DatasetColumn", name: "amount", type: "DOUBLE" },
    ],
    ...overrides,
  };
}
