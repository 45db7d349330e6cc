import { gql, type TypedDocumentNode } from "@apollo/client";
import { useQuery } from "@apollo/client/react";
import type { TimeseriesQuery, TimeseriesQueryVariables } from "../gql/types";

export const TIMESERIES: TypedDocumentNode<TimeseriesQuery, TimeseriesQueryVariables> = gql`
  query Timeseries(
    $datasource: String!
    $metric: MetricInput!
    $granularity: Granularity!
    $interval: IntervalInput
    $filters: [FilterInput!]
  ) {
    timeseries(
      datasource: $datasource
      metric: $metric
      granularity: $granularity
      interval: $interval
      filters: $filters
    ) {
      __typename
      ... on TimeSeries {
        metric
        granularity
        timestamps
        values
      }
      ... on QueryProblem {
        message
      }
    }
  }
`;

export function useTimeseries(variables: TimeseriesQueryVariables) {
  return useQuery(TIMESERIES, { variables });
}
