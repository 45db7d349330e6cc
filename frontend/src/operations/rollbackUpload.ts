import { gql, type TypedDocumentNode } from "@apollo/client";
import { useMutation } from "@apollo/client/react";
import { TASK_DETAIL } from "../features/tasks/fragments";
import type { RollbackUploadMutation, RollbackUploadMutationVariables } from "../gql/types";

export const ROLLBACK_UPLOAD: TypedDocumentNode<
  RollbackUploadMutation,
  RollbackUploadMutationVariables
> = gql`
  mutation RollbackUpload($taskId: ID!) {
    rollbackUpload(taskId: $taskId) {
      __typename
      ... on IngestionTask {
        ...TaskDetail
      }
      ... on TaskActionRejected {
        code
        message
      }
    }
  }
  ${TASK_DETAIL}
`;

export function useRollbackUpload() {
  return useMutation(ROLLBACK_UPLOAD);
}
