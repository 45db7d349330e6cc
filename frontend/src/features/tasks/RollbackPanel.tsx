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
import { describeError } from "../../components/errors";
import type { TaskSummaryFragment } from "../../gql/types";
import { useRollbackUpload } from "../../operations/rollbackUpload";

/** One click (and a confirmation) takes a succeeded upload's rows out of its dataset again;
 * the rollback is a task of its own, shown live on its page. */
export function RollbackPanel({ task }: { task: TaskSummaryFragment }) {
  const [rollbackUpload, { loading }] = useRollbackUpload();
  const [asking, setAsking] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
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
    setProblem(null);
    try {
      const result = await rollbackUpload({ variables: { taskId: task.id } });
      const outcome = result.data?.rollbackUpload;
      if (!outcome) setProblem("The server did not answer the rollback.");
      else if (outcome.__typename === "TaskActionRejected") setProblem(outcome.message);
      else navigate(`/tasks/${outcome.id}`);
    } catch (caught) {
      setProblem(describeError(caught));
    }
  };

  return (
    <>
      <Button
        variant="outlined"
        color="warning"
        onClick={() => setAsking(true)}
        disabled={loading}
        data-testid="rollback"
      >
        {loading ? "Rolling back…" : "Roll back this upload"}
      </Button>
      {problem && (
        <Alert severity="warning" role="alert" data-testid="rollback-problem">
          Cannot roll back: {problem}
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
