import { gql, type TypedDocumentNode } from "@apollo/client";
import { useQuery } from "@apollo/client/react";
import { TASK_SUMMARY } from "../features/tasks/fragments";
import type { TasksQuery, TasksQueryVariables } from "../gql/types";

export const TASKS: TypedDocumentNode<TasksQuery, TasksQueryVariables> = gql`
  query Tasks($status: [TaskStatus!], $datasource: String, $first: Int, $after: String) {
    tasks(status: $status, datasource: $datasource, first: $first, after: $after) {
      __typename
      ... on TaskPage {
        items {
          ...TaskSummary
        }
        nextCursor
      }
      ... on UserError {
        code
        message
      }
    }
  }
  ${TASK_SUMMARY}
`;

export const TASKS_PAGE_SIZE = 50;

export function useTasks(variables: TasksQueryVariables) {
  return useQuery(TASKS, {
    variables: { first: TASKS_PAGE_SIZE, ...variables },
    fetchPolicy: "cache-and-network",
    nextFetchPolicy: "cache-first",
  });
}
