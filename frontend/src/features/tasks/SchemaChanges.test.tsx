import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeHttpLink } from "../../apollo/client";
import type { TaskDetailFragment, ValidationReportFragment } from "../../gql/types";
import { RETRY_TASK } from "../../operations/retryTask";
import { TASK } from "../../operations/task";
import { FakeXHR, installFakeNetwork } from "../../test/fakeNetwork";
import { taskDetail } from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { typeChangeLabel } from "./SchemaChanges";

const profile: ValidationReportFragment = {
  __typename: "Profile",
  format: "csv",
  encoding: "utf-8",
  delimiter: ",",
  sheet: null,
  rowsTotal: 2,
  rowsValid: 2,
  rowsQuarantined: 0,
  timestampColumn: "ts",
  timestampFormat: "iso",
  timeMin: null,
  timeMax: null,
  warnings: [],
  columns: [],
  schemaChanges: {
    __typename: "SchemaChanges",
    added: ["tip"],
    missing: ["qty"],
    typeConflicts: [
      {
        __typename: "TypeConflict",
        column: "zip",
        datasetType: "LONG",
        uploadType: "STRING",
        wouldLoseValues: true,
      },
    ],
  },
};

const refused = taskDetail({
  status: "FAILED",
  rowsTotal: 2,
  profile,
  error: {
    __typename: "TaskError",
    code: "SCHEMA_CONFLICT",
    message: "Not ingested: the column types do not match dataset 'sales'.",
    retryable: false,
    stage: "VALIDATING",
  },
});

const quarantine = {
  __typename: "IngestionTask" as const,
  quarantineUrl: null,
  quarantinePreview: [],
};

const taskMock = (task: TaskDetailFragment) => ({
  request: { query: TASK, variables: { id: "t-1" } },
  result: { data: { task: { ...task, ...quarantine } } },
});

describe("schema changes", () => {
  it("names every type change the go-ahead makes", () => {
    expect(typeChangeLabel(profile.schemaChanges!.typeConflicts)).toBe(
      "Ingest anyway, changing zip to text",
    );
  });

  it("shows the changes and ingests anyway in one click", async () => {
    renderApp("/tasks/t-1", {
      mocks: [
        taskMock(refused),
        {
          request: {
            query: RETRY_TASK,
            variables: { id: "t-1", options: { allowTypeChange: true } },
          },
          result: { data: { retryTask: { ...refused, status: "QUEUED", error: null } } },
        },
      ],
    });
    const note = await screen.findByTestId("schema-changes");
    expect(note).toHaveTextContent("New: tip");
    expect(note).toHaveTextContent(
      "Not in this file (null in its rows; dashboards keep working): qty",
    );
    expect(note).toHaveTextContent(
      "zip: integer in the dataset, text here (Druid would lose values",
    );
    expect(screen.getByTestId("failure")).toHaveTextContent(
      "Column types do not match the dataset",
    );

    await userEvent
      .setup()
      .click(screen.getByRole("button", { name: "Ingest anyway, changing zip to text" }));
    await waitFor(() => expect(screen.queryByTestId("failure")).not.toBeInTheDocument());
    expect(screen.queryByRole("button", { name: /Ingest anyway/ })).not.toBeInTheDocument();
  });
});

describe("quarantine round trip", () => {
  it("offers to upload a fixed file, pre-filled and linked to the task", async () => {
    const withRows = taskDetail({ status: "SUCCEEDED", rowsQuarantined: 2, hasQuarantine: true });
    renderApp("/tasks/t-1", { mocks: [taskMock(withRows)] });
    const link = await screen.findByRole("link", { name: "Upload a fixed file" });
    expect(link).toHaveAttribute("href", "/?datasource=sales&fixesTask=t-1");
  });

  it("sends fixesTask with the upload, unless the person unlinks it", async () => {
    installFakeNetwork({
      Datasources: () => ({ datasources: [] }),
      CheckDatasourceName: () => ({
        checkDatasourceName: { __typename: "DatasourceNameCheck", exists: true, problem: null },
      }),
    });
    renderApp("/?datasource=sales&fixesTask=t-1", { http: makeHttpLink() });
    const user = userEvent.setup();
    expect(await screen.findByTestId("fixes-task")).toHaveTextContent("task t-1");
    expect(screen.getByRole("combobox", { name: /Dataset name/ })).toHaveValue("sales");
    const file = new File(["ts,n\n2024-01-01,1\n"], "fixed.csv", { type: "text/csv" });
    await user.upload(screen.getByTestId("file-input"), file);
    await user.click(await screen.findByRole("button", { name: "Upload" }));

    await waitFor(() => expect(FakeXHR.sent).toHaveLength(1));
    const operations = JSON.parse(String(FakeXHR.sent[0].form().get("operations")));
    expect(operations.variables.options).toMatchObject({ fixesTask: "t-1" });
    expect(within(screen.getByTestId("fixes-task")).getByRole("link")).toHaveAttribute(
      "href",
      "/tasks/t-1",
    );
  });
});
