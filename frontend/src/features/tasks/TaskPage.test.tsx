import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { TaskDetailFragment, TaskQuarantineFragment } from "../../gql/types";
import { RETRY_TASK } from "../../operations/retryTask";
import { ROLLBACK_UPLOAD } from "../../operations/rollbackUpload";
import { TASK } from "../../operations/task";
import { taskDetail } from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { PIPELINE } from "./taskStatus";

const at = (minute: number) => `2026-11-25T10:0${minute}:00Z`;

const noQuarantine: TaskQuarantineFragment = {
  __typename: "IngestionTask",
  quarantineUrl: null,
  quarantinePreview: [],
};

const succeeded = taskDetail({
  status: "SUCCEEDED",
  progress: 1,
  rowsTotal: 1000,
  rowsIngested: 990,
  rowsQuarantined: 7,
  rowsThrownAway: 3,
  hasQuarantine: true,
  druidTaskId: "sluice_t-1",
  reconciliation: {
    __typename: "Reconciliation",
    state: "MATCHED",
    summary: "Druid's 990 rows of this upload match the file in all 2 columns.",
  },
  events: PIPELINE.map((status, i) => ({
    __typename: "TaskEvent" as const,
    status,
    progress: 0,
    message: null,
    at: at(i),
  })),
  profile: {
    __typename: "Profile",
    format: "csv",
    encoding: "utf-8",
    delimiter: ",",
    sheet: null,
    rowsTotal: 1000,
    rowsValid: 993,
    rowsQuarantined: 7,
    timestampColumn: "time",
    timestampFormat: "iso",
    timeMin: "2026-01-01T00:00:00Z",
    timeMax: "2026-01-31T00:00:00Z",
    warnings: ["7 rows had an unparseable amount and were quarantined."],
    schemaChanges: null,
    columns: [
      {
        __typename: "ColumnProfile",
        name: "time",
        type: "TIMESTAMP",
        nullCount: 0,
        nullTokens: [],
        distinctCount: 31,
        min: "2026-01-01",
        max: "2026-01-31",
        histogram: [],
      },
      {
        __typename: "ColumnProfile",
        name: "amount",
        type: "DOUBLE",
        nullCount: 12,
        nullTokens: ["NA", "-"],
        distinctCount: 640,
        min: "0.5",
        max: "999.0",
        histogram: [
          { __typename: "HistogramBucket", label: "0–250", count: 400 },
          { __typename: "HistogramBucket", label: "250–500", count: 300 },
          { __typename: "HistogramBucket", label: "500–1000", count: 293 },
        ],
      },
    ],
  },
});

const succeededQuarantine: TaskQuarantineFragment = {
  __typename: "IngestionTask",
  quarantineUrl: {
    __typename: "QuarantineLink",
    url: "http://s3.test/quarantine/t-1/rows.csv?signature=x",
  },
  quarantinePreview: [
    {
      __typename: "QuarantinedRow",
      sourceRow: 42,
      reason: "timestamp '2024-13-45' in column 'time' is not a valid date",
      values: [
        { __typename: "QuarantinedValue", column: "time", value: "2024-13-45" },
        { __typename: "QuarantinedValue", column: "amount", value: "3.5" },
      ],
    },
  ],
};

const failed = taskDetail({
  status: "FAILED",
  rowsTotal: 1000,
  error: {
    __typename: "TaskError",
    code: "DRUID_TASK_FAILED",
    message:
      "Druid could not read the staged file from S3: access denied. Check Druid's S3 credentials, then retry.",
    retryable: true,
    stage: "INGESTING",
  },
  events: [
    { __typename: "TaskEvent", status: "QUEUED", progress: 0, message: null, at: at(0) },
    { __typename: "TaskEvent", status: "VALIDATING", progress: 0, message: null, at: at(1) },
    { __typename: "TaskEvent", status: "INGESTING", progress: 0, message: null, at: at(2) },
    { __typename: "TaskEvent", status: "FAILED", progress: 0, message: "access denied", at: at(3) },
  ],
});

const taskMock = (task: TaskDetailFragment, quarantine: TaskQuarantineFragment = noQuarantine) => ({
  request: { query: TASK, variables: { id: "t-1" } },
  result: { data: { task: { ...task, ...quarantine } } },
});

describe("task page", () => {
  it("accounts for every row and shows the validation report", async () => {
    renderApp("/tasks/t-1", { mocks: [taskMock(succeeded, succeededQuarantine)] });
    const accounting = await screen.findByTestId("row-accounting");
    expect(within(accounting).getByTestId("rows-total")).toHaveTextContent("1,000");
    expect(within(accounting).getByTestId("rows-ingested")).toHaveTextContent("990");
    expect(within(accounting).getByTestId("rows-quarantined")).toHaveTextContent("7");
    expect(within(accounting).getByTestId("rows-thrownAway")).toHaveTextContent("3");
    expect(within(accounting).getByTestId("accounting-check")).toHaveTextContent(
      "Every row is accounted for: 990 + 7 + 3 = 1,000.",
    );
    expect(within(accounting).getByTestId("reconciliation")).toHaveTextContent(
      "Checked against Druid: Druid's 990 rows of this upload match the file in all 2 columns.",
    );

    const table = screen.getByRole("table", { name: "Column profile" });
    const rows = within(table).getAllByTestId("profile-row");
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveTextContent(/amount.*decimal.*12.*640.*0\.5.*999\.0/);
    expect(
      within(rows[1]).getByRole("img", { name: /Distribution of amount: 0–250: 400/ }),
    ).toHaveAttribute("data-buckets", "3");
    expect(within(rows[1]).getByTestId("null-tokens")).toHaveTextContent("read as null: NA, -");
    expect(within(rows[0]).queryByTestId("null-tokens")).not.toBeInTheDocument();
    expect(
      screen.getByText("7 rows had an unparseable amount and were quarantined."),
    ).toBeInTheDocument();

    const quarantine = screen.getByTestId("quarantine");
    expect(within(quarantine).getAllByTestId("quarantined-row")).toHaveLength(1);
    expect(within(quarantine).getByTestId("quarantined-row")).toHaveTextContent(
      /42.*'2024-13-45' in column 'time' is not a valid date.*time=2024-13-45, amount=3\.5/,
    );
    expect(
      within(quarantine).getByRole("link", { name: /Download all quarantined rows/ }),
    ).toHaveAttribute("href", "http://s3.test/quarantine/t-1/rows.csv?signature=x");

    expect(screen.getByTestId("stage-SUCCEEDED")).toHaveTextContent("Succeeded");
    expect(screen.queryByRole("button", { name: "Retry" })).not.toBeInTheDocument();
  });

  it("fetches the quarantined rows once a task followed live turns out to have some", async () => {
    const staged = {
      ...succeeded,
      status: "INGESTING" as const,
      rowsIngested: null,
      rowsThrownAway: null,
    };
    renderApp("/tasks/t-1", { mocks: [taskMock(staged), taskMock(staged, succeededQuarantine)] });
    const quarantine = await screen.findByTestId("quarantine");
    expect(await within(quarantine).findByTestId("quarantined-row")).toHaveTextContent(
      /42.*2024-13-45/,
    );
  });

  it("says why the quarantined rows cannot be downloaded when the file is gone", async () => {
    const gone: TaskQuarantineFragment = {
      __typename: "IngestionTask",
      quarantineUrl: {
        __typename: "QuarantineUnavailable",
        code: "QUARANTINE_MISSING",
        message: "The file of quarantined rows is no longer in storage.",
      },
      quarantinePreview: [],
    };
    renderApp("/tasks/t-1", { mocks: [taskMock(succeeded, gone)] });
    expect(await screen.findByTestId("quarantine-unavailable")).toHaveTextContent(
      "no longer in storage",
    );
    expect(
      screen.queryByRole("link", { name: /Download all quarantined rows/ }),
    ).not.toBeInTheDocument();
  });

  it("says loudly when the counts do not add up", async () => {
    renderApp("/tasks/t-1", {
      mocks: [taskMock({ ...succeeded, rowsThrownAway: 0 }, succeededQuarantine)],
    });
    expect(await screen.findByTestId("accounting-check")).toHaveTextContent(
      "The counts do not add up: 997 rows accounted for, but the file has 1,000 (3 missing).",
    );
  });

  it("shows Druid's own counts of rows it could not read, apart from the others", async () => {
    const reported = { ...succeeded, rowsProcessedWithError: 2, rowsUnparseable: 1 };
    renderApp("/tasks/t-1", { mocks: [taskMock(reported, succeededQuarantine)] });
    expect(await screen.findByTestId("druid-read-problems")).toHaveTextContent(
      "Druid reported 2 rows kept with values it could not read (those became empty) and 1 rows it could not read at all.",
    );
  });

  it("explains a failure in plain words and retries it live", async () => {
    const { subscriptions } = renderApp("/tasks/t-1", {
      mocks: [
        taskMock(failed),
        {
          request: { query: RETRY_TASK, variables: { id: "t-1" } },
          result: { data: { retryTask: { ...failed, status: "QUEUED", error: null } } },
        },
      ],
    });
    const failure = await screen.findByTestId("failure");
    expect(failure).toHaveTextContent("Druid's ingestion failed (while ingesting)");
    expect(within(failure).getByTestId("failure-message")).toHaveTextContent(
      "Druid could not read the staged file from S3: access denied. Check Druid's S3 credentials, then retry.",
    );
    expect(failure).toHaveTextContent("DRUID_TASK_FAILED");
    expect(screen.getByTestId("stage-INGESTING")).toHaveTextContent("failed here");

    await userEvent.setup().click(within(failure).getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(screen.queryByTestId("failure")).not.toBeInTheDocument());
    expect(screen.getAllByTestId("task-status")[0]).toHaveTextContent("Queued");

    // Back in the queue, the page follows the task live again.
    subscriptions.simulateResult({
      result: { data: { taskUpdates: { ...succeeded, id: "t-1" } } },
    });
    await waitFor(() =>
      expect(screen.getAllByTestId("task-status")[0]).toHaveTextContent("Succeeded"),
    );
  });

  it("offers no retry when retrying cannot help", async () => {
    renderApp("/tasks/t-1", {
      mocks: [
        taskMock({
          ...failed,
          error: { ...failed.error!, code: "NO_VALID_ROWS", retryable: false, stage: "VALIDATING" },
        }),
      ],
    });
    const failure = await screen.findByTestId("failure");
    expect(failure).toHaveTextContent("No row could be ingested (while validating)");
    expect(within(failure).queryByRole("button", { name: "Retry" })).not.toBeInTheDocument();
    expect(within(failure).getByRole("link", { name: "upload it again" })).toHaveAttribute(
      "href",
      "/",
    );
  });

  it("shows the retry refusal when the server turns it down", async () => {
    renderApp("/tasks/t-1", {
      mocks: [
        taskMock(failed),
        {
          request: { query: RETRY_TASK, variables: { id: "t-1" } },
          result: {
            data: {
              retryTask: {
                __typename: "TaskActionRejected",
                code: "NOT_RETRYABLE",
                message: "This task is already running again.",
              },
            },
          },
        },
      ],
    });
    await userEvent.setup().click(await screen.findByRole("button", { name: "Retry" }));
    expect(
      await screen.findByText("Retry failed: Cannot retry. This task is already running again."),
    ).toBeInTheDocument();
  });

  it("rolls an upload back after a confirmation naming the file and dataset, and shows a refusal", async () => {
    const landed = taskDetail({
      status: "SUCCEEDED",
      progress: 1,
      rowsIngested: 990,
      mode: "REPLACE",
    });
    renderApp("/tasks/t-1", {
      mocks: [
        taskMock(landed),
        {
          request: { query: ROLLBACK_UPLOAD, variables: { taskId: "t-1" } },
          result: {
            data: {
              rollbackUpload: {
                __typename: "TaskActionRejected",
                code: "NOT_ROLLBACKABLE",
                message:
                  "upload t-2 came after it. Roll back the later uploads first (newest first).",
              },
            },
          },
        },
      ],
    });
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("rollback"));
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("Roll back “sales.csv”?");
    expect(dialog).toHaveTextContent(
      "The 990 rows this upload brought are taken out of sales, and the rows it replaced come back",
    );
    await user.click(within(dialog).getByRole("button", { name: "Roll back" }));
    expect(await screen.findByTestId("rollback-problem")).toHaveTextContent(
      "Rollback failed: Cannot roll back. upload t-2 came after it. Roll back the later uploads first (newest first).",
    );
  });
});
