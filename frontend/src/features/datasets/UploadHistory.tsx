import { Button, Link, Stack, Typography } from "@mui/material";
import { useState } from "react";
import { Link as RouterLink } from "react-router";
import { DataTable } from "../../components/DataTable";
import { formatCount, formatDateTime } from "../../format";
import type { DatasetUploadsQuery } from "../../gql/types";
import { useDatasetUploads } from "../../operations/datasetUploads";
import { RollbackPanel } from "../tasks/RollbackPanel";
import { StatusChip } from "../tasks/StatusChip";

type Upload = NonNullable<DatasetUploadsQuery["datasource"]>["uploads"]["items"][number];

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
      <DataTable<Upload>
        label="Uploads"
        rows={page.items}
        rowKey={(task) => task.id}
        columns={[
          { header: "When", cell: (task) => formatDateTime(task.createdAt) },
          {
            header: "File",
            cell: (task) => (
              <Link component={RouterLink} to={`/tasks/${task.id}`}>
                {task.filename}
              </Link>
            ),
          },
          { header: "Mode", cell: (task) => (task.mode === "REPLACE" ? "replace" : "append") },
          { header: "Status", cell: (task) => <StatusChip status={task.status} /> },
          { header: "Rows", align: "right", cell: (task) => formatCount(task.rowsIngested) },
          { header: "Quarantined", cell: (task) => <QuarantineAccount task={task} /> },
          {
            header: "Actions",
            cell: (task) => (
              <Stack direction="row" spacing={1} sx={{ alignItems: "center" }}>
                <RollbackPanel task={task} />
                {task.hasQuarantine && (
                  <Link component={RouterLink} to={`/tasks/${task.id}`}>
                    Quarantined rows
                  </Link>
                )}
              </Stack>
            ),
          },
        ]}
      />
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
