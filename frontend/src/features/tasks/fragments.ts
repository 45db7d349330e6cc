import { gql } from "@apollo/client";
import { USER_ERROR } from "../../components/errors";

/** What a task row, an upload row and the live feed show. */
export const TASK_SUMMARY = gql`
  fragment TaskSummary on IngestionTask {
    id
    status
    stage
    datasource
    filename
    sizeBytes
    mode
    progress
    rowsTotal
    rowsIngested
    rowsQuarantined
    rowsThrownAway
    rowsProcessedWithError
    rowsUnparseable
    createdAt
    updatedAt
    hasQuarantine
    kind
    targetTaskId
    rowsRemoved
    rolledBackBy
    datasetDeletedBy
    reconciliation {
      state
      summary
    }
    error {
      code
      message
      retryable
      stage
    }
  }
`;

/** The validation report: per-column profile of the uploaded file. */
export const VALIDATION_REPORT = gql`
  fragment ValidationReport on Profile {
    format
    encoding
    delimiter
    sheet
    rowsTotal
    rowsValid
    rowsQuarantined
    timestampColumn
    timestampFormat
    timeMin
    timeMax
    warnings
    schemaChanges {
      added
      missing
      typeConflicts {
        column
        datasetType
        uploadType
        wouldLoseValues
      }
    }
    columns {
      name
      type
      nullCount
      nullTokens
      distinctCount
      min
      max
      histogram {
        label
        count
      }
    }
  }
`;

/** The uploads a task is linked with: the one whose quarantined rows it fixes, and those
 * fixing its own. Not in the summary: the live feed would look them up on every update. */
export const TASK_LINKS = gql`
  fragment TaskLinks on IngestionTask {
    fixesTask {
      id
      filename
    }
    fixedBy {
      id
      filename
      status
      rowsIngested
    }
  }
`;

/** Everything the task page shows. */
export const TASK_DETAIL = gql`
  fragment TaskDetail on IngestionTask {
    ...TaskSummary
    ...TaskLinks
    druidTaskId
    events {
      status
      progress
      message
      at
    }
    profile {
      ...ValidationReport
    }
  }
  ${TASK_SUMMARY}
  ${TASK_LINKS}
  ${VALIDATION_REPORT}
`;

/** What retrying, cancelling or rolling back answers: the task as it now is, or why not. */
export const TASK_ACTION_OUTCOME = gql`
  fragment TaskActionOutcome on TaskActionResult {
    __typename
    ...TaskDetail
    ...UserErrorFields
  }
  ${TASK_DETAIL}
  ${USER_ERROR}
`;

/** The quarantined rows: read from S3, and fixed once staged, so the task page asks for them
 * in its query only, never in the live subscription (which would re-read them on every update). */
export const TASK_QUARANTINE = gql`
  fragment TaskQuarantine on IngestionTask {
    quarantineUrl {
      __typename
      ... on QuarantineLink {
        url
      }
      ... on UserError {
        code
        message
      }
    }
    quarantinePreview(limit: 10) {
      sourceRow
      reason
      values {
        column
        value
      }
    }
  }
`;
