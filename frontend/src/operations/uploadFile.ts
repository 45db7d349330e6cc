import { gql, type TypedDocumentNode } from "@apollo/client";
import { useApolloClient } from "@apollo/client/react";
import { useCallback } from "react";
import type { UploadProgress } from "../apollo/xhrFetch";
import { TASK_SUMMARY } from "../features/tasks/fragments";
import type { UploadFileMutation, UploadFileMutationVariables } from "../gql/types";

/** What an upload became: its task, or why it was not accepted (streamed or resumable). */
export const UPLOAD_OUTCOME = gql`
  fragment UploadOutcome on UploadResult {
    __typename
    ... on IngestionTask {
      ...TaskSummary
    }
    ... on UploadRejected {
      code
      message
      rejectedFilename: filename
    }
  }
  ${TASK_SUMMARY}
`;

/** One file per request, so each file has its own byte progress and can be aborted alone. */
export const UPLOAD_FILE: TypedDocumentNode<UploadFileMutation, UploadFileMutationVariables> = gql`
  mutation UploadFile($file: Upload!, $datasource: String!, $options: IngestOptions) {
    uploadFile(file: $file, datasource: $datasource, options: $options) {
      ...UploadOutcome
    }
  }
  ${UPLOAD_OUTCOME}
`;

export type UploadTransfer = {
  onUploadProgress: (progress: UploadProgress) => void;
  signal: AbortSignal;
};

/**
 * Sends one file as a GraphQL multipart request. Progress and cancellation travel in
 * the operation context to the upload link's XHR-based fetch.
 */
export function useUploadFile() {
  const client = useApolloClient();
  return useCallback(
    async (
      variables: UploadFileMutationVariables,
      { onUploadProgress, signal }: UploadTransfer,
    ) => {
      const result = await client.mutate({
        mutation: UPLOAD_FILE,
        variables,
        context: { fetchOptions: { onUploadProgress, signal } },
      });
      if (!result.data) throw new Error("The server accepted the upload but sent no result.");
      return result.data.uploadFile;
    },
    [client],
  );
}
