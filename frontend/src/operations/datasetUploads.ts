import { gql, type TypedDocumentNode } from "@apollo/client";
import { useQuery } from "@apollo/client/react";
import { TASK_LINKS, TASK_SUMMARY } from "../features/tasks/fragments";
import type { DatasetUploadsQuery, DatasetUploadsQueryVariables } from "../gql/types";

export const DATASET_UPLOADS: TypedDocumentNode<DatasetUploadsQuery, DatasetUploadsQueryVariables> =
  gql`
    query DatasetUploads($name: String!, $first: Int!, $after: String) {
      datasource(name: $name) {
        name
        uploads(first: $first, after: $after) {
          items {
            ...TaskSummary
            ...TaskLinks
          }
          nextCursor
        }
      }
    }
    ${TASK_SUMMARY}
    ${TASK_LINKS}
  `;

export function useDatasetUploads(name: string, after: string | null, first = 20) {
  return useQuery(DATASET_UPLOADS, {
    variables: { name, first, after },
    fetchPolicy: "cache-and-network",
  });
}
