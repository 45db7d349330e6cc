import { gql, type TypedDocumentNode } from "@apollo/client";
import { useQuery } from "@apollo/client/react";
import type { TopNQuery, TopNQueryVariables } from "../gql/types";

export const TOP_N: TypedDocumentNode<TopNQuery, TopNQueryVariables> = gql`
  query TopN(
    $datasource: String!
    $dimension: String!
    $metric: MetricInput!
    $limit: Int
    $interval: IntervalInput
    $filters: [FilterInput!]
  ) {
    topN(
      datasource: $datasource
      dimension: $dimension
      metric: $metric
      limit: $limit
      interval: $interval
      filters: $filters
    ) {
      __typename
      ... on TopN {
        dimension
        metric
        keys
        values
      }
      ... on QueryProblem {
        message
      }
    }
  }
`;

export function useTopN(variables: TopNQueryVariables) {
  return useQuery(TOP_N, { variables });
}
