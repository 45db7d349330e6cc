import { DialogContentText, Link, Typography } from "@mui/material";
import { Link as RouterLink } from "react-router";
import type { TaskSummaryFragment } from "../../gql/types";
import { ROLLBACK_UPLOAD } from "../../operations/rollbackUpload";
import { useAction } from "../../operations/useAction";
import { ConfirmedTaskAction } from "./ConfirmedTaskAction";

/** One click (and a confirmation) takes a succeeded upload's rows out of its dataset again;
 * the rollback is a task of its own, shown live on its page. An upload whose dataset was
 * deleted, or that was rolled back, links the task that undid it instead. */
export function RollbackPanel({ task }: { task: TaskSummaryFragment }) {
  const rollback = useAction(ROLLBACK_UPLOAD, (data) => data.rollbackUpload);
  if (task.kind !== "INGEST") return null;
  const undoneBy = task.datasetDeletedBy ?? (task.status === "SUCCEEDED" && task.rolledBackBy);
  if (undoneBy) {
    return (
      <Typography variant="body2" data-testid="undone-by">
        <Link component={RouterLink} to={`/tasks/${undoneBy}`}>
          {task.datasetDeletedBy ? "Its dataset was deleted" : "Rolled back"}
        </Link>
      </Typography>
    );
  }
  if (task.status !== "SUCCEEDED") return null;

  return (
    <ConfirmedTaskAction
      action={rollback}
      start={() => rollback.run({ taskId: task.id })}
      label="Roll back this upload"
      busyLabel="Rolling back…"
      title={<>Roll back “{task.filename}”?</>}
      confirmLabel="Roll back"
      failedLabel="Rollback failed"
      testId="rollback"
      color="warning"
    >
      <DialogContentText>
        The {task.rowsIngested?.toLocaleString() ?? ""} rows this upload brought are taken out of{" "}
        <strong>{task.datasource}</strong>
        {task.mode === "REPLACE" ? ", and the rows it replaced come back" : ""}. The dataset is then
        exactly as before this upload.
      </DialogContentText>
    </ConfirmedTaskAction>
  );
}
