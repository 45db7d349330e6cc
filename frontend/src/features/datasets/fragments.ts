import { gql } from "@apollo/client";

/** A dataset as the catalog and the dashboard header show it. */
export const DATASET_SUMMARY = gql`
  fragment DatasetSummary on Dataset {
    name
    rowCount
    sizeBytes
    timeMin
    timeMax
    lastIngestedAt
    lastTaskId
    hasTimeColumn
    tracked
    columns {
      name
      type
    }
  }
`;
