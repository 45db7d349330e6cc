import { gql, type TypedDocumentNode } from "@apollo/client";
import { useMutation } from "@apollo/client/react";
import { useState } from "react";
import { describeError, errorHeadline } from "../components/errors";
import { TASK_DETAIL } from "../features/tasks/fragments";
import type { RetryOptions, RetryTaskMutation, RetryTaskMutationVariables } from "../gql/types";

export const RETRY_TASK: TypedDocumentNode<RetryTaskMutation, RetryTaskMutationVariables> = gql`
  mutation RetryTask($id: ID!, $options: RetryOptions) {
    retryTask(id: $id, options: $options) {
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

/** Run a task again (with `options`, if given) and keep why it could not be, in plain words. */
export function useRetryAction(id: string) {
  const [retryTask, { loading }] = useRetryTask();
  const [problem, setProblem] = useState<string | null>(null);
  const run = async (options?: RetryOptions) => {
    setProblem(null);
    try {
      const result = await retryTask({ variables: options ? { id, options } : { id } });
      const outcome = result.data?.retryTask;
      if (!outcome) setProblem("The server did not answer the retry.");
      else if (outcome.__typename === "TaskActionRejected")
        setProblem(`${errorHeadline(outcome.code)}. ${outcome.message}`);
    } catch (caught) {
      setProblem(describeError(caught));
    }
  };
  return { run, loading, problem };
}
