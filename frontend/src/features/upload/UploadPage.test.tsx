import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { makeHttpLink } from "../../apollo/client";
import { FakeXHR, installFakeNetwork } from "../../test/fakeNetwork";
import { taskDetail } from "../../test/fixtures";
import { renderApp } from "../../test/render";

type Verdict = {
  exists: boolean;
  problem: { __typename: "InvalidArgument"; code: "INVALID_DATASOURCE"; message: string } | null;
};

function network({ check = { exists: false, problem: null } }: { check?: Verdict } = {}) {
  return installFakeNetwork({
    Datasources: () => ({ datasources: [] }),
    CheckDatasourceName: () => ({
      checkDatasourceName: { __typename: "DatasourceNameCheck", ...check },
    }),
  });
}

const csv = () =>
  new File(["time,country\n2026-01-01,FR\n".repeat(40)], "sales.csv", { type: "text/csv" });

async function chooseFileAndName(user: ReturnType<typeof userEvent.setup>, name = "sales") {
  await user.upload(screen.getByTestId("file-input"), csv());
  await user.type(screen.getByRole("combobox", { name: /Dataset name/ }), name);
}

/** Renders the page, chooses sales.csv for "sales" and presses Upload: the file's request is sent. */
async function uploadOneFile() {
  network();
  const { subscriptions } = renderApp("/", { http: makeHttpLink() });
  const user = userEvent.setup();
  await chooseFileAndName(user);
  await screen.findByText("Creates a new dataset “sales”.");
  await user.click(screen.getByRole("button", { name: "Upload" }));
  await waitFor(() => expect(FakeXHR.sent).toHaveLength(1));
  return { user, subscriptions, xhr: FakeXHR.sent[0] };
}

describe("upload page", () => {
  it("checks the dataset name against Druid's rules as it is typed", async () => {
    network();
    renderApp("/", { http: makeHttpLink() });
    const name = screen.getByRole("combobox", { name: /Dataset name/ });

    fireEvent.change(name, { target: { value: "a/b" } });
    expect(await screen.findByText("A dataset name cannot contain '/'.")).toBeInTheDocument();
    fireEvent.change(name, { target: { value: ".hidden" } });
    expect(await screen.findByText("A dataset name cannot start with a dot.")).toBeInTheDocument();
    fireEvent.change(name, { target: { value: "a\tb" } });
    expect(await screen.findByText(/Only plain spaces are allowed/)).toBeInTheDocument();
    fireEvent.change(name, { target: { value: "x".repeat(256) } });
    expect(
      await screen.findByText(/at most 255 characters \(this one has 256\)/),
    ).toBeInTheDocument();
    expect(name).toHaveAttribute("aria-invalid", "true");
    fireEvent.change(name, { target: { value: "sales 2026" } });
    expect(await screen.findByText("Creates a new dataset “sales 2026”.")).toBeInTheDocument();
    expect(name).toHaveAttribute("aria-invalid", "false");
  });

  it("shows the server's verdict and whether the dataset exists", async () => {
    const { fetchMock } = network({ check: { exists: true, problem: null } });
    renderApp("/", { http: makeHttpLink() });
    await userEvent.setup().type(screen.getByRole("combobox", { name: /Dataset name/ }), "sales");
    expect(
      await screen.findByText("Adds rows to the existing dataset “sales”."),
    ).toBeInTheDocument();
    const checked = fetchMock.mock.calls
      .map(([, init]) => JSON.parse(String(init?.body)))
      .filter((body) => body.operationName === "CheckDatasourceName");
    // Debounced: one check for the settled name, not one per keystroke.
    expect(checked.map((body) => body.variables.name)).toEqual(["sales"]);
  });

  it("explains a name the server refuses", async () => {
    network({
      check: {
        exists: false,
        problem: {
          __typename: "InvalidArgument",
          code: "INVALID_DATASOURCE",
          message: "“sys” is reserved by Druid.",
        },
      },
    });
    renderApp("/", { http: makeHttpLink() });
    await userEvent.setup().type(screen.getByRole("combobox", { name: /Dataset name/ }), "sys");
    expect(await screen.findByText("“sys” is reserved by Druid.")).toBeInTheDocument();
  });

  it("asks for a file and a name before sending anything", async () => {
    network();
    renderApp("/", { http: makeHttpLink() });
    await userEvent.setup().click(screen.getByRole("button", { name: "Upload" }));
    expect(await screen.findByText("Choose at least one file to upload.")).toBeInTheDocument();
    expect(screen.getByText("Enter a dataset name.")).toBeInTheDocument();
    expect(FakeXHR.sent).toHaveLength(0);
  });

  it("opens the file picker from the keyboard", async () => {
    network();
    const click = vi.spyOn(HTMLInputElement.prototype, "click").mockImplementation(() => {});
    renderApp("/", { http: makeHttpLink() });
    const user = userEvent.setup();
    const dropzone = screen.getByRole("button", { name: "Choose files to upload" });
    dropzone.focus();
    await user.keyboard("{Enter}");
    await user.keyboard(" ");
    expect(click).toHaveBeenCalledTimes(2);
  });

  it("takes dropped files", async () => {
    network();
    renderApp("/", { http: makeHttpLink() });
    fireEvent.drop(screen.getByTestId("dropzone"), {
      dataTransfer: { files: [csv()], dropEffect: "copy" },
    });
    expect(await screen.findByRole("list", { name: "Selected files" })).toHaveTextContent(
      "sales.csv",
    );
  });

  it("sends the file as a multipart request, shows bytes sent, then the live stage", async () => {
    const { subscriptions, xhr } = await uploadOneFile();
    expect(xhr.method).toBe("POST");
    expect(xhr.url).toBe("/graphql");
    const operations = JSON.parse(String(xhr.form().get("operations")));
    expect(operations.operationName).toBe("UploadFile");
    expect(operations.variables).toMatchObject({
      file: null,
      datasource: "sales",
      options: { mode: "APPEND" },
    });
    expect(JSON.parse(String(xhr.form().get("map")))).toEqual({ 1: ["variables.file"] });
    expect((xhr.form().get("1") as File).name).toBe("sales.csv");

    xhr.progress(400, 1000);
    const bar = await screen.findByRole("progressbar", { name: "Bytes sent for sales.csv" });
    await waitFor(() => expect(bar).toHaveAttribute("aria-valuenow", "40"));
    expect(screen.getByText(/Sending 40%: 400 B of 1.0 KB/)).toBeInTheDocument();

    xhr.respond({
      data: {
        uploadFile: {
          ...taskDetail({ id: "t-9" }),
          events: undefined,
          profile: undefined,
          druidTaskId: undefined,
        },
      },
    });
    const row = await screen.findByTestId("task-progress");
    expect(within(row).getByTestId("task-status")).toHaveTextContent("Queued");

    subscriptions.simulateResult({
      result: {
        data: { taskUpdates: taskDetail({ id: "t-9", status: "INGESTING", progress: 0.5 }) },
      },
    });
    await waitFor(() =>
      expect(within(row).getByTestId("task-status")).toHaveTextContent("Ingesting"),
    );
    expect(within(row).getByRole("progressbar", { name: /Ingestion progress/ })).toHaveAttribute(
      "aria-valuenow",
      "50",
    );

    subscriptions.simulateResult(
      {
        result: {
          data: {
            taskUpdates: taskDetail({
              id: "t-9",
              status: "SUCCEEDED",
              progress: 1,
              rowsTotal: 40,
              rowsIngested: 40,
            }),
          },
        },
      },
      true,
    );
    await waitFor(() =>
      expect(within(row).getByTestId("task-status")).toHaveTextContent("Succeeded"),
    );
    expect(within(row).getByRole("link", { name: "Open dashboard" })).toHaveAttribute(
      "href",
      "/datasets/sales",
    );
  });

  it("cancels a file while it is being sent", async () => {
    const { user, xhr } = await uploadOneFile();
    xhr.progress(100, 1000);

    await user.click(await screen.findByRole("button", { name: "Cancel sales.csv" }));
    expect(xhr.aborted).toBe(true);
    expect(await screen.findByText("Upload cancelled before it finished.")).toBeInTheDocument();
    expect(screen.getByTestId("upload-row")).toHaveAttribute("data-phase", "cancelled");
  });

  it("shows why the server rejected a file", async () => {
    const { xhr } = await uploadOneFile();
    xhr.respond({
      data: {
        uploadFile: {
          __typename: "UploadRejected",
          code: "EMPTY_FILE",
          message:
            "sales.csv is empty: there is nothing to ingest. Check that you chose the right file.",
          rejectedFilename: "sales.csv",
        },
      },
    });
    expect(await screen.findByRole("alert")).toHaveTextContent("Empty file: sales.csv is empty");
  });

  it("sends several files two at a time, each with its own row", async () => {
    network();
    renderApp("/", { http: makeHttpLink() });
    const user = userEvent.setup();
    const files = ["a.csv", "b.csv", "c.xlsx"].map((name) => new File(["x,y\n1,2\n"], name));
    await user.upload(screen.getByTestId("file-input"), files);
    expect(screen.getByRole("textbox", { name: "Sheet (XLSX)" })).toBeInTheDocument();
    await user.type(screen.getByRole("combobox", { name: /Dataset name/ }), "sales");
    await screen.findByText("Creates a new dataset “sales”.");
    await user.click(screen.getByRole("button", { name: "Upload 3 files" }));

    await waitFor(() => expect(FakeXHR.sent).toHaveLength(2));
    const rows = screen.getAllByTestId("upload-row");
    expect(rows.map((row) => row.getAttribute("data-phase"))).toEqual([
      "sending",
      "sending",
      "waiting",
    ]);
    const names = FakeXHR.sent.map((xhr) => (xhr.form().get("1") as File).name);
    expect(names).toEqual(["a.csv", "b.csv"]);

    FakeXHR.sent[0].respond({
      data: {
        uploadFile: {
          __typename: "UploadRejected",
          code: "EMPTY",
          message: "a.csv: no rows.",
          rejectedFilename: "a.csv",
        },
      },
    });
    await waitFor(() => expect(FakeXHR.sent).toHaveLength(3));
    expect((FakeXHR.sent[2].form().get("1") as File).name).toBe("c.xlsx");
  });
});
