import { useMutation } from "@apollo/client/react";
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useReducer,
  useRef,
  type ReactNode,
} from "react";
import { describeError, isAbort } from "../../components/errors";
import type { ErrorCode, IngestOptions } from "../../gql/types";
import { CANCEL_TASK } from "../../operations/cancelTask";
import { RESUMABLE_FROM_BYTES, useResumableUpload } from "../../operations/resumableUpload";
import { useUploadFile } from "../../operations/uploadFile";

/**
 * The files being sent and the tasks they became. Lives above the router so an
 * upload keeps going while the person looks at other pages.
 */
export type UploadPhase = "waiting" | "sending" | "submitted" | "rejected" | "failed" | "cancelled";

export type UploadItem = {
  key: string;
  seq: number;
  file: File;
  datasource: string;
  options: IngestOptions;
  phase: UploadPhase;
  loaded: number;
  total: number;
  taskId?: string;
  message?: string;
  code?: ErrorCode; // why it was rejected, or why cancelling its task was refused
};

type Action =
  | { type: "add"; items: UploadItem[] }
  | { type: "update"; key: string; patch: Partial<UploadItem> }
  | { type: "remove"; key: string };

function reducer(items: UploadItem[], action: Action): UploadItem[] {
  switch (action.type) {
    case "add":
      return [...action.items, ...items];
    case "update":
      return items.map((item) => (item.key === action.key ? { ...item, ...action.patch } : item));
    case "remove":
      return items.filter((item) => item.key !== action.key);
  }
}

type Uploads = {
  items: UploadItem[];
  start: (files: File[], datasource: string, options: IngestOptions) => void;
  cancel: (key: string) => Promise<void>;
  dismiss: (key: string) => void;
};

const UploadsContext = createContext<Uploads | null>(null);

/** From this size on, a file is sent as a resumable upload session (overridable for tests). */
function resumableFromBytes(): number {
  const override = Number(window.localStorage.getItem("sluice.resumableFromBytes"));
  return override > 0 ? override : RESUMABLE_FROM_BYTES;
}

/** How many files are sent at the same time; the rest wait their turn. */
const PARALLEL_UPLOADS = 2;

let nextKey = 0;

export function UploadsProvider({ children }: { children: ReactNode }) {
  const [items, dispatch] = useReducer(reducer, []);
  const controllers = useRef(new Map<string, AbortController>());
  const uploadFile = useUploadFile();
  const resumableUpload = useResumableUpload();
  const [cancelTask] = useMutation(CANCEL_TASK);

  const send = useCallback(
    async (item: UploadItem) => {
      const controller = new AbortController();
      controllers.current.set(item.key, controller);
      const update = (patch: Partial<UploadItem>) =>
        dispatch({ type: "update", key: item.key, patch });
      update({ phase: "sending" });
      try {
        // Large files go straight to S3 in parts that are retried one by one.
        const sender = item.file.size >= resumableFromBytes() ? resumableUpload : uploadFile;
        const result = await sender(
          { file: item.file, datasource: item.datasource, options: item.options },
          {
            signal: controller.signal,
            onUploadProgress: ({ loaded, total }) => update({ loaded, total }),
          },
        );
        if (result.__typename === "IngestionTask")
          update({ phase: "submitted", taskId: result.id, loaded: item.file.size });
        else update({ phase: "rejected", code: result.code, message: result.message });
      } catch (error) {
        update(
          isAbort(error)
            ? { phase: "cancelled", message: "Upload cancelled before it finished." }
            : { phase: "failed", message: describeError(error) },
        );
      } finally {
        controllers.current.delete(item.key);
      }
    },
    [uploadFile, resumableUpload],
  );

  // Start waiting files, oldest first, while fewer than PARALLEL_UPLOADS are on the wire.
  const started = useRef(new Set<string>());
  useEffect(() => {
    const sending = items.filter((item) => item.phase === "sending").length;
    const waiting = items
      .filter((item) => item.phase === "waiting" && !started.current.has(item.key))
      .sort((a, b) => a.seq - b.seq);
    for (const item of waiting.slice(0, Math.max(0, PARALLEL_UPLOADS - sending))) {
      started.current.add(item.key);
      void send(item);
    }
  }, [items, send]);

  const start = useCallback((files: File[], datasource: string, options: IngestOptions) => {
    const added = files.map((file): UploadItem => {
      nextKey += 1;
      return {
        key: `upload-${nextKey}`,
        seq: nextKey,
        file,
        datasource,
        options,
        phase: "waiting",
        loaded: 0,
        total: file.size,
      };
    });
    dispatch({ type: "add", items: added });
  }, []);

  const cancel = useCallback(
    async (key: string) => {
      const item = items.find((candidate) => candidate.key === key);
      if (!item) return;
      if (item.phase === "waiting") {
        dispatch({
          type: "update",
          key,
          patch: { phase: "cancelled", message: "Cancelled before sending." },
        });
      } else if (item.phase === "sending") {
        controllers.current.get(key)?.abort();
      } else if (item.phase === "submitted" && item.taskId) {
        try {
          const result = await cancelTask({ variables: { id: item.taskId } });
          const outcome = result.data?.cancelTask;
          if (outcome?.__typename === "TaskActionRejected")
            dispatch({
              type: "update",
              key,
              patch: { code: outcome.code, message: `Could not cancel: ${outcome.message}` },
            });
        } catch (error) {
          dispatch({
            type: "update",
            key,
            patch: { message: `Could not cancel: ${describeError(error)}` },
          });
        }
      }
    },
    [items, cancelTask],
  );

  const dismiss = useCallback((key: string) => dispatch({ type: "remove", key }), []);

  const value = useMemo(() => ({ items, start, cancel, dismiss }), [items, start, cancel, dismiss]);
  return <UploadsContext.Provider value={value}>{children}</UploadsContext.Provider>;
}

export function useUploads(): Uploads {
  const uploads = useContext(UploadsContext);
  if (!uploads) throw new Error("useUploads must be used inside <UploadsProvider>.");
  return uploads;
}
