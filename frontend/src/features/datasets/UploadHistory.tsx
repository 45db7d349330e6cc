import { Button, Link, Stack, TableCell, TableRow, Typography } from "@mui/material";
import { useState } from "react";
import { Link as RouterLink } from "react-router";
import { DataTable, type Column } from "../../components/DataTable";
import { formatCount, formatDateTime } from "../../format";
import type { DatasetUploadsQuery } from "../../gql/types";
import { useDatasetUploads } from "../../operations/datasetUploads";
import { RollbackPanel } from "../tasks/RollbackPanel";
import { StatusChip } from "../tasks/StatusChip";

type Upload = NonNullable<DatasetUploadsQuery["datasource"]>["uploads"]["items"][number];

const UPLOAD_COLUMNS: Column[] = [
  { label: "When" },
  { label: "File" },
  { label: "Mode" },
  { label: "Status" },
  { label: "Rows", align: "right" },
  { label: "Quarantined" },
  { label: "Actions" },
];

/** The dataset's accounting of set-aside rows: how many, and which uploads fixed them (or,
 * for a fix, which upload's rows it brought in). */
export function QuarantineAccount({ task }: { task: Upload }) {
  return (
    <Stack spacing={0.25}>
      {task.rowsQuarantined ? <span>{formatCount(task.rowsQuarantined)}</span> : null}
      {task.fixedBy.map((fix) => (
        <Typography key={fix.id} variant="caption" data-testid="fixed-by">
          later fixed by{" "}
          <Link component={RouterLink} to={`/tasks/${fix.id}`}>
            {fix.filename}
          </Link>{" "}
          ({formatCount(fix.rowsIngested)} rows, {fix.status.toLowerCase()})
        </Typography>
      ))}
      {task.fixesTask && (
        <Typography variant="caption" data-testid="fixes">
          fixes rows of{" "}
          <Link component={RouterLink} to={`/tasks/${task.fixesTask.id}`}>
            {task.fixesTask.filename}
          </Link>
        </Typography>
      )}
    </Stack>
  );
}

/** Every upload into the dataset, newest first, one page at a time, with what can be done. */
export function UploadHistory({ name }: { name: string }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const { data, previousData, error } = useDatasetUploads(name, after);
  const page = (data ?? previousData)?.datasource?.uploads; // the last page stays while the next loads
  if (error)
    return (
      <Typography role="alert">The upload history could not be loaded: {error.message}</Typography>
    );
  if (!page) return null;
  return (
    <Stack spacing={1} data-testid="upload-history">
      <DataTable label="Uploads" columns={UPLOAD_COLUMNS}>
        {page.items.map((task) => (
          <TableRow key={task.id}>
            <TableCell>{formatDateTime(task.createdAt)}</TableCell>
            <TableCell>
              <Link component={RouterLink} to={`/tasks/${task.id}`}>
                {task.filename}
              </Link>
            </TableCell>
            <TableCell>{task.mode === "REPLACE" ? "replace" : "append"}</TableCell>
            <TableCell>
              <StatusChip status={task.status} />
            </TableCell>
            <TableCell align="right">{formatCount(task.rowsIngested)}</TableCell>
            <TableCell>
              <QuarantineAccount task={task} />
            </TableCell>
            <TableCell>
              <Stack direction="row" spacing={1} sx={{ alignItems: "center" }}>
                <RollbackPanel task={task} />
                {task.hasQuarantine && (
                  <Link component={RouterLink} to={`/tasks/${task.id}`}>
                    Quarantined rows
                  </Link>
                )}
              </Stack>
            </TableCell>
          </TableRow>
        ))}
      </DataTable>
      <Stack direction="row" spacing={1}>
        {cursors.length > 1 && (
          <Button onClick={() => setCursors(cursors.slice(0, -1))}>Newer uploads</Button>
        )}
        {page.nextCursor && (
          <Button onClick={() => setCursors([...cursors, page.nextCursor ?? null])}>
            Older uploads
          </Button>
        )}
      </Stack>
    </Stack>
  );
}
