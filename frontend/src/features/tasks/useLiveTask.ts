import { useFragment } from "@apollo/client/react";
import type { TaskSummaryFragment } from "../../gql/types";
import { useTaskUpdates } from "../../operations/taskUpdates";
import { TASK_SUMMARY } from "./fragments";
import { isTerminal } from "./taskStatus";

/**
 * A task as the cache knows it, kept live by `taskUpdates` until it reaches a
 * terminal state (and again after a retry puts it back in the queue).
 */
export function useLiveTask(id: string | undefined): TaskSummaryFragment | null {
  const { data, complete } = useFragment({
    fragment: TASK_SUMMARY,
    fragmentName: "TaskSummary",
    from: id ? { __typename: "IngestionTask", id } : null,
  });
  const task = complete ? (data as TaskSummaryFragment) : null;
  useTaskUpdates(id, { skip: task !== null && isTerminal(task.status) });
  return task;
}
