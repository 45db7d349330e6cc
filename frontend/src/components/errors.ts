import { CombinedGraphQLErrors, ServerError, ServerParseError } from "@apollo/client/errors";

/** Turns any client-side failure into a sentence that says what happened and what to do. */
export function describeError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) {
    const messages = error.errors.map((e) => e.message).filter(Boolean);
    return messages.length ? messages.join(" ") : "The server could not answer this request.";
  }
  if (ServerError.is(error)) {
    if (error.statusCode === 413) return "The file is larger than the server accepts.";
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

export function isAbort(error: unknown): boolean {
  return (
    (error instanceof DOMException && error.name === "AbortError") ||
    (error instanceof Error && error.name === "AbortError")
  );
}
