import { Alert, AlertTitle, Link, Stack, Typography } from "@mui/material";
import { Link as RouterLink } from "react-router";
import { ActionButton } from "../../components/ActionButton";
import { errorHeadline, isFileProblem } from "../../components/errors";
import type { TaskSummaryFragment } from "../../gql/types";
import { RETRY_TASK } from "../../operations/retryTask";
import { useAction } from "../../operations/useAction";
import { STATUS_LABEL } from "./taskStatus";

/** Why the task failed, in plain words, and what the person can do about it. */
export function FailurePanel({ task }: { task: TaskSummaryFragment }) {
  const retry = useAction(RETRY_TASK, (data) => data.retryTask);
  const error = task.error;
  if (task.status !== "FAILED") return null;

  return (
    <Alert
      severity="error"
      data-testid="failure"
      action={
        error?.retryable !== false ? (
          <ActionButton
            busy={retry.loading}
            busyLabel="Retrying…"
            size="small"
            onClick={() => void retry.run({ id: task.id })}
          >
            Retry
          </ActionButton>
        ) : undefined
      }
    >
      <AlertTitle>
        {error ? errorHeadline(error.code) : "Failed"}
        {error?.stage ? ` (while ${STATUS_LABEL[error.stage].toLowerCase()})` : ""}
      </AlertTitle>
      <Stack spacing={1}>
        <Typography data-testid="failure-message">
          {error?.message ?? "The task failed without a recorded reason."}
        </Typography>
        {error && (
          <Typography variant="caption" component="p">
            Error code: <code>{error.code}</code>
          </Typography>
        )}
        {error && !error.retryable && isFileProblem(error.code) && (
          <Typography variant="body2">
            Retrying will not help here: fix the file, then{" "}
            <Link component={RouterLink} to="/" color="inherit">
              upload it again
            </Link>
            .
          </Typography>
        )}
        {retry.problem && (
          <Typography variant="body2" role="alert">
            Retry failed: {retry.problem}
          </Typography>
        )}
      </Stack>
    </Alert>
  );
}
