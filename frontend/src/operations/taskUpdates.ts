import { gql, type TypedDocumentNode } from "@apollo/client";
import { useSubscription } from "@apollo/client/react";
import { TASK_DETAIL } from "../features/tasks/fragments";
import type { TaskUpdatesSubscription, TaskUpdatesSubscriptionVariables } from "../gql/types";

/** Current state first, then one item per change; the server completes it after a terminal state. */
export const TASK_UPDATES: TypedDocumentNode<
  TaskUpdatesSubscription,
  TaskUpdatesSubscriptionVariables
> = gql`
  subscription TaskUpdates($id: ID!) {
    taskUpdates(id: $id) {
      ...TaskDetail
    }
  }
  ${TASK_DETAIL}
`;

/** Follows a task live; every update lands in the cache under IngestionTask:{id}. */
export function useTaskUpdates(id: string | undefined, { skip = false }: { skip?: boolean } = {}) {
  return useSubscription(TASK_UPDATES, { variables: { id: id ?? "" }, skip: skip || !id });
}
