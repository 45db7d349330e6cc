import { gql, type TypedDocumentNode } from "@apollo/client";
import { useQuery } from "@apollo/client/react";
import { TASK_DETAIL, TASK_QUARANTINE } from "../features/tasks/fragments";
import type { TaskQuery, TaskQueryVariables } from "../gql/types";

export const TASK: TypedDocumentNode<TaskQuery, TaskQueryVariables> = gql`
  query Task($id: ID!) {
    task(id: $id) {
      ...TaskDetail
      ...TaskQuarantine
    }
  }
  ${TASK_DETAIL}
  ${TASK_QUARANTINE}
`;

export function useTask(id: string) {
  return useQuery(TASK, { variables: { id } });
}
