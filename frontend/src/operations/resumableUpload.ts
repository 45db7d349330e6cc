import { gql, type ApolloClient, type TypedDocumentNode } from "@apollo/client";
import { useApolloClient } from "@apollo/client/react";
import { useCallback } from "react";
import { xhrFetch, type UploadProgress } from "../apollo/xhrFetch";
import type {
  CancelUploadMutation,
  CancelUploadMutationVariables,
  CompleteUploadMutation,
  CompleteUploadMutationVariables,
  IngestOptions,
  StartUploadMutation,
  StartUploadMutationVariables,
  UploadSessionPartsQuery,
  UploadSessionPartsQueryVariables,
  UploadSessionStateQuery,
  UploadSessionStateQueryVariables,
} from "../gql/types";
import { UPLOAD_OUTCOME, type UploadTransfer } from "./uploadFile";

/**
 * Large files go straight to S3 in parts (a resumable upload session): a dropped
 * connection costs one part, not the whole file, and the API never carries the bytes.
 */
export const RESUMABLE_FROM_BYTES = 64 * 1024 * 1024;
const PARTS_IN_FLIGHT = 3;
const PART_ATTEMPTS = 6; // waits 1, 2, 4, 8, 16 s between them

export const START_UPLOAD: TypedDocumentNode<StartUploadMutation, StartUploadMutationVariables> =
  gql`
    mutation StartUpload(
      $filename: String!
      $sizeBytes: Float!
      $datasource: String!
      $options: IngestOptions
      $contentType: String
    ) {
      startUpload(
        filename: $filename
        sizeBytes: $sizeBytes
        datasource: $datasource
        options: $options
        contentType: $contentType
      ) {
        __typename
        ... on UploadSession {
          id
          partSizeBytes
          partCount
          parts(count: 1000) {
            number
            url
          }
        }
        ... on UploadRejected {
          code
          message
          rejectedFilename: filename
        }
      }
    }
  `;

export const UPLOAD_SESSION_PARTS: TypedDocumentNode<
  UploadSessionPartsQuery,
  UploadSessionPartsQueryVariables
> = gql`
  query UploadSessionParts($id: ID!, $first: Int!) {
    uploadSession(id: $id) {
      id
      parts(first: $first, count: 1000) {
        number
        url
      }
    }
  }
`;

export const UPLOAD_SESSION_STATE: TypedDocumentNode<
  UploadSessionStateQuery,
  UploadSessionStateQueryVariables
> = gql`
  query UploadSessionState($id: ID!) {
    uploadSession(id: $id) {
      id
      partSizeBytes
      partCount
      uploadedParts
      taskId
      cancelled
      parts(count: 1000) {
        number
        url
      }
    }
  }
`;

export const COMPLETE_UPLOAD: TypedDocumentNode<
  CompleteUploadMutation,
  CompleteUploadMutationVariables
> = gql`
  mutation CompleteUpload($id: ID!) {
    completeUpload(id: $id) {
      ...UploadOutcome
    }
  }
  ${UPLOAD_OUTCOME}
`;

export const CANCEL_UPLOAD: TypedDocumentNode<CancelUploadMutation, CancelUploadMutationVariables> =
  gql`
    mutation CancelUpload($id: ID!) {
      cancelUpload(id: $id) {
        __typename
        ... on UploadRejected {
          code
        }
      }
    }
  `;

export type UploadOutcome = CompleteUploadMutation["completeUpload"];

/** Sends one part; resolves when S3 has it, rejects with the reason otherwise. */
export type PartSender = (
  url: string,
  body: Blob,
  signal: AbortSignal,
  onProgress: (loaded: number) => void,
) => Promise<void>;

export const putPart: PartSender = async (url, body, signal, onProgress) => {
  const response = await xhrFetch(url, {
    method: "PUT",
    body,
    signal,
    onUploadProgress: ({ loaded }: UploadProgress) => onProgress(loaded),
  });
  if (!response.ok) throw new PartError(response.status, (await response.text()).slice(0, 300));
};

export class PartError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`S3 answered ${status} for a part: ${detail}`);
  }
}

export type PartPlan = { number: number; start: number; end: number };

/** The byte ranges of the parts of a file, as the session cut it. */
export function planParts(size: number, partSize: number, partCount: number): PartPlan[] {
  return Array.from({ length: partCount }, (_, i) => ({
    number: i + 1,
    start: i * partSize,
    end: Math.min(size, (i + 1) * partSize),
  }));
}

/**
 * Sends every part, `PARTS_IN_FLIGHT` at a time, each retried with growing waits;
 * `urlOf` gives a part's (possibly refreshed) URL. Progress is the bytes S3 has taken.
 */
export async function sendParts(
  file: Blob,
  parts: PartPlan[],
  urlOf: (number: number, refresh: boolean) => Promise<string>,
  {
    signal,
    onProgress,
    send = putPart,
    wait = sleep,
  }: {
    signal: AbortSignal;
    onProgress: (loaded: number) => void;
    send?: PartSender;
    wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  },
): Promise<void> {
  const loaded = new Map<number, number>();
  const report = () => onProgress([...loaded.values()].reduce((a, b) => a + b, 0));
  const queue = [...parts];
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const current = part;
      let refresh = false;
      for (let attempt = 1; ; attempt += 1) {
        try {
          const url = await urlOf(current.number, refresh);
          await send(url, file.slice(current.start, current.end), signal, (bytes) => {
            loaded.set(current.number, bytes);
            report();
          });
          loaded.set(current.number, current.end - current.start);
          report();
          break;
        } catch (error) {
          if (signal.aborted || attempt >= PART_ATTEMPTS) throw error;
          // A 403 usually means the presigned URL expired: ask for a fresh one.
          refresh = error instanceof PartError && error.status === 403;
          loaded.set(current.number, 0);
          report();
          await wait(1000 * 2 ** (attempt - 1), signal);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, parts.length) }, worker));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(new DOMException("The upload was cancelled.", "AbortError"));
      },
      { once: true },
    );
  });
}

type Variables = { file: File; datasource: string; options: IngestOptions };

/** Where an unfinished session of this file (same name, size, date and dataset) is kept. */
export function sessionKey(file: File, datasource: string): string {
  return `sluice.uploadSession:${datasource}:${file.name}:${file.size}:${file.lastModified}`;
}

type Resumed = {
  id: string;
  partSizeBytes: number;
  partCount: number;
  done: Set<number>;
  urls: Map<number, string>;
};

/** The session a previous attempt left for this file, if S3 still holds it, with its parts. */
async function resumedSession(client: ApolloClient, key: string): Promise<Resumed | null> {
  const id = window.localStorage.getItem(key);
  if (!id) return null;
  const found = await client
    .query({ query: UPLOAD_SESSION_STATE, variables: { id }, fetchPolicy: "network-only" })
    .catch(() => null);
  const session = found?.data?.uploadSession;
  if (!session || session.cancelled || session.taskId) {
    window.localStorage.removeItem(key);
    return null;
  }
  return {
    id,
    partSizeBytes: session.partSizeBytes,
    partCount: session.partCount,
    done: new Set(session.uploadedParts),
    urls: new Map(session.parts.map((part) => [part.number, part.url])),
  };
}

type PartTransport = {
  send?: PartSender;
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
};

export async function sendResumable(
  client: ApolloClient,
  { file, datasource, options }: Variables,
  { onUploadProgress, signal }: UploadTransfer,
  transport: PartTransport = {},
): Promise<UploadOutcome> {
  const key = sessionKey(file, datasource);
  let session = await resumedSession(client, key);
  if (!session) {
    const started = await client.mutate({
      mutation: START_UPLOAD,
      variables: {
        filename: file.name,
        sizeBytes: file.size,
        datasource,
        options,
        contentType: file.type || null,
      },
    });
    const outcome = started.data?.startUpload;
    if (!outcome) throw new Error("The server started the upload but sent no session.");
    if (outcome.__typename === "UploadRejected") return outcome;
    session = {
      ...outcome,
      done: new Set(),
      urls: new Map(outcome.parts.map((part) => [part.number, part.url])),
    };
    window.localStorage.setItem(key, session.id);
  }
  const { id, urls, done } = session;
  const urlOf = async (number: number, refresh: boolean) => {
    if (refresh || !urls.has(number)) {
      const fresh = await client.query({
        query: UPLOAD_SESSION_PARTS,
        variables: { id, first: number },
        fetchPolicy: "network-only",
      });
      for (const part of fresh.data?.uploadSession?.parts ?? []) urls.set(part.number, part.url);
    }
    const url = urls.get(number);
    if (!url) throw new Error(`The server gave no address for part ${number}.`);
    return url;
  };
  const parts = planParts(file.size, session.partSizeBytes, session.partCount);
  const already = parts
    .filter((part) => done.has(part.number))
    .reduce((sum, part) => sum + part.end - part.start, 0);
  try {
    await sendParts(
      file,
      parts.filter((part) => !done.has(part.number)),
      urlOf,
      {
        signal,
        onProgress: (loaded) => onUploadProgress({ loaded: already + loaded, total: file.size }),
        ...transport,
      },
    );
  } catch (error) {
    if (signal.aborted) {
      // Cancelled: free the parts S3 holds.
      window.localStorage.removeItem(key);
      await client.mutate({ mutation: CANCEL_UPLOAD, variables: { id } }).catch(() => undefined);
      throw error;
    }
    // Interrupted: the parts sent so far stay; the same file dropped again continues from there.
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}. The parts already sent are kept: drop the same file again to continue where it stopped.`,
      { cause: error },
    );
  }
  const completed = await client.mutate({ mutation: COMPLETE_UPLOAD, variables: { id } });
  if (!completed.data) throw new Error("The server took the parts but sent no result.");
  const outcome = completed.data.completeUpload;
  // Parts missing: the session stays, so dropping the file again sends only those.
  if (outcome.__typename !== "UploadRejected" || outcome.code !== "INCOMPLETE_UPLOAD")
    window.localStorage.removeItem(key);
  return outcome;
}

/** A resumable upload session for one file: start, send the parts, complete. */
export function useResumableUpload() {
  const client = useApolloClient();
  return useCallback(
    (variables: Variables, transfer: UploadTransfer) => sendResumable(client, variables, transfer),
    [client],
  );
}
