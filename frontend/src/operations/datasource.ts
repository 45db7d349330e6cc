import { gql, type TypedDocumentNode } from "@apollo/client";
import { useQuery } from "@apollo/client/react";
import { DATASET_SUMMARY } from "../features/datasets/fragments";
import type { DatasourceQuery, DatasourceQueryVariables } from "../gql/types";

export const DATASOURCE: TypedDocumentNode<DatasourceQuery, DatasourceQueryVariables> = gql`
  query Datasource($name: String!) {
    datasource(name: $name) {
      ...DatasetSummary
    }
  }
  ${DATASET_SUMMARY}
`;

export function useDatasource(name: string) {
  return useQuery(DATASOURCE, {
    variables: { name },
    fetchPolicy: "cache-and-network",
    nextFetchPolicy: "cache-first",
  });
}
