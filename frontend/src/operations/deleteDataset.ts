import { gql, type ApolloCache, type TypedDocumentNode } from "@apollo/client";
import { TASK_ACTION_OUTCOME } from "../features/tasks/fragments";
import type { DeleteDatasetMutation, DeleteDatasetMutationVariables } from "../gql/types";

type DeleteDataset = TypedDocumentNode<DeleteDatasetMutation, DeleteDatasetMutationVariables>;

export const DELETE_DATASET: DeleteDataset = gql`
  mutation DeleteDataset($name: String!) {
    deleteDataset(name: $name) {
      ...TaskActionOutcome
    }
  }
  ${TASK_ACTION_OUTCOME}
`;

/** Deleting a dataset takes it out of every list at once: the cached lists and the dataset
 * itself are dropped, so they are fetched again when next shown. */
export function forgetDatasets(cache: ApolloCache) {
  cache.evict({ id: "ROOT_QUERY", fieldName: "datasources" });
  cache.evict({ id: "ROOT_QUERY", fieldName: "datasource" });
  cache.gc();
}
