import { ApolloClient } from "@apollo/client";
import { describe, expect, it } from "vitest";
import { makeCache } from "../apollo/cache";
import { makeHttpLink } from "../apollo/client";
import { installFakeNetwork } from "../test/fakeNetwork";
import { taskDetail } from "../test/fixtures";
import {
  PartError,
  planParts,
  sendParts,
  sendResumable,
  sessionKey,
  type PartSender,
} from "./resumableUpload";

const noWait = async () => undefined;

describe("planParts", () => {
  it("cuts the file as the session does, the last part taking the rest", () => {
    expect(planParts(25, 10, 3)).toEqual([
      { number: 1, start: 0, end: 10 },
      { number: 2, start: 10, end: 20 },
      { number: 3, start: 20, end: 25 },
    ]);
  });
});

describe("sendParts", () => {
  const file = new Blob(["a".repeat(25)]);
  const parts = planParts(25, 10, 3);

  it("sends every byte once, in parts, and reports the total", async () => {
    const received = new Map<number, number>();
    const send: PartSender = async (url, body, _signal, onProgress) => {
      received.set(Number(url), body.size);
      onProgress(body.size);
    };
    const progress: number[] = [];
    await sendParts(file, parts, async (n) => String(n), {
      signal: new AbortController().signal,
      onProgress: (b) => progress.push(b),
      send,
      wait: noWait,
    });
    expect([...received.entries()].sort()).toEqual([
      [1, 10],
      [2, 10],
      [3, 5],
    ]);
    expect(progress.at(-1)).toBe(25);
  });

  it("retries a failed part, and asks for a fresh URL after a 403", async () => {
    const calls: string[] = [];
    const refreshed: number[] = [];
    let failures = 2;
    const send: PartSender = async (url, body, _signal, onProgress) => {
      calls.push(url);
      if (url.startsWith("2") && failures > 0) {
        failures -= 1;
        throw failures === 1
          ? new TypeError("Network request failed")
          : new PartError(403, "expired");
      }
      onProgress(body.size);
    };
    const urlOf = async (n: number, refresh: boolean) => {
      if (refresh) refreshed.push(n);
      return `${n}${refresh ? "-fresh" : ""}`;
    };
    await sendParts(file, parts, urlOf, {
      signal: new AbortController().signal,
      onProgress: () => undefined,
      send,
      wait: noWait,
    });
    expect(calls.filter((url) => url.startsWith("2"))).toEqual(["2", "2", "2-fresh"]);
    expect(refreshed).toEqual([2]);
  });

  it("gives up after six attempts with the last error", async () => {
    let attempts = 0;
    const send: PartSender = async () => {
      attempts += 1;
      throw new PartError(500, "busy");
    };
    await expect(
      sendParts(file, planParts(5, 10, 1), async () => "u", {
        signal: new AbortController().signal,
        onProgress: () => undefined,
        send,
        wait: noWait,
      }),
    ).rejects.toThrow("S3 answered 500");
    expect(attempts).toBe(6);
  });

  it("stops at once when cancelled", async () => {
    const controller = new AbortController();
    let attempts = 0;
    const send: PartSender = async () => {
      attempts += 1;
      controller.abort();
      throw new DOMException("The upload was cancelled.", "AbortError");
    };
    await expect(
      sendParts(file, planParts(5, 10, 1), async () => "u", {
        signal: controller.signal,
        onProgress: () => undefined,
        send,
        wait: noWait,
      }),
    ).rejects.toThrow("cancelled");
    expect(attempts).toBe(1);
  });
});

describe("sendResumable", () => {
  const file = new File(["x".repeat(25)], "big.csv", { type: "text/csv", lastModified: 1 });
  const session = { __typename: "UploadSession", id: "s1", partSizeBytes: 10, partCount: 3 };
  const urls = [1, 2, 3].map((number) => ({ __typename: "UploadPart", number, url: `u${number}` }));
  const task = taskDetail({ id: "t1", filename: "big.csv", sizeBytes: 25 });

  it("keeps an interrupted session and sends only the missing parts next time", async () => {
    window.localStorage.clear();
    const calls: string[] = [];
    installFakeNetwork({
      StartUpload: () => (calls.push("start"), { startUpload: { ...session, parts: urls } }),
      UploadSessionState: () => (
        calls.push("state"),
        {
          uploadSession: {
            ...session,
            uploadedParts: [1, 2],
            taskId: null,
            cancelled: false,
            parts: urls,
          },
        }
      ),
      CompleteUpload: () => (calls.push("complete"), { completeUpload: task }),
      CancelUpload: () => (calls.push("cancel"), { cancelUpload: { __typename: "UploadSession" } }),
    });
    const client = new ApolloClient({ link: makeHttpLink(), cache: makeCache() });
    const transfer = () => ({
      signal: new AbortController().signal,
      onUploadProgress: () => undefined,
    });
    const sent: string[] = [];
    const failPart3: PartSender = async (url) => {
      sent.push(url);
      if (url === "u3") throw new PartError(500, "busy");
    };

    await expect(
      sendResumable(client, { file, datasource: "sales", options: {} }, transfer(), {
        send: failPart3,
        wait: noWait,
      }),
    ).rejects.toThrow("drop the same file again");
    expect(window.localStorage.getItem(sessionKey(file, "sales"))).toBe("s1");
    expect(calls).toEqual(["start"]); // not cancelled: the parts sent are kept

    sent.length = 0;
    const progress: number[] = [];
    const outcome = await sendResumable(
      client,
      { file, datasource: "sales", options: {} },
      {
        signal: new AbortController().signal,
        onUploadProgress: ({ loaded }) => progress.push(loaded),
      },
      {
        send: async (url, body, _signal, onProgress) => (sent.push(url), onProgress(body.size)),
        wait: noWait,
      },
    );
    expect(outcome.__typename).toBe("IngestionTask");
    expect(sent).toEqual(["u3"]); // parts 1 and 2 were already on S3
    expect(progress.at(-1)).toBe(25);
    expect(calls).toEqual(["start", "state", "complete"]);
    expect(window.localStorage.getItem(sessionKey(file, "sales"))).toBeNull();
  });

  it("keeps the session when the server says parts are missing, and forgets it when the upload is gone", async () => {
    window.localStorage.clear();
    const rejected = (code: string) => ({
      __typename: "UploadRejected",
      code,
      message: `because ${code}`,
      rejectedFilename: "big.csv",
    });
    let answer = rejected("INCOMPLETE_UPLOAD");
    installFakeNetwork({
      StartUpload: () => ({ startUpload: { ...session, parts: urls } }),
      UploadSessionState: () => ({
        uploadSession: {
          ...session,
          uploadedParts: [],
          taskId: null,
          cancelled: false,
          parts: urls,
        },
      }),
      CompleteUpload: () => ({ completeUpload: answer }),
    });
    const client = new ApolloClient({ link: makeHttpLink(), cache: makeCache() });
    const send = () =>
      sendResumable(
        client,
        { file, datasource: "sales", options: {} },
        { signal: new AbortController().signal, onUploadProgress: () => undefined },
        { send: async () => undefined, wait: noWait },
      );

    expect(await send()).toMatchObject({ code: "INCOMPLETE_UPLOAD" });
    expect(window.localStorage.getItem(sessionKey(file, "sales"))).toBe("s1");
    answer = rejected("UPLOAD_ABORTED");
    expect(await send()).toMatchObject({ code: "UPLOAD_ABORTED" });
    expect(window.localStorage.getItem(sessionKey(file, "sales"))).toBeNull();
  });
});
