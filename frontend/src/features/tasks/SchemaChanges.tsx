import { Alert, AlertTitle, Stack, Typography } from "@mui/material";
import { ActionButton } from "../../components/ActionButton";
import type { TaskDetailFragment, ValidationReportFragment } from "../../gql/types";
import { RETRY_TASK } from "../../operations/retryTask";
import { useAction } from "../../operations/useAction";
import { TYPE_LABEL } from "./ValidationReport";

type Changes = NonNullable<ValidationReportFragment["schemaChanges"]>;
type Conflict = Changes["typeConflicts"][number];

/** "Ingest anyway, changing `zip` to text": what the one-click go-ahead will do. */
export function typeChangeLabel(conflicts: Conflict[]): string {
  const changes = conflicts.map((c) => `${c.column} to ${TYPE_LABEL[c.uploadType]}`);
  return `Ingest anyway, changing ${changes.join(" and ")}`;
}

/** How the upload's columns differ from the dataset's, before anything was ingested. */
export function SchemaChangesNote({ changes }: { changes: Changes }) {
  const { added, missing, typeConflicts } = changes;
  if (!added.length && !missing.length && !typeConflicts.length) return null;
  return (
    <Alert severity="info" data-testid="schema-changes">
      <AlertTitle>Columns differ from the dataset</AlertTitle>
      <Stack spacing={0.5}>
        {added.length > 0 && <Typography variant="body2">New: {added.join(", ")}</Typography>}
        {missing.length > 0 && (
          <Typography variant="body2">
            Not in this file (null in its rows; dashboards keep working): {missing.join(", ")}
          </Typography>
        )}
        {typeConflicts.map((c) => (
          <Typography key={c.column} variant="body2">
            {c.column}: {TYPE_LABEL[c.datasetType]} in the dataset, {TYPE_LABEL[c.uploadType]} here
            {c.wouldLoseValues ? " (Druid would lose values: not ingested)" : " (nothing is lost)"}
          </Typography>
        ))}
      </Stack>
    </Alert>
  );
}

/** On a task refused SCHEMA_CONFLICT: run it again, accepting the type change, in one click. */
export function TypeChangeAction({ task }: { task: TaskDetailFragment }) {
  const retry = useAction(RETRY_TASK, (data) => data.retryTask);
  const conflicts = task.profile?.schemaChanges?.typeConflicts.filter((c) => c.wouldLoseValues);
  if (task.status !== "FAILED" || task.error?.code !== "SCHEMA_CONFLICT" || !conflicts?.length)
    return null;

  return (
    <Stack spacing={1} sx={{ alignItems: "flex-start" }}>
      <ActionButton
        variant="contained"
        color="warning"
        busy={retry.loading}
        busyLabel="Starting…"
        onClick={() => void retry.run({ id: task.id, options: { allowTypeChange: true } })}
      >
        {typeChangeLabel(conflicts)}
      </ActionButton>
      {retry.problem && (
        <Typography variant="body2" role="alert">
          Could not start it: {retry.problem}
        </Typography>
      )}
    </Stack>
  );
}
