import { gql, type TypedDocumentNode } from "@apollo/client";
import { TASK_ACTION_OUTCOME } from "../features/tasks/fragments";
import type { RollbackUploadMutation, RollbackUploadMutationVariables } from "../gql/types";

export const ROLLBACK_UPLOAD: TypedDocumentNode<
  RollbackUploadMutation,
  RollbackUploadMutationVariables
> = gql`
  mutation RollbackUpload($taskId: ID!) {
    rollbackUpload(taskId: $taskId) {
      ...TaskActionOutcome
    }
  }
  ${TASK_ACTION_OUTCOME}
`;
