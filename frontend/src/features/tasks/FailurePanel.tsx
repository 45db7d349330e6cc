import { Alert, AlertTitle, Button, Link, Stack, Typography } from "@mui/material";
import { Link as RouterLink } from "react-router";
import { errorHeadline, isFileProblem } from "../../components/errors";
import type { TaskSummaryFragment } from "../../gql/types";
import { useRetryAction } from "../../operations/retryTask";
import { STATUS_LABEL } from "./taskStatus";

/** Why the task failed, in plain words, and what the person can do about it. */
export function FailurePanel({ task }: { task: TaskSummaryFragment }) {
  const { run: retry, loading, problem: retryError } = useRetryAction(task.id);
  const error = task.error;
  if (task.status !== "FAILED") return null;

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
            onClick={() => void retry()}
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
