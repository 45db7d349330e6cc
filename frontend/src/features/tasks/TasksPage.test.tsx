import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { DATASOURCES } from "../../operations/datasources";
import { TASKS } from "../../operations/tasks";
import { taskDetail } from "../../test/fixtures";
import { renderApp } from "../../test/render";

const summary = (overrides: Parameters<typeof taskDetail>[0]) => {
  const { events: _e, profile: _p, druidTaskId: _d, ...rest } = taskDetail(overrides);
  return rest;
};

describe("tasks page", () => {
  it("merges tasks from the live feed into the list without reloading", async () => {
    const { subscriptions } = renderApp("/tasks", {
      mocks: [
        {
          request: { query: TASKS, variables: { first: 50, status: null, datasource: null } },
          result: {
            data: {
              tasks: {
                __typename: "TaskPage",
                items: [summary({ id: "t-1", filename: "old.csv", status: "INGESTING" })],
                nextCursor: null,
              },
            },
          },
        },
        { request: { query: DATASOURCES }, result: { data: { datasources: [] } } },
      ],
    });
    const list = await screen.findByTestId("task-list");
    expect(within(list).getAllByTestId("task-row")).toHaveLength(1);

    subscriptions.simulateResult({
      result: { data: { taskFeed: summary({ id: "t-2", filename: "new.csv", status: "QUEUED" }) } },
    });
    await waitFor(() => expect(within(list).getAllByTestId("task-row")).toHaveLength(2));
    expect(within(list).getAllByTestId("task-row")[0]).toHaveTextContent("new.csv");

    subscriptions.simulateResult({
      result: {
        data: { taskFeed: summary({ id: "t-1", filename: "old.csv", status: "SUCCEEDED" }) },
      },
    });
    await waitFor(() =>
      expect(within(list).getAllByTestId("task-row")[1]).toHaveTextContent("Succeeded"),
    );
    expect(within(list).getAllByTestId("task-row")).toHaveLength(2);
  });

  it("keeps tasks that do not match the filters out of a filtered list", async () => {
    const { subscriptions } = renderApp("/tasks?status=failed", {
      mocks: [
        {
          request: { query: TASKS, variables: { first: 50, status: ["FAILED"], datasource: null } },
          result: { data: { tasks: { __typename: "TaskPage", items: [], nextCursor: null } } },
        },
        { request: { query: DATASOURCES }, result: { data: { datasources: [] } } },
      ],
    });
    expect(await screen.findByText("No tasks match these filters")).toBeInTheDocument();
    subscriptions.simulateResult({
      result: { data: { taskFeed: summary({ id: "t-3", status: "QUEUED" }) } },
    });
    subscriptions.simulateResult({
      result: { data: { taskFeed: summary({ id: "t-4", filename: "bad.csv", status: "FAILED" }) } },
    });
    expect(await screen.findByText("bad.csv")).toBeInTheDocument();
    expect(within(screen.getByTestId("task-list")).getAllByTestId("task-row")).toHaveLength(1);
  });
});
