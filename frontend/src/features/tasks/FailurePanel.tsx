import { Alert, AlertTitle, Button, Link, Stack, Typography } from "@mui/material";
import { useState } from "react";
import { Link as RouterLink } from "react-router";
import { describeError, errorHeadline, isFileProblem } from "../../components/errors";
import type { TaskSummaryFragment } from "../../gql/types";
import { useRetryTask } from "../../operations/retryTask";
import { STATUS_LABEL } from "./taskStatus";

/** Why the task failed, in plain words, and what the person can do about it. */
export function FailurePanel({ task }: { task: TaskSummaryFragment }) {
  const [retryTask, { loading }] = useRetryTask();
  const [retryError, setRetryError] = useState<string | null>(null);
  const error = task.error;
  if (task.status !== "FAILED") return null;

  const retry = async () => {
    setRetryError(null);
    try {
      const result = await retryTask({ variables: { id: task.id } });
      const outcome = result.data?.retryTask;
      if (!outcome) setRetryError("The server did not answer the retry.");
      else if (outcome.__typename === "TaskActionRejected")
        setRetryError(`${errorHeadline(outcome.code)}. ${outcome.message}`);
    } catch (caught) {
      setRetryError(describeError(caught));
    }
  };

  return (
    <Alert
      severity="error"
      data-testid="failure"
      action={
        error?.retryable !== false ? (
          <Button
            color="inherit"
            variant="outlined"
            size="small"
            onClick={retry}
            disabled={loading}
          >
            {loading ? "Retrying…" : "Retry"}
          </Button>
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
        {retryError && (
          <Typography variant="body2" role="alert">
            Retry failed: {retryError}
          </Typography>
        )}
      </Stack>
    </Alert>
  );
}
