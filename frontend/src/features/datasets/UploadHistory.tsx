import {
  Button,
  Link,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from "@mui/material";
import { useState } from "react";
import { Link as RouterLink } from "react-router";
import { formatCount, formatDateTime } from "../../format";
import { useDatasetUploads } from "../../operations/datasetUploads";
import { RollbackPanel } from "../tasks/RollbackPanel";
import { StatusChip } from "../tasks/StatusChip";

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
      <Table size="small" aria-label="Uploads">
        <TableHead>
          <TableRow>
            <TableCell>When</TableCell>
            <TableCell>File</TableCell>
            <TableCell>Mode</TableCell>
            <TableCell>Status</TableCell>
            <TableCell align="right">Rows</TableCell>
            <TableCell>Actions</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
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
        </TableBody>
      </Table>
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
