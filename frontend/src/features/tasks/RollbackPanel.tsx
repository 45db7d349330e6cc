import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Link,
  Typography,
} from "@mui/material";
import { useState } from "react";
import { Link as RouterLink, useNavigate } from "react-router";
import { ActionButton } from "../../components/ActionButton";
import type { TaskSummaryFragment } from "../../gql/types";
import { ROLLBACK_UPLOAD } from "../../operations/rollbackUpload";
import { useAction } from "../../operations/useAction";

/** One click (and a confirmation) takes a succeeded upload's rows out of its dataset again;
 * the rollback is a task of its own, shown live on its page. */
export function RollbackPanel({ task }: { task: TaskSummaryFragment }) {
  const rollback = useAction(ROLLBACK_UPLOAD, (data) => data.rollbackUpload);
  const [asking, setAsking] = useState(false);
  const navigate = useNavigate();
  if (task.status !== "SUCCEEDED" || task.kind !== "INGEST") return null;
  if (task.rolledBackBy) {
    return (
      <Typography variant="body2">
        <Link component={RouterLink} to={`/tasks/${task.rolledBackBy}`}>
          Rolled back
        </Link>
      </Typography>
    );
  }

  const rollBack = async () => {
    setAsking(false);
    const rollbackTask = await rollback.run({ taskId: task.id });
    if (rollbackTask) navigate(`/tasks/${rollbackTask.id}`);
  };

  return (
    <>
      <ActionButton
        busy={rollback.loading}
        busyLabel="Rolling back…"
        color="warning"
        onClick={() => setAsking(true)}
        data-testid="rollback"
      >
        Roll back this upload
      </ActionButton>
      {rollback.problem && (
        <Alert severity="warning" role="alert" data-testid="rollback-problem">
          Rollback failed: {rollback.problem}
        </Alert>
      )}
      <Dialog open={asking} onClose={() => setAsking(false)}>
        <DialogTitle>Roll back “{task.filename}”?</DialogTitle>
        <DialogContent>
          <DialogContentText>
            The {task.rowsIngested?.toLocaleString() ?? ""} rows this upload brought are taken out
            of <strong>{task.datasource}</strong>
            {task.mode === "REPLACE" ? ", and the rows it replaced come back" : ""}. The dataset is
            then exactly as before this upload.
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setAsking(false)}>Keep it</Button>
          <Button color="warning" variant="contained" onClick={rollBack}>
            Roll back
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
