import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { DATASET_UPLOADS } from "../../operations/datasetUploads";
import { DATASOURCE } from "../../operations/datasource";
import { TIMESERIES } from "../../operations/timeseries";
import { TOP_N } from "../../operations/topN";
import { dataset, taskDetail } from "../../test/fixtures";
import { renderApp } from "../../test/render";

const days = (n: number) => Array.from({ length: n }, (_, i) => `2026-01-0${i + 1}T00:00:00.000Z`);

const datasourceMock = {
  request: { query: DATASOURCE, variables: { name: "sales" } },
  result: { data: { datasource: dataset() } },
  maxUsageCount: 5,
};

const series = (n: number) => ({
  data: {
    timeseries: {
      __typename: "TimeSeries",
      metric: "count",
      granularity: "DAY",
      timestamps: days(n),
      values: days(n).map((_, i) => i * 2),
    },
  },
});

const topN = {
  data: {
    topN: {
      __typename: "TopN",
      dimension: "country",
      metric: "count",
      keys: ["FR", "DE", null],
      values: [6, 3, 1],
    },
  },
};

describe("dashboard", () => {
  it("draws the time series from a TimeSeries result and applies a filter chip to every panel", async () => {
    const user = userEvent.setup();
    renderApp("/datasets/sales", {
      mocks: [
        datasourceMock,
        {
          request: { query: TIMESERIES, variables: (v) => v.granularity === "HOUR" },
          result: series(9),
        },
        {
          request: {
            query: TIMESERIES,
            variables: (v) => v.filters == null && v.granularity === "DAY",
          },
          result: series(5),
        },
        {
          request: {
            query: TIMESERIES,
            variables: (v) =>
              JSON.stringify(v.filters) ===
              JSON.stringify([{ equals: { column: "country", value: "FR" } }]),
          },
          result: series(3),
        },
        {
          request: {
            query: TOP_N,
            variables: (v) => v.dimension === "country" && v.filters == null,
          },
          result: topN,
        },
        {
          request: {
            query: TOP_N,
            variables: (v) => v.dimension === "country" && Array.isArray(v.filters),
          },
          result: { data: { topN: { ...topN.data.topN, keys: ["FR"], values: [6] } } },
        },
      ],
    });

    expect(await screen.findByRole("heading", { level: 1, name: "sales" })).toBeInTheDocument();
    // 4 days of data: the automatic granularity is hourly; pick days.
    expect(await screen.findByTestId("timeseries-chart")).toHaveAttribute("data-points", "9");
    await user.click(screen.getByRole("combobox", { name: "Granularity" }));
    await user.click(screen.getByRole("option", { name: "Day" }));

    const chart = await screen.findByTestId("timeseries-chart");
    expect(chart).toHaveAttribute("data-points", "5");
    expect(chart).toHaveAccessibleName(/Rows: 5 points/);

    const bars = await screen.findByTestId("topn-bars");
    expect(within(bars).getAllByRole("button")).toHaveLength(3);
    expect(within(bars).getByText("(empty)")).toBeInTheDocument();

    await user.click(within(bars).getByRole("button", { name: /^FR: 6/ }));
    expect(await screen.findByTestId("filter-chip")).toHaveTextContent("country = FR");
    await waitFor(() =>
      expect(screen.getByTestId("timeseries-chart")).toHaveAttribute("data-points", "3"),
    );
    await waitFor(() =>
      expect(within(screen.getByTestId("topn-bars")).getAllByRole("button")).toHaveLength(1),
    );
  });

  it("says so when the query names a column Druid does not know", async () => {
    renderApp("/datasets/sales", {
      mocks: [
        datasourceMock,
        {
          request: { query: TIMESERIES, variables: () => true },
          result: {
            data: {
              timeseries: { __typename: "UnknownColumn", message: "Unknown column “amount”." },
            },
          },
        },
        { request: { query: TOP_N, variables: () => true }, result: topN },
      ],
    });
    expect(await screen.findByText("Unknown column “amount”.")).toBeInTheDocument();
    expect(screen.queryByTestId("timeseries-chart")).not.toBeInTheDocument();
  });

  it("shows an empty state for a dataset that does not exist", async () => {
    renderApp("/datasets/nope", {
      mocks: [
        {
          request: { query: DATASOURCE, variables: { name: "nope" } },
          result: { data: { datasource: null } },
        },
      ],
    });
    expect(await screen.findByText("Dataset not found")).toBeInTheDocument();
  });

  it("lists the dataset's uploads newest first, one page at a time, with their actions", async () => {
    const { events: _events, profile: _profile, druidTaskId: _druid, ...summary } = taskDetail();
    const upload = (id: string, extra: object) => ({
      ...summary,
      id,
      filename: `${id}.csv`,
      ...extra,
    });
    const uploadsPage = (after: string | null, items: object[], nextCursor: string | null) => ({
      request: { query: DATASET_UPLOADS, variables: { name: "sales", first: 20, after } },
      result: {
        data: {
          datasource: {
            __typename: "Dataset",
            name: "sales",
            uploads: { __typename: "TaskPage", items, nextCursor },
          },
        },
      },
    });
    renderApp("/datasets/sales", {
      mocks: [
        datasourceMock,
        {
          request: { query: TIMESERIES, variables: () => true },
          result: series(3),
          maxUsageCount: 5,
        },
        { request: { query: TOP_N, variables: () => true }, result: topN, maxUsageCount: 5 },
        uploadsPage(
          null,
          [
            upload("new", { status: "SUCCEEDED", rowsIngested: 12, mode: "REPLACE" }),
            upload("old", {
              status: "SUCCEEDED",
              rowsIngested: 30,
              rolledBackBy: "rb-1",
              hasQuarantine: true,
              rowsQuarantined: 2,
              fixedBy: [
                {
                  __typename: "IngestionTask",
                  id: "fix-1",
                  filename: "fix.csv",
                  status: "SUCCEEDED",
                  rowsIngested: 2,
                },
              ],
            }),
          ],
          "c1",
        ),
        uploadsPage("c1", [upload("oldest", { status: "FAILED" })], null),
      ],
    });

    const slow = { timeout: 10_000 }; // the dashboard's charts render first
    const history = await screen.findByTestId("upload-history", {}, slow);
    const rows = await within(history).findAllByRole("row", {}, slow);
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining("File"),
      expect.stringMatching(/new\.csvreplace.*12Roll back this upload/),
      expect.stringMatching(
        /old\.csvappend.*302later fixed by fix\.csv \(2 rows, succeeded\)Rolled backQuarantined rows/,
      ),
    ]);
    expect(within(history).getByRole("link", { name: "fix.csv" })).toHaveAttribute(
      "href",
      "/tasks/fix-1",
    );
    expect(within(history).getByRole("link", { name: "Rolled back" })).toHaveAttribute(
      "href",
      "/tasks/rb-1",
    );
    await userEvent.setup().click(within(history).getByRole("button", { name: "Older uploads" }));
    expect(await screen.findByText("oldest.csv", {}, slow)).toBeInTheDocument();
    expect(screen.queryByTestId("rollback")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Newer uploads" })).toBeInTheDocument();
  });
});
