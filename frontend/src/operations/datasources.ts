import { gql, type TypedDocumentNode } from "@apollo/client";
import { useQuery } from "@apollo/client/react";
import { DATASET_SUMMARY } from "../features/datasets/fragments";
import type { DatasourcesQuery, DatasourcesQueryVariables } from "../gql/types";

export const DATASOURCES: TypedDocumentNode<DatasourcesQuery, DatasourcesQueryVariables> = gql`
  query Datasources {
    datasources {
      ...DatasetSummary
    }
  }
  ${DATASET_SUMMARY}
`;

export function useDatasources() {
  return useQuery(DATASOURCES, {
    fetchPolicy: "cache-and-network",
    nextFetchPolicy: "cache-first",
  });
}
