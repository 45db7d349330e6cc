import { gql, type TypedDocumentNode } from "@apollo/client";
import { useMutation } from "@apollo/client/react";
import { TASK_DETAIL } from "../features/tasks/fragments";
import type { RetryTaskMutation, RetryTaskMutationVariables } from "../gql/types";

export const RETRY_TASK: TypedDocumentNode<RetryTaskMutation, RetryTaskMutationVariables> = gql`
  mutation RetryTask($id: ID!) {
    retryTask(id: $id) {
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

export function useRetryTask() {
  return useMutation(RETRY_TASK);
}
