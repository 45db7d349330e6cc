import { DialogContentText, Link, Typography } from "@mui/material";
import { Link as RouterLink } from "react-router";
import type { TaskSummaryFragment } from "../../gql/types";
import { useRollbackUpload } from "../../operations/rollbackUpload";
import { ConfirmedTaskAction } from "./ConfirmedTaskAction";

/** One click (and a confirmation) takes a succeeded upload's rows out of its dataset again;
 * the rollback is a task of its own, shown live on its page. */
export function RollbackPanel({ task }: { task: TaskSummaryFragment }) {
  const [rollbackUpload] = useRollbackUpload();
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
      label="Roll back this upload"
      busyLabel="Rolling back…"
      title={<>Roll back “{task.filename}”?</>}
      confirmLabel="Roll back"
      refusal="Cannot roll back"
      testId="rollback"
      color="warning"
      run={async () =>
        (await rollbackUpload({ variables: { taskId: task.id } })).data?.rollbackUpload
      }
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
