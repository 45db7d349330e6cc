import { gql, type TypedDocumentNode } from "@apollo/client";
import { TASK_ACTION_OUTCOME } from "../features/tasks/fragments";
import type { CancelTaskMutation, CancelTaskMutationVariables } from "../gql/types";

export const CANCEL_TASK: TypedDocumentNode<CancelTaskMutation, CancelTaskMutationVariables> = gql`
  mutation CancelTask($id: ID!) {
    cancelTask(id: $id) {
      ...TaskActionOutcome
    }
  }
  ${TASK_ACTION_OUTCOME}
`;
