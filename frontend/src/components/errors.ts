import { gql } from "@apollo/client";
import { CombinedGraphQLErrors, ServerError, ServerParseError } from "@apollo/client/errors";
import possibleTypes from "../gql/possibleTypes";
import type { ErrorCode } from "../gql/types";

/** Any of the API's error results (UploadRejected, TaskActionRejected, TaskError, ...). */
export type UserError = { code: ErrorCode; message: string };

/** What the app reads of every expected problem, whatever result type it comes in. */
export const USER_ERROR = gql`
  fragment UserErrorFields on UserError {
    code
    message
  }
`;

const USER_ERROR_TYPES: ReadonlySet<string> = new Set(possibleTypes.possibleTypes.UserError);

/** Whether a typed result is the API's refusal (a `UserError`) rather than what was asked for. */
export function isUserError<T extends { __typename: string }>(
  result: T,
): result is Extract<T, UserError> {
  return USER_ERROR_TYPES.has(result.__typename);
}

/**
 * A short headline per code: what kind of problem this is. The API's `message` says the rest
 * (what happened, why, what to do), so the page shows headline + message and never looks
 * inside the message text.
 */
const HEADLINES: Partial<Record<ErrorCode, string>> = {
  INTERNAL_ERROR: "Sluice hit an unexpected error",
  INVALID_REQUEST: "The request was malformed",
  INVALID_DATASOURCE: "Dataset name not accepted",
  INVALID_OPTIONS: "Options not accepted",
  UNAUTHENTICATED: "Sign in needed",
  FORBIDDEN: "Not allowed",
  WRONG_PASSWORD: "Not signed in",
  NOT_A_MEMBER: "Not a member of that workspace",
  RATE_LIMITED: "Too many requests",
  COST_LIMIT: "Too much asked at once",
  NO_SUCH_USER: "No such account",
  LAST_ADMIN: "The workspace needs an admin",
  TOO_MANY_SUBSCRIPTIONS: "Too many live updates open",
  FILE_TOO_LARGE: "File too large",
  EMPTY_FILE: "Empty file",
  HEADER_ONLY: "No data rows",
  UNSUPPORTED_FORMAT: "Not a table Sluice can read",
  UNDECODABLE_TEXT: "Unreadable text",
  BLANK_COLUMN_NAME: "Column names need fixing",
  DUPLICATE_COLUMN_NAME: "Column names need fixing",
  COLUMN_NAME_TOO_LONG: "Column names need fixing",
  UNSUPPORTED_COLUMN_NAME: "Column names need fixing",
  TOO_MANY_COLUMNS: "Too many columns",
  XLSX_INVALID: "Workbook cannot be read",
  XLSX_TOO_LARGE: "Workbook too large",
  SHEET_NOT_FOUND: "Sheet not found",
  TIMESTAMP_COLUMN_NOT_FOUND: "Time column not found",
  TIMESTAMP_COLUMN_UNPARSEABLE: "Time column cannot be read",
  NO_VALID_ROWS: "No row could be ingested",
  DECOMPRESSION_LIMIT: "Unpacks to too much data",
  ARCHIVE_HAS_SEVERAL_TABLES: "Several tables in one zip",
  INVALID_JSON: "Broken JSON",
  SCHEMA_CONFLICT: "Column types do not match the dataset",
  INCOMPLETE_UPLOAD: "Upload incomplete",
  UPLOAD_ABORTED: "Upload cancelled",
  UPLOAD_NOT_FOUND: "Upload session gone",
  UPLOAD_COMPLETED: "Upload already complete",
  DUPLICATE_FILE: "Already uploaded",
  DRUID_UNAVAILABLE: "Druid is unreachable",
  DRUID_NO_CAPACITY: "Druid is busy",
  DRUID_REJECTED: "Druid refused the ingestion",
  STALLED: "The task stalled",
  ACCOUNTING_MISMATCH: "Row counts do not add up",
  RECONCILIATION_MISMATCH: "Druid's data does not match the file",
  HANDOFF_TIMEOUT: "Rows not queryable in time",
  NOT_FOUND: "Not found",
  NOT_RETRYABLE: "Cannot retry",
  NOT_ROLLBACKABLE: "Cannot roll back",
  ALREADY_ROLLED_BACK: "Already rolled back",
  ALREADY_FINISHED: "Already finished",
  NOT_CANCELLABLE: "Cannot be stopped now",
  DATASET_BUSY: "An upload into the dataset is running",
  DATASET_BEING_DELETED: "The dataset is being deleted",
  FILE_REMOVED: "The file is no longer kept",
  INVALID_CURSOR: "The list changed",
  QUARANTINE_MISSING: "Quarantined rows unavailable",
};

/** The headline for a code: a specific one, or one for its family (S3_*, DRUID_*). */
export function errorHeadline(code: ErrorCode): string {
  const specific = HEADLINES[code];
  if (specific) return specific;
  if (code.startsWith("S3_")) return "Druid could not use S3";
  if (code.startsWith("DRUID_") || code === "OUT_OF_MEMORY" || code === "TOO_MANY_PARSE_ERRORS")
    return "Druid's ingestion failed";
  return "Not done";
}

/** Codes a person fixes in the file itself; retrying the same file cannot help. */
const FIX_THE_FILE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "EMPTY_FILE",
  "HEADER_ONLY",
  "UNSUPPORTED_FORMAT",
  "UNDECODABLE_TEXT",
  "BLANK_COLUMN_NAME",
  "DUPLICATE_COLUMN_NAME",
  "COLUMN_NAME_TOO_LONG",
  "UNSUPPORTED_COLUMN_NAME",
  "TOO_MANY_COLUMNS",
  "XLSX_INVALID",
  "XLSX_TOO_LARGE",
  "SHEET_NOT_FOUND",
  "TIMESTAMP_COLUMN_NOT_FOUND",
  "TIMESTAMP_COLUMN_UNPARSEABLE",
  "NO_VALID_ROWS",
  "DECOMPRESSION_LIMIT",
  "ARCHIVE_HAS_SEVERAL_TABLES",
  "INVALID_JSON",
  "SCHEMA_CONFLICT",
  "FILE_TOO_LARGE",
  "TOO_MANY_PARSE_ERRORS",
]);

export function isFileProblem(code: ErrorCode): boolean {
  return FIX_THE_FILE.has(code);
}

type ErrorBody = {
  errors?: { message?: string; extensions?: { code?: string; incident?: string } }[];
};

/** One GraphQL error as a sentence: an unexpected one by its incident id, others by their words. */
function graphQLErrorText(error: {
  message: string;
  extensions?: Record<string, unknown>;
}): string {
  const { code, incident } = (error.extensions ?? {}) as { code?: string; incident?: string };
  if (code === "INTERNAL_ERROR")
    return `Sluice hit an unexpected error${incident ? ` (incident ${incident})` : ""}. Try again; if it keeps happening, report the incident id.`;
  return error.message;
}

/** Turns any client-side failure into a sentence that says what happened and what to do. */
export function describeError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) {
    const messages = error.errors.map((e) => graphQLErrorText(e)).filter(Boolean);
    return messages.length ? messages.join(" ") : "The server could not answer this request.";
  }
  if (ServerError.is(error)) {
    if (error.statusCode === 413) return "The file is larger than the server accepts.";
    if (error.statusCode === 400) {
      const first = parseBody(error.bodyText)?.errors?.[0];
      if (first?.message)
        return graphQLErrorText({ message: first.message, extensions: first.extensions });
    }
    if (error.statusCode >= 500)
      return `The Sluice API failed (HTTP ${error.statusCode}). Try again in a moment.`;
    return `The Sluice API refused the request (HTTP ${error.statusCode}).`;
  }
  if (ServerParseError.is(error)) return "The Sluice API sent an answer this page could not read.";
  if (error instanceof DOMException && error.name === "AbortError") return "Cancelled.";
  if (error instanceof TypeError)
    return "The Sluice API could not be reached. Check that it is running and that you are online, then try again.";
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Try again.";
}

function parseBody(text: string): ErrorBody | null {
  try {
    return JSON.parse(text) as ErrorBody;
  } catch {
    return null;
  }
}

export function isAbort(error: unknown): boolean {
  return (
    (error instanceof DOMException && error.name === "AbortError") ||
    (error instanceof Error && error.name === "AbortError")
  );
}
