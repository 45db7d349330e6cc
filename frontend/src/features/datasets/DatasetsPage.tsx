import { Box, Card, CardActionArea, CardContent, Chip, Stack, Typography } from "@mui/material";
import { Link as RouterLink } from "react-router";
import { EmptyState, ErrorNotice, Loading } from "../../components/States";
import { formatBytes, formatCount, formatDate, formatDateTime } from "../../format";
import type { DatasetSummaryFragment } from "../../gql/types";
import { useDatasources } from "../../operations/datasources";

/** The catalog: every dataset, each opening its dashboard. */
export function DatasetsPage() {
  const { data, loading, error, refetch } = useDatasources();
  const datasets = data?.datasources;

  return (
    <Stack spacing={3}>
      <Typography variant="h4" component="h1">
        Datasets
      </Typography>
      {error && !datasets && (
        <ErrorNotice title="Could not load datasets" error={error} onRetry={() => void refetch()} />
      )}
      {!datasets && loading && <Loading label="Loading datasets…" />}
      {datasets && datasets.length === 0 && (
        <EmptyState title="No datasets yet" link={{ to: "/", label: "Upload a file" }}>
          A dataset appears here once its first file has been ingested.
        </EmptyState>
      )}
      {datasets && datasets.length > 0 && (
        <Box
          component="ul"
          aria-label="Datasets"
          sx={{
            display: "grid",
            gridTemplateColumns: { xs: "1fr", sm: "1fr 1fr", lg: "1fr 1fr 1fr" },
            gap: 2,
            p: 0,
            m: 0,
            listStyle: "none",
          }}
        >
          {datasets.map((dataset) => (
            <li key={dataset.name}>
              <DatasetCard dataset={dataset} />
            </li>
          ))}
        </Box>
      )}
    </Stack>
  );
}

function DatasetCard({ dataset }: { dataset: DatasetSummaryFragment }) {
  const columns = dataset.columns.filter((c) => !c.name.startsWith("__"));
  return (
    <Card sx={{ height: "100%" }} data-testid="dataset-card">
      <CardActionArea
        component={RouterLink}
        to={`/datasets/${encodeURIComponent(dataset.name)}`}
        sx={{ height: "100%" }}
      >
        <CardContent>
          <Typography variant="h6" component="h2" sx={{ overflowWrap: "anywhere" }}>
            {dataset.name}
          </Typography>
          <Typography color="text.secondary" variant="body2" gutterBottom>
            {formatCount(dataset.rowCount)} rows · {columns.length} columns ·{" "}
            {formatBytes(dataset.sizeBytes)}
          </Typography>
          <Typography variant="body2">
            {!dataset.hasTimeColumn
              ? "No time column"
              : dataset.timeMin
                ? `${formatDate(dataset.timeMin)} – ${formatDate(dataset.timeMax)}`
                : "Time range not known yet"}
          </Typography>
          {dataset.lastIngestedAt && (
            <Typography variant="caption" color="text.secondary">
              Last ingested {formatDateTime(dataset.lastIngestedAt)}
            </Typography>
          )}
          <Stack direction="row" spacing={0.5} useFlexGap sx={{ mt: 1, flexWrap: "wrap" }}>
            {columns.slice(0, 6).map((column) => (
              <Chip key={column.name} label={column.name} size="small" variant="outlined" />
            ))}
            {columns.length > 6 && <Chip label={`+${columns.length - 6}`} size="small" />}
          </Stack>
        </CardContent>
      </CardActionArea>
    </Card>
  );
}
