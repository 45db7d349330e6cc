import { Alert, Box, Chip, Stack, TableCell, TableRow, Typography } from "@mui/material";
import { DefinitionGrid } from "../../components/DefinitionGrid";
import { DataTable, type Column } from "../../components/DataTable";
import { formatCount, formatDateTime, formatPercent } from "../../format";
import type { ColumnType, ValidationReportFragment } from "../../gql/types";
import { MiniHistogram } from "./MiniHistogram";
import { SchemaChangesNote } from "./SchemaChanges";

/** Distinct counts above this are HyperLogLog estimates (core/profiling): say so. */
const EXACT_DISTINCT_UP_TO = 1000;

export function distinctLabel(count: number): string {
  return count > EXACT_DISTINCT_UP_TO ? `≈ ${formatCount(count)}` : formatCount(count);
}

export const TYPE_LABEL: Record<ColumnType, string> = {
  STRING: "text",
  LONG: "integer",
  DOUBLE: "decimal",
  BOOLEAN: "boolean",
  TIMESTAMP: "timestamp",
};

const PROFILE_COLUMNS: Column[] = [
  { label: "Column" },
  { label: "Type" },
  { label: "Empty", align: "right" },
  {
    label: "Distinct",
    align: "right",
    title:
      "Distinct counts are HyperLogLog estimates, within a few percent (marked ≈ above 1,000); small counts are usually exact.",
  },
  { label: "Min" },
  { label: "Max" },
  { label: "Distribution" },
];

/** What Sluice found in the file: format, row counts, and a profile per column. */
export function ValidationReport({ profile }: { profile: ValidationReportFragment | null }) {
  if (!profile)
    return (
      <Typography color="text.secondary">
        The report appears once the file has been validated.
      </Typography>
    );
  const facts = [
    ["Format", profile.format.toUpperCase()],
    ["Encoding", profile.encoding],
    ["Delimiter", profile.delimiter === "\t" ? "tab" : profile.delimiter],
    ["Sheet", profile.sheet],
    ["Timestamp column", profile.timestampColumn ?? "none found (rows get one constant time)"],
    [
      "Time range",
      profile.timeMin
        ? `${formatDateTime(profile.timeMin)} – ${formatDateTime(profile.timeMax)}`
        : null,
    ],
    [
      "Rows",
      `${formatCount(profile.rowsTotal)} (${formatCount(profile.rowsValid)} valid, ${formatCount(profile.rowsQuarantined)} quarantined)`,
    ],
  ].filter((fact): fact is [string, string] => Boolean(fact[1]));

  return (
    <Stack spacing={2}>
      <DefinitionGrid columns="max-content 1fr" columnGap={3} rowGap={0.5}>
        {facts.map(([term, value]) => (
          <Box key={term} sx={{ display: "contents" }}>
            <Typography component="dt" color="text.secondary" variant="body2">
              {term}
            </Typography>
            <Typography
              component="dd"
              variant="body2"
              sx={{ m: 0, mb: { xs: 1, sm: 0 }, overflowWrap: "anywhere" }}
            >
              {value}
            </Typography>
          </Box>
        ))}
      </DefinitionGrid>
      {profile.schemaChanges && <SchemaChangesNote changes={profile.schemaChanges} />}
      {profile.warnings.map((warning) => (
        <Alert key={warning} severity="warning">
          {warning}
        </Alert>
      ))}
      <DataTable label="Column profile" columns={PROFILE_COLUMNS}>
        {profile.columns.map((column) => (
          <TableRow key={column.name} data-testid="profile-row">
            <TableCell
              component="th"
              scope="row"
              sx={{ fontWeight: 500, overflowWrap: "anywhere" }}
            >
              {column.name}
              {column.name === profile.timestampColumn && (
                <Chip label="time" size="small" color="primary" variant="outlined" sx={{ ml: 1 }} />
              )}
            </TableCell>
            <TableCell>
              <Chip label={TYPE_LABEL[column.type]} size="small" variant="outlined" />
            </TableCell>
            <TableCell align="right" sx={{ whiteSpace: "nowrap" }}>
              {formatCount(column.nullCount)}
              <Typography component="span" variant="caption" color="text.secondary">
                {" "}
                ({formatPercent(column.nullCount, profile.rowsTotal)})
              </Typography>
              {column.nullTokens.length > 0 && (
                <Typography
                  variant="caption"
                  color="text.secondary"
                  sx={{ display: "block" }}
                  data-testid="null-tokens"
                >
                  read as null: {column.nullTokens.join(", ")}
                </Typography>
              )}
            </TableCell>
            <TableCell align="right" sx={{ whiteSpace: "nowrap" }}>
              {distinctLabel(column.distinctCount)}
            </TableCell>
            <TableCell sx={{ maxWidth: 180, overflowWrap: "anywhere" }}>
              {column.min ?? "—"}
            </TableCell>
            <TableCell sx={{ maxWidth: 180, overflowWrap: "anywhere" }}>
              {column.max ?? "—"}
            </TableCell>
            <TableCell>
              <MiniHistogram column={column.name} buckets={column.histogram} />
            </TableCell>
          </TableRow>
        ))}
      </DataTable>
    </Stack>
  );
}
