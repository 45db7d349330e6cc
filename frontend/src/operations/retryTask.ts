import { gql, type TypedDocumentNode } from "@apollo/client";
import { TASK_ACTION_OUTCOME } from "../features/tasks/fragments";
import type { RetryTaskMutation, RetryTaskMutationVariables } from "../gql/types";

export const RETRY_TASK: TypedDocumentNode<RetryTaskMutation, RetryTaskMutationVariables> = gql`
  mutation RetryTask($id: ID!, $options: RetryOptions) {
    retryTask(id: $id, options: $options) {
      ...TaskActionOutcome
    }
  }
  ${TASK_ACTION_OUTCOME}
`;
