import { useApolloClient } from "@apollo/client/react";
import { DialogContentText, Stack, TextField } from "@mui/material";
import { useState } from "react";
import { formatCount } from "../../format";
import { DELETE_DATASET, forgetDatasets } from "../../operations/deleteDataset";
import { useAction } from "../../operations/useAction";
import { ConfirmedTaskAction } from "../tasks/ConfirmedTaskAction";

/** "Delete dataset": a confirmation that names the dataset and its rows and wants the name
 * typed; the deletion is then a task of its own, followed live on its page. */
export function DeleteDatasetDialog({ name, rowCount }: { name: string; rowCount: number | null }) {
  const deletion = useAction(DELETE_DATASET, (data) => data.deleteDataset);
  const { cache } = useApolloClient();
  const start = async () => {
    const task = await deletion.run({ name });
    if (task) forgetDatasets(cache);
    return task;
  };
  const [typed, setTyped] = useState("");

  return (
    <Stack spacing={1} sx={{ alignItems: "flex-start" }}>
      <ConfirmedTaskAction
        action={deletion}
        start={start}
        label="Delete dataset"
        busyLabel="Deleting…"
        title={<>Delete “{name}”?</>}
        confirmLabel={`Delete ${name}`}
        failedLabel="Deletion refused"
        testId="delete-dataset"
        color="error"
        canConfirm={typed === name}
        onClose={() => setTyped("")}
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
