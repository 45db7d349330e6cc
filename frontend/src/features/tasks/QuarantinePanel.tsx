import { Alert, Button, Stack, TableCell, TableRow, Typography } from "@mui/material";
import { Link as RouterLink } from "react-router";
import { DataTable, type Column } from "../../components/DataTable";
import type { TaskQuarantineFragment, TaskSummaryFragment } from "../../gql/types";
import { formatCount } from "../../format";

const QUARANTINE_COLUMNS: Column[] = [{ label: "Row" }, { label: "Reason" }, { label: "Values" }];

/** Where the upload page starts pre-filled to upload the fixed rows of `task`. */
export function fixUploadPath(task: { id: string; datasource: string }): string {
  const query = new URLSearchParams({ datasource: task.datasource, fixesTask: task.id });
  return `/?${query.toString()}`;
}

/** The rows Sluice kept aside: why each one was refused, the whole file to download, and the
 * way back in: the downloaded file, fixed, uploaded again as this task's fix. */
export function QuarantinePanel({ task }: { task: TaskSummaryFragment & TaskQuarantineFragment }) {
  const rows = task.quarantinePreview;
  const total = task.rowsQuarantined ?? rows.length;
  return (
    <Stack spacing={1.5} data-testid="quarantine">
      <Typography variant="body2" color="text.secondary">
        {formatCount(total)} {total === 1 ? "row was" : "rows were"} not ingested. Each is kept with
        the reason, so nothing is lost: download them, fix the values and upload the file again. Its{" "}
        <code>_sluice_row</code> and <code>_sluice_reason</code> columns say which row and why;
        Sluice leaves them out when the file comes back.
        {rows.length < total && ` The first ${rows.length} are shown here.`}
      </Typography>
      <DataTable label="Quarantined rows" columns={QUARANTINE_COLUMNS}>
        {rows.map((row) => (
          <TableRow key={row.sourceRow} data-testid="quarantined-row">
            <TableCell sx={{ whiteSpace: "nowrap" }}>{formatCount(row.sourceRow)}</TableCell>
            <TableCell>{row.reason}</TableCell>
            <TableCell
              sx={{ fontFamily: "monospace", fontSize: "0.8rem", wordBreak: "break-word" }}
            >
              {row.values.map((v) => `${v.column}=${v.value}`).join(", ")}
            </TableCell>
          </TableRow>
        ))}
      </DataTable>
      <Stack direction="row" spacing={1}>
        {task.quarantineUrl?.__typename === "QuarantineLink" && (
          <Button variant="outlined" size="small" href={task.quarantineUrl.url} download>
            Download all quarantined rows (CSV)
          </Button>
        )}
        <Button variant="outlined" size="small" component={RouterLink} to={fixUploadPath(task)}>
          Upload a fixed file
        </Button>
      </Stack>
      {task.quarantineUrl?.__typename === "QuarantineUnavailable" && (
        <Alert severity="warning" data-testid="quarantine-unavailable">
          {task.quarantineUrl.message}
        </Alert>
      )}
    </Stack>
  );
}
