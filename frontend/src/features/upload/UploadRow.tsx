import InsertDriveFileOutlined from "@mui/icons-material/InsertDriveFileOutlined";
import { Alert, Box, Button, LinearProgress, Link, Stack, Typography } from "@mui/material";
import { useApolloClient } from "@apollo/client/react";
import { useEffect } from "react";
import { Link as RouterLink } from "react-router";
import { errorHeadline } from "../../components/errors";
import { CHECK_DATASOURCE_NAME } from "../../operations/checkDatasourceName";
import { DATASOURCES } from "../../operations/datasources";
import { formatBytes, formatPercent } from "../../format";
import { StatusChip } from "../tasks/StatusChip";
import { STATUS_DESCRIPTION, isTerminal, progressPercent } from "../tasks/taskStatus";
import { useLiveTask } from "../tasks/useLiveTask";
import type { TaskSummaryFragment } from "../../gql/types";
import type { UploadItem } from "./UploadsProvider";

/** One file: bytes sent, then the live stage of the task it became. */
export function UploadRow({
  item,
  onCancel,
  onDismiss,
}: {
  item: UploadItem;
  onCancel: () => void;
  onDismiss: () => void;
}) {
  const task = useLiveTask(item.taskId);
  return (
    <Box
      component="li"
      data-testid="upload-row"
      data-phase={item.phase}
      sx={{
        listStyle: "none",
        py: 2,
        borderBottom: 1,
        borderColor: "divider",
        "&:last-child": { borderBottom: 0 },
      }}
    >
      <Stack direction="row" spacing={1.5} sx={{ alignItems: "flex-start" }}>
        <InsertDriveFileOutlined color="action" sx={{ mt: 0.25 }} aria-hidden />
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Typography sx={{ fontWeight: 500, overflowWrap: "anywhere" }}>
            {item.file.name}
          </Typography>
          <Typography variant="body2" color="text.secondary">
            {formatBytes(item.file.size)} → {item.datasource}
            {item.options.mode === "REPLACE" ? " (replace)" : ""}
          </Typography>
          {task ? <TaskProgress task={task} /> : <BytesProgress item={item} />}
          {item.message && item.phase !== "sending" && (
            <Alert
              severity={
                item.phase === "cancelled"
                  ? "info"
                  : item.phase === "submitted"
                    ? "warning"
                    : "error"
              }
              sx={{ mt: 1 }}
              role={item.phase === "cancelled" ? "status" : "alert"}
            >
              {item.phase === "rejected" && (
                <strong>{item.code ? errorHeadline(item.code) : "Rejected"}: </strong>
              )}
              {item.message}
            </Alert>
          )}
        </Box>
        <RowAction item={item} task={task} onCancel={onCancel} onDismiss={onDismiss} />
      </Stack>
    </Box>
  );
}

function BytesProgress({ item }: { item: UploadItem }) {
  if (item.phase !== "waiting" && item.phase !== "sending") return null;
  const total = item.total || item.file.size;
  const done = item.loaded >= total && total > 0;
  const label =
    item.phase === "waiting"
      ? "Waiting to send…"
      : done
        ? "Sent. Waiting for the server to register the task…"
        : `Sending ${formatPercent(item.loaded, total)}: ${formatBytes(item.loaded)} of ${formatBytes(total)}`;
  return (
    <Box sx={{ mt: 1 }}>
      <LinearProgress
        variant={done ? "indeterminate" : "determinate"}
        value={total ? (100 * item.loaded) / total : 0}
        aria-label={`Bytes sent for ${item.file.name}`}
        data-testid="bytes-progress"
        data-loaded={item.loaded}
        data-total={total}
      />
      <Typography variant="caption" color="text.secondary" aria-live="polite">
        {label}
      </Typography>
    </Box>
  );
}

function TaskProgress({ task }: { task: TaskSummaryFragment }) {
  const client = useApolloClient();
  const succeeded = task.status === "SUCCEEDED";
  // A new dataset now exists: refresh the name check and the suggestions on this page.
  useEffect(() => {
    if (succeeded) void client.refetchQueries({ include: [DATASOURCES, CHECK_DATASOURCE_NAME] });
  }, [succeeded, client]);
  const terminal = isTerminal(task.status);
  return (
    <Box sx={{ mt: 1 }} data-testid="task-progress">
      <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: "center", flexWrap: "wrap" }}>
        <StatusChip status={task.status} />
        <Typography variant="body2" color="text.secondary" aria-live="polite">
          {task.status === "FAILED" && task.error
            ? task.error.message
            : STATUS_DESCRIPTION[task.status]}
        </Typography>
      </Stack>
      {!terminal && (
        <LinearProgress
          sx={{ mt: 1 }}
          variant="determinate"
          value={progressPercent(task.progress)}
          aria-label={`Ingestion progress for ${task.filename}`}
        />
      )}
      <Stack direction="row" spacing={2} sx={{ mt: 0.5 }}>
        <Link component={RouterLink} to={`/tasks/${task.id}`} variant="body2">
          View task
        </Link>
        {task.status === "SUCCEEDED" && (
          <Link
            component={RouterLink}
            to={`/datasets/${encodeURIComponent(task.datasource)}`}
            variant="body2"
          >
            Open dashboard
          </Link>
        )}
      </Stack>
    </Box>
  );
}

function RowAction({
  item,
  task,
  onCancel,
  onDismiss,
}: {
  item: UploadItem;
  task: TaskSummaryFragment | null;
  onCancel: () => void;
  onDismiss: () => void;
}) {
  const active =
    item.phase === "waiting" ||
    item.phase === "sending" ||
    (item.phase === "submitted" && task !== null && !isTerminal(task.status));
  return active ? (
    <Button size="small" color="inherit" onClick={onCancel} aria-label={`Cancel ${item.file.name}`}>
      Cancel
    </Button>
  ) : (
    <Button
      size="small"
      color="inherit"
      onClick={onDismiss}
      aria-label={`Remove ${item.file.name} from this list`}
    >
      Dismiss
    </Button>
  );
}
