import { ApolloProvider } from "@apollo/client/react";
import { MockLink } from "@apollo/client/testing";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { describe, expect, it } from "vitest";
import { DELETE_DATASET } from "../../operations/deleteDataset";
import { taskDetail } from "../../test/fixtures";
import { mockClient } from "../../test/render";
import { RollbackPanel } from "../tasks/RollbackPanel";
import { DeleteDatasetDialog } from "./DeleteDatasetDialog";

function renderDialog(mocks: ReadonlyArray<MockLink.MockedResponse>) {
  return render(
    <ApolloProvider client={mockClient(mocks)}>
      <MemoryRouter initialEntries={["/datasets/sales"]}>
        <Routes>
          <Route
            path="/datasets/:name"
            element={<DeleteDatasetDialog name="sales" rowCount={12345} />}
          />
          <Route path="/tasks/:id" element={<p>task page</p>} />
        </Routes>
      </MemoryRouter>
    </ApolloProvider>,
  );
}

const deleted = {
  request: { query: DELETE_DATASET, variables: { name: "sales" } },
  result: {
    data: {
      deleteDataset: { __typename: "IngestionTask", id: "del-1", kind: "DELETE", status: "QUEUED" },
    },
  },
};

async function openDialog() {
  const user = userEvent.setup();
  await user.click(screen.getByTestId("delete-dataset"));
  return { user, dialog: await screen.findByRole("dialog") };
}

describe("delete dataset dialog", () => {
  it("names the dataset and its rows and deletes only once the name is typed", async () => {
    renderDialog([deleted]);
    const { user, dialog } = await openDialog();

    expect(within(dialog).getByText("Delete “sales”?")).toBeTruthy();
    expect(dialog.textContent).toContain("12,345 rows of sales");
    const confirm = within(dialog).getByTestId("delete-dataset-confirm");
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    await user.type(within(dialog).getByTestId("delete-confirm-name"), "sale");
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    await user.type(within(dialog).getByTestId("delete-confirm-name"), "s");
    expect((confirm as HTMLButtonElement).disabled).toBe(false);
    await user.click(confirm);

    expect(await screen.findByText("task page")).toBeTruthy(); // follows the DELETE task
  });

  it("shows why the server refused and stays on the page", async () => {
    const message = "'sales' cannot be deleted now: an upload into it is running (task t-9).";
    renderDialog([
      {
        request: deleted.request,
        result: {
          data: {
            deleteDataset: { __typename: "TaskActionRejected", code: "DATASET_BUSY", message },
          },
        },
      },
    ]);
    const { user, dialog } = await openDialog();
    await user.type(within(dialog).getByTestId("delete-confirm-name"), "sales");
    await user.click(within(dialog).getByTestId("delete-dataset-confirm"));

    expect((await screen.findByTestId("delete-dataset-problem")).textContent).toContain(message);
    expect(screen.queryByText("task page")).toBeNull();
  });

  it("closes without deleting when kept", async () => {
    renderDialog([]);
    const { user, dialog } = await openDialog();
    await user.click(within(dialog).getByText("Keep it"));

    expect(screen.getByTestId("delete-dataset")).toBeTruthy();
    expect(screen.queryByText("task page")).toBeNull();
  });
});

describe("an upload into a deleted dataset", () => {
  it("says so, links the deletion and offers no rollback", () => {
    const task = taskDetail({ status: "SUCCEEDED", datasetDeletedBy: "del-1" });
    render(
      <ApolloProvider client={mockClient([])}>
        <MemoryRouter>
          <RollbackPanel task={task} />
        </MemoryRouter>
      </ApolloProvider>,
    );

    const mark = screen.getByRole("link", { name: "Its dataset was deleted" });
    expect(mark.getAttribute("href")).toBe("/tasks/del-1");
    expect(screen.queryByTestId("rollback")).toBeNull();
  });
});
