import {
  Alert,
  Button,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from "@mui/material";
import type { TaskQuarantineFragment, TaskSummaryFragment } from "../../gql/types";
import { formatCount } from "../../format";

/** The rows Sluice kept aside: why each one was refused, and the whole file to download. */
export function QuarantinePanel({ task }: { task: TaskSummaryFragment & TaskQuarantineFragment }) {
  const rows = task.quarantinePreview;
  const total = task.rowsQuarantined ?? rows.length;
  return (
    <Stack spacing={1.5} data-testid="quarantine">
      <Typography variant="body2" color="text.secondary">
        {formatCount(total)} {total === 1 ? "row was" : "rows were"} not ingested. Each is kept with
        the reason, so nothing is lost: fix them in the source and upload them again.
        {rows.length < total && ` The first ${rows.length} are shown here.`}
      </Typography>
      <Table size="small" aria-label="Quarantined rows">
        <TableHead>
          <TableRow>
            <TableCell>Row</TableCell>
            <TableCell>Reason</TableCell>
            <TableCell>Values</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
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
        </TableBody>
      </Table>
      {task.quarantineUrl?.__typename === "QuarantineLink" && (
        <div>
          <Button variant="outlined" size="small" href={task.quarantineUrl.url} download>
            Download all quarantined rows (CSV)
          </Button>
        </div>
      )}
      {task.quarantineUrl?.__typename === "QuarantineUnavailable" && (
        <Alert severity="warning" data-testid="quarantine-unavailable">
          {task.quarantineUrl.message}
        </Alert>
      )}
    </Stack>
  );
}
