import { describe, expect, it, vi } from "vitest";
import { FakeXHR, installFakeNetwork } from "../test/fakeNetwork";
import { xhrFetch } from "./xhrFetch";

describe("xhrFetch", () => {
  it("uses fetch when nobody asks for upload progress", async () => {
    const { fetchMock } = installFakeNetwork({ Ping: () => ({ ok: true }) });
    const response = await xhrFetch("/graphql", {
      method: "POST",
      body: JSON.stringify({ operationName: "Ping" }),
    });
    expect(await response.json()).toEqual({ data: { ok: true } });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(FakeXHR.sent).toHaveLength(0);
  });

  it("reports bytes sent and resolves with the server's answer", async () => {
    installFakeNetwork({});
    const seen: number[] = [];
    const pending = xhrFetch("/graphql", {
      method: "POST",
      headers: { "x-test": "1" },
      body: "payload",
      onUploadProgress: ({ loaded }) => seen.push(loaded),
    });
    const xhr = FakeXHR.sent[0];
    expect(xhr.headers).toEqual({ "x-test": "1" });
    xhr.progress(3, 7);
    xhr.respond({ data: { uploadFile: null } });
    const response = await pending;
    expect(seen).toEqual([3, 7]);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ data: { uploadFile: null } });
  });

  it("aborts the request when the signal fires", async () => {
    installFakeNetwork({});
    const controller = new AbortController();
    const pending = xhrFetch("/graphql", {
      method: "POST",
      body: "x",
      signal: controller.signal,
      onUploadProgress: vi.fn(),
    });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(FakeXHR.sent[0].aborted).toBe(true);
  });

  it("fails like fetch does when the network is down", async () => {
    installFakeNetwork({});
    const pending = xhrFetch("/graphql", { method: "POST", body: "x", onUploadProgress: vi.fn() });
    FakeXHR.sent[0].onerror?.();
    await expect(pending).rejects.toBeInstanceOf(TypeError);
  });
});
