import { gql, type TypedDocumentNode } from "@apollo/client";
import { useSubscription } from "@apollo/client/react";
import { TASK_SUMMARY } from "../features/tasks/fragments";
import type { TaskFeedSubscription, TaskSummaryFragment } from "../gql/types";

/** Every task the caller may see, as it changes. */
export const TASK_FEED: TypedDocumentNode<TaskFeedSubscription, Record<string, never>> = gql`
  subscription TaskFeed {
    taskFeed {
      ...TaskSummary
    }
  }
  ${TASK_SUMMARY}
`;

export function useTaskFeed(onTask: (task: TaskSummaryFragment) => void) {
  return useSubscription(TASK_FEED, {
    onData: ({ data }) => {
      if (data.data?.taskFeed) onTask(data.data.taskFeed);
    },
  });
}
