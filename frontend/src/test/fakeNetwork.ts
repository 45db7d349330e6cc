import { vi } from "vitest";

/**
 * The browser's network, faked: `fetch` answers GraphQL queries by operation name,
 * and XMLHttpRequest (what uploads use, for progress) is driven by the test.
 */
export class FakeXHR {
  static sent: FakeXHR[] = [];
  upload: {
    onprogress: ((e: Partial<ProgressEvent>) => void) | null;
    onload: (() => void) | null;
  } = {
    onprogress: null,
    onload: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  status = 0;
  statusText = "";
  responseText = "";
  responseType = "";
  withCredentials = false;
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: unknown = null;
  aborted = false;

  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
    FakeXHR.sent.push(this);
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  getAllResponseHeaders() {
    return "content-type: application/json\r\n";
  }

  /** Test side: report bytes of the body as sent. */
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }
  /** Test side: the whole body went out and the server answered with this JSON. */
  respond(json: unknown, status = 200) {
    this.upload.onload?.();
    this.status = status;
    this.responseText = JSON.stringify(json);
    this.onload?.();
  }
  form(): FormData {
    return this.body as FormData;
  }
}

type Resolver = (variables: Record<string, unknown>) => unknown;

export function installFakeNetwork(resolvers: Record<string, Resolver>) {
  FakeXHR.sent = [];
  vi.stubGlobal("XMLHttpRequest", FakeXHR);
  const fetchMock = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as {
      operationName: string;
      variables: Record<string, unknown>;
    };
    const resolve = resolvers[body.operationName];
    if (!resolve) throw new Error(`The fake network has no answer for ${body.operationName}.`);
    return new Response(JSON.stringify({ data: resolve(body.variables ?? {}) }), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  });
  vi.stubGlobal("fetch", fetchMock);
  return { fetchMock };
}
