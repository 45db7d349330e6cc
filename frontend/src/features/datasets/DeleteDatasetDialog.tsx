import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Stack,
  TextField,
} from "@mui/material";
import { useState } from "react";
import { useNavigate } from "react-router";
import { describeError } from "../../components/errors";
import { formatCount } from "../../format";
import { useDeleteDataset } from "../../operations/deleteDataset";

/** "Delete dataset": a confirmation that names the dataset and its rows and wants the name
 * typed; the deletion is then a task of its own, followed live on its page. */
export function DeleteDatasetDialog({ name, rowCount }: { name: string; rowCount: number | null }) {
  const [deleteDataset, { loading }] = useDeleteDataset();
  const [asking, setAsking] = useState(false);
  const [typed, setTyped] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const navigate = useNavigate();

  const close = () => {
    setAsking(false);
    setTyped("");
  };
  const confirm = async () => {
    close();
    setProblem(null);
    try {
      const result = await deleteDataset({ variables: { name } });
      const outcome = result.data?.deleteDataset;
      if (!outcome) setProblem("The server did not answer.");
      else if (outcome.__typename === "TaskActionRejected") setProblem(outcome.message);
      else navigate(`/tasks/${outcome.id}`);
    } catch (caught) {
      setProblem(describeError(caught));
    }
  };

  return (
    <Stack spacing={1} sx={{ alignItems: "flex-start" }}>
      <Button
        variant="outlined"
        color="error"
        onClick={() => setAsking(true)}
        disabled={loading}
        data-testid="delete-dataset"
      >
        {loading ? "Deleting…" : "Delete dataset"}
      </Button>
      {problem && (
        <Alert severity="warning" role="alert" data-testid="delete-problem">
          Cannot delete: {problem}
        </Alert>
      )}
      <Dialog open={asking} onClose={close} aria-labelledby="delete-dataset-title">
        <DialogTitle id="delete-dataset-title">Delete “{name}”?</DialogTitle>
        <DialogContent>
          <Stack spacing={2}>
            <DialogContentText>
              All {formatCount(rowCount)} rows of <strong>{name}</strong> are deleted from Druid,
              and the dataset leaves every list and dashboard at once. Its uploaded files are
              removed from storage after a grace period. The history of its uploads stays readable,
              and the name can be used again. This cannot be undone.
            </DialogContentText>
            <TextField
              autoFocus
              label={`Type “${name}” to confirm`}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              slotProps={{ htmlInput: { "data-testid": "delete-confirm-name" } }}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={close}>Keep it</Button>
          <Button
            color="error"
            variant="contained"
            onClick={confirm}
            disabled={typed !== name}
            data-testid="delete-confirm"
          >
            Delete {name}
          </Button>
        </DialogActions>
      </Dialog>
    </Stack>
  );
}
