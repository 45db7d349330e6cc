/**
 * A `fetch` for the upload link that reports request-body progress.
 *
 * `fetch` cannot observe how many bytes of a request body have been sent, and
 * apollo-upload-client uses `fetch`. When an operation's context carries
 * `fetchOptions.onUploadProgress`, this sends the request with XMLHttpRequest
 * instead and reports `xhr.upload` progress; everything else goes to `fetch`.
 */
export type UploadProgress = { loaded: number; total: number };

export type ProgressFetchInit = RequestInit & {
  onUploadProgress?: (progress: UploadProgress) => void;
};

export function xhrFetch(
  input: RequestInfo | URL,
  init: ProgressFetchInit = {},
): Promise<Response> {
  const { onUploadProgress, ...rest } = init;
  if (!onUploadProgress) return fetch(input, rest);
  return sendWithProgress(
    String(input instanceof Request ? input.url : input),
    rest,
    onUploadProgress,
  );
}

function sendWithProgress(
  url: string,
  init: RequestInit,
  onUploadProgress: (progress: UploadProgress) => void,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const signal = init.signal;
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open(init.method ?? "GET", url, true);
    xhr.withCredentials = init.credentials === "include";
    new Headers(init.headers).forEach((value, name) => xhr.setRequestHeader(name, value));
    xhr.responseType = "text";

    let total = 0;
    xhr.upload.onprogress = (event) => {
      if (!event.lengthComputable) return;
      total = event.total;
      onUploadProgress({ loaded: event.loaded, total });
    };
    xhr.upload.onload = () => {
      // Browsers may skip the last progress event; the whole body is sent here.
      if (total > 0) onUploadProgress({ loaded: total, total });
    };
    const onAbort = () => xhr.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => signal?.removeEventListener("abort", onAbort);

    xhr.onload = () => {
      cleanup();
      resolve(
        new Response(xhr.status === 204 ? null : xhr.responseText, {
          status: xhr.status,
          statusText: xhr.statusText,
          headers: parseHeaders(xhr.getAllResponseHeaders()),
        }),
      );
    };
    xhr.onerror = () => {
      cleanup();
      reject(new TypeError("Network request failed: the server could not be reached."));
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      cleanup();
      reject(abortError());
    };
    xhr.send((init.body ?? null) as XMLHttpRequestBodyInit | null);
  });
}

function abortError(): Error {
  return new DOMException("The upload was cancelled.", "AbortError");
}

function parseHeaders(raw: string): Headers {
  const headers = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const at = line.indexOf(":");
    if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return headers;
}
