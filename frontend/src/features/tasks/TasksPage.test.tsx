import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
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

  it("offers to start again when the server refuses a page cursor", async () => {
    const page = {
      __typename: "TaskPage",
      items: [summary({ id: "t-1", filename: "old.csv" })],
      nextCursor: "stale",
    };
    const refused = {
      __typename: "InvalidArgument",
      code: "INVALID_CURSOR",
      message: "The pagination cursor is not valid. Start again without `after`.",
    };
    renderApp("/tasks", {
      mocks: [
        {
          request: { query: TASKS, variables: (v) => !v.after },
          result: { data: { tasks: page } },
          maxUsageCount: 2,
        },
        {
          request: { query: TASKS, variables: (v) => v.after === "stale" },
          result: { data: { tasks: refused } },
        },
        { request: { query: DATASOURCES }, result: { data: { datasources: [] } } },
      ],
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Load more" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The list changed");
    expect(alert).toHaveTextContent("Start again without `after`.");

    await user.click(within(alert).getByRole("button", { name: "Start again" }));
    expect(await screen.findByText("old.csv")).toBeInTheDocument();
  });
});
