import type { TaskStatus } from "../../gql/types";

/** The happy path, in order; FAILED and CANCELLED can follow any non-terminal state. */
export const PIPELINE: readonly TaskStatus[] = [
  "QUEUED",
  "VALIDATING",
  "STAGING",
  "SUBMITTING",
  "INGESTING",
  "PUBLISHING",
  "SUCCEEDED",
];

export const ALL_STATUSES: readonly TaskStatus[] = [...PIPELINE, "FAILED", "CANCELLED"];

const TERMINAL = new Set<TaskStatus>(["SUCCEEDED", "FAILED", "CANCELLED"]);

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL.has(status);
}

export const STATUS_LABEL: Record<TaskStatus, string> = {
  QUEUED: "Queued",
  VALIDATING: "Validating",
  STAGING: "Staging",
  SUBMITTING: "Submitting",
  INGESTING: "Ingesting",
  PUBLISHING: "Publishing",
  SUCCEEDED: "Succeeded",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};

/** What each stage does, in the words a person would use. */
export const STATUS_DESCRIPTION: Record<TaskStatus, string> = {
  QUEUED: "Waiting for a worker",
  VALIDATING: "Checking and profiling the file",
  STAGING: "Writing validated data for Druid",
  SUBMITTING: "Sending the ingestion task to Druid",
  INGESTING: "Druid is loading the rows",
  PUBLISHING: "Waiting until the data is queryable",
  SUCCEEDED: "The data is live and queryable",
  FAILED: "The task stopped with an error",
  CANCELLED: "The task was cancelled",
};

export type StatusColor = "default" | "primary" | "success" | "error" | "warning" | "info";

export function statusColor(status: TaskStatus): StatusColor {
  if (status === "SUCCEEDED") return "success";
  if (status === "FAILED") return "error";
  if (status === "CANCELLED") return "default";
  if (status === "QUEUED") return "default";
  return "info";
}

/** Task progress in percent (the API reports a fraction from 0 to 1). */
export function progressPercent(progress: number): number {
  return Math.round(Math.min(1, Math.max(0, progress)) * 100);
}
