import { DialogContentText, Stack, TextField } from "@mui/material";
import { useState } from "react";
import { formatCount } from "../../format";
import { useDeleteDataset } from "../../operations/deleteDataset";
import { ConfirmedTaskAction } from "../tasks/ConfirmedTaskAction";

/** "Delete dataset": a confirmation that names the dataset and its rows and wants the name
 * typed; the deletion is then a task of its own, followed live on its page. */
export function DeleteDatasetDialog({ name, rowCount }: { name: string; rowCount: number | null }) {
  const [deleteDataset] = useDeleteDataset();
  const [typed, setTyped] = useState("");

  return (
    <Stack spacing={1} sx={{ alignItems: "flex-start" }}>
      <ConfirmedTaskAction
        label="Delete dataset"
        busyLabel="Deleting…"
        title={<>Delete “{name}”?</>}
        confirmLabel={`Delete ${name}`}
        refusal="Cannot delete"
        testId="delete-dataset"
        color="error"
        canConfirm={typed === name}
        onClose={() => setTyped("")}
        run={async () => (await deleteDataset({ variables: { name } })).data?.deleteDataset}
      >
        <Stack spacing={2}>
          <DialogContentText>
            All {formatCount(rowCount)} rows of <strong>{name}</strong> are deleted from Druid, and
            the dataset leaves every list and dashboard at once. Its uploaded files are removed from
            storage after a grace period. The history of its uploads stays readable, and the name
            can be used again. This cannot be undone.
          </DialogContentText>
          <TextField
            autoFocus
            label={`Type “${name}” to confirm`}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            slotProps={{ htmlInput: { "data-testid": "delete-confirm-name" } }}
          />
        </Stack>
      </ConfirmedTaskAction>
    </Stack>
  );
}
