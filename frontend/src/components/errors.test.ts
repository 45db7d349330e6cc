import { CombinedGraphQLErrors, ServerError } from "@apollo/client/errors";
import { describe, expect, it } from "vitest";
import { describeError, errorHeadline, isFileProblem, isUserError } from "./errors";

describe("describeError", () => {
  it("names an unexpected server error by its incident id, not by its text", () => {
    const error = new CombinedGraphQLErrors({
      errors: [
        {
          message: "whatever the server said",
          extensions: { code: "INTERNAL_ERROR", incident: "0123456789ab" },
        },
      ],
    });
    const text = describeError(error);
    expect(text).toContain("incident 0123456789ab");
    expect(text).not.toContain("whatever the server said");
  });

  it("shows the words of an error the server meant for people", () => {
    const error = new CombinedGraphQLErrors({
      errors: [
        { message: "There is no task 42. Check the id.", extensions: { code: "NOT_FOUND" } },
      ],
    });
    expect(describeError(error)).toBe("There is no task 42. Check the id.");
  });

  it("reads the reason out of a 400 answer with a GraphQL error body", () => {
    const body = {
      data: null,
      errors: [
        {
          message: "Bad multipart request: the 'map' field is not UTF-8 text.",
          extensions: { code: "INVALID_REQUEST" },
        },
      ],
    };
    const error = new ServerError("400", {
      response: new Response(null, { status: 400 }),
      bodyText: JSON.stringify(body),
    });
    expect(describeError(error)).toBe("Bad multipart request: the 'map' field is not UTF-8 text.");
  });
});

describe("codes", () => {
  it("give a headline per code, and one per family for the rest", () => {
    expect(errorHeadline("EMPTY_FILE")).toBe("Empty file");
    expect(errorHeadline("S3_ACCESS_DENIED")).toBe("Druid could not use S3");
    expect(errorHeadline("DRUID_TASK_DIED")).toBe("Druid's ingestion failed");
  });

  it("tell problems of the file from problems of the system", () => {
    expect(isFileProblem("DUPLICATE_COLUMN_NAME")).toBe(true);
    expect(isFileProblem("ACCOUNTING_MISMATCH")).toBe(false);
  });
});

describe("isUserError", () => {
  it("knows a refusal by the UserError interface the schema declares, not by its name", () => {
    expect(isUserError({ __typename: "TaskActionRejected" })).toBe(true);
    expect(isUserError({ __typename: "AuthRejected" })).toBe(true);
    expect(isUserError({ __typename: "IngestionTask" })).toBe(false);
    expect(isUserError({ __typename: "Me" })).toBe(false);
  });
});
