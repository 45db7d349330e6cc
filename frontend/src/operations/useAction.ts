import type { OperationVariables, TypedDocumentNode } from "@apollo/client";
import { useMutation } from "@apollo/client/react";
import { useState } from "react";
import { describeError, errorHeadline, isUserError, type UserError } from "../components/errors";

/**
 * A button's mutation whose answer is `Success | UserError` (retry, cancel, roll back, sign in,
 * switch workspace): `run` resolves to the success, or to null after setting `problem` to a
 * sentence for the person — the code's headline and the API's message for a refusal, or what
 * went wrong on the way.
 */
export function useAction<
  TData,
  TVariables extends OperationVariables,
  TOutcome extends { __typename: string },
>(mutation: TypedDocumentNode<TData, TVariables>, outcomeOf: (data: TData) => TOutcome) {
  const [mutateAny, { loading }] = useMutation(mutation);
  // Whether the variables are optional is decided per document; here they are always given.
  const mutate = mutateAny as (options: { variables: TVariables }) => ReturnType<typeof mutateAny>;
  const [problem, setProblem] = useState<string | null>(null);

  async function run(variables: TVariables): Promise<Exclude<TOutcome, UserError> | null> {
    setProblem(null);
    try {
      const { data } = await mutate({ variables });
      const outcome = data ? outcomeOf(data as TData) : null;
      if (!outcome) setProblem("The server sent no answer. Try again.");
      else if (isUserError(outcome))
        setProblem(`${errorHeadline(outcome.code)}. ${outcome.message}`);
      else return outcome as Exclude<TOutcome, UserError>;
    } catch (error) {
      setProblem(describeError(error));
    }
    return null;
  }

  return { run, loading, problem };
}
