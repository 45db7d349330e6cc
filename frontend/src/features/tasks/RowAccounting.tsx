import { Alert, Box, Stack, Typography } from "@mui/material";
import { DefinitionGrid } from "../../components/DefinitionGrid";
import { formatCount, formatPercent } from "../../format";
import type { TaskSummaryFragment } from "../../gql/types";
import { isTerminal } from "./taskStatus";

type Part = { key: string; label: string; value: number | null; color: string; explain: string };

/**
 * Every row of the file is accounted for: ingested + quarantined + thrown away by
 * Druid = rows in the file. If they do not add up, this says so.
 */
export function RowAccounting({ task }: { task: TaskSummaryFragment }) {
  const total = task.rowsTotal;
  if (total == null)
    return (
      <Typography color="text.secondary">Row counts appear once the file has been read.</Typography>
    );

  const parts: Part[] = [
    {
      key: "ingested",
      label: "Ingested",
      value: task.rowsIngested,
      color: "success.main",
      explain: "queryable in Druid",
    },
    {
      key: "quarantined",
      label: "Quarantined",
      value: task.rowsQuarantined,
      color: "warning.main",
      explain: "could not be parsed; kept aside with the reason",
    },
    {
      key: "thrownAway",
      label: "Thrown away by Druid",
      value: task.rowsThrownAway,
      color: "grey.500",
      explain: "e.g. a missing or out-of-range timestamp",
    },
  ];
  const known = parts.every((part) => part.value != null);
  const sum = parts.reduce((acc, part) => acc + (part.value ?? 0), 0);
  const settled = task.status === "SUCCEEDED" || known;

  return (
    <Stack spacing={2} data-testid="row-accounting">
      <Typography>
        <strong data-testid="rows-total">{formatCount(total)}</strong> rows in the file
      </Typography>
      <Box
        sx={{
          display: "flex",
          height: 12,
          borderRadius: 6,
          overflow: "hidden",
          bgcolor: "action.hover",
        }}
        role="img"
        aria-label={parts.map((p) => `${p.label}: ${formatCount(p.value)}`).join(", ")}
      >
        {parts.map((part) =>
          part.value ? (
            <Box
              key={part.key}
              sx={{ width: `${(100 * part.value) / Math.max(total, 1)}%`, bgcolor: part.color }}
            />
          ) : null,
        )}
      </Box>
      <DefinitionGrid columns="repeat(3, 1fr)" columnGap={2} rowGap={2}>
        {parts.map((part) => (
          <Box key={part.key} data-testid={`rows-${part.key}`}>
            <Typography component="dt" variant="body2" color="text.secondary">
              <Box
                component="span"
                sx={{
                  display: "inline-block",
                  width: 10,
                  height: 10,
                  borderRadius: "50%",
                  bgcolor: part.color,
                  mr: 1,
                }}
              />
              {part.label}
            </Typography>
            <Typography component="dd" variant="h6" sx={{ m: 0 }}>
              {part.value == null
                ? isTerminal(task.status)
                  ? "—"
                  : "pending"
                : formatCount(part.value)}
              {part.value != null && (
                <Typography component="span" variant="body2" color="text.secondary">
                  {" "}
                  {formatPercent(part.value, total)}
                </Typography>
              )}
            </Typography>
            <Typography variant="caption" color="text.secondary">
              {part.explain}
            </Typography>
          </Box>
        ))}
      </DefinitionGrid>
      {task.rowsProcessedWithError || task.rowsUnparseable ? (
        <Typography variant="body2" color="text.secondary" data-testid="druid-read-problems">
          Druid reported {formatCount(task.rowsProcessedWithError ?? 0)} rows kept with values it
          could not read (those became empty) and {formatCount(task.rowsUnparseable ?? 0)} rows it
          could not read at all.
        </Typography>
      ) : null}
      {settled && known && sum === total && (
        <Alert severity="success" data-testid="accounting-check">
          Every row is accounted for: {formatCount(task.rowsIngested)} +{" "}
          {formatCount(task.rowsQuarantined)} + {formatCount(task.rowsThrownAway)} ={" "}
          {formatCount(total)}.
        </Alert>
      )}
      {settled && known && sum !== total && (
        <Alert severity="error" data-testid="accounting-check">
          The counts do not add up: {formatCount(sum)} rows accounted for, but the file has{" "}
          {formatCount(total)} ({formatCount(Math.abs(total - sum))}{" "}
          {sum < total ? "missing" : "too many"}).
        </Alert>
      )}
      <ReconciliationNote reconciliation={task.reconciliation} />
    </Stack>
  );
}

/** The comparison of the upload's rows in Druid with the file (core/reconcile.py). */
function ReconciliationNote({
  reconciliation,
}: {
  reconciliation: TaskSummaryFragment["reconciliation"];
}) {
  const { state, summary } = reconciliation;
  if (state === "MATCHED")
    return (
      <Alert severity="success" data-testid="reconciliation">
        Checked against Druid: {summary}
      </Alert>
    );
  if (state === "MISMATCHED")
    return (
      <Alert severity="error" data-testid="reconciliation">
        Druid's data did not match the file, so this upload's rows were taken out again: {summary}
      </Alert>
    );
  if (state === "NOT_APPLICABLE") return null;
  return (
    <Typography variant="body2" color="text.secondary" data-testid="reconciliation">
      {summary}
    </Typography>
  );
}
