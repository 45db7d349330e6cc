import { gql, type TypedDocumentNode } from "@apollo/client";
import { useMutation } from "@apollo/client/react";
import { TASK_SUMMARY } from "../features/tasks/fragments";
import type { CancelTaskMutation, CancelTaskMutationVariables } from "../gql/types";

export const CANCEL_TASK: TypedDocumentNode<CancelTaskMutation, CancelTaskMutationVariables> = gql`
  mutation CancelTask($id: ID!) {
    cancelTask(id: $id) {
      __typename
      ... on IngestionTask {
        ...TaskSummary
      }
      ... on TaskActionRejected {
        code
        message
      }
    }
  }
  ${TASK_SUMMARY}
`;

export function useCancelTask() {
  return useMutation(CANCEL_TASK);
}
