import {
  Box,
  Breadcrumbs,
  Button,
  Card,
  CardContent,
  Link,
  MenuItem,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { useMemo, useState } from "react";
import { Link as RouterLink, useParams } from "react-router";
import { EmptyState, ErrorNotice, Loading } from "../../components/States";
import { formatBytes, formatCount, formatDateTime } from "../../format";
import type {
  Aggregate,
  DatasetSummaryFragment,
  FilterInput,
  Granularity,
  MetricInput,
} from "../../gql/types";
import { useDatasource } from "../../operations/datasource";
import { DeleteDatasetDialog } from "./DeleteDatasetDialog";
import { FilterBar } from "./FilterBar";
import { UploadHistory } from "./UploadHistory";
import { TimeSeriesPanel } from "./TimeSeriesPanel";
import { TopNPanel } from "./TopNPanel";
import {
  AGGREGATES,
  GRANULARITIES,
  INTERVAL_PRESETS,
  autoGranularity,
  sameFilter,
  toIntervalInput,
  type IntervalChoice,
} from "./dashboard";

/** How many string dimensions get a top-N panel. */
const TOP_N_PANELS = 4;

export default function DashboardPage() {
  const { name = "" } = useParams();
  const { data, loading, error, refetch } = useDatasource(name);
  const dataset = data?.datasource;

  if (!dataset && loading) return <Loading label="Loading the dataset…" />;
  if (!dataset && error)
    return (
      <ErrorNotice
        title="Could not load this dataset"
        error={error}
        onRetry={() => void refetch()}
      />
    );
  if (!dataset)
    return (
      <EmptyState
        title="Dataset not found"
        action={
          <Button component={RouterLink} to="/datasets" variant="outlined">
            All datasets
          </Button>
        }
      >
        There is no dataset called “{name}”. It appears once its first file has been ingested.
      </EmptyState>
    );
  return <Dashboard key={dataset.name} dataset={dataset} />;
}

function Dashboard({ dataset }: { dataset: DatasetSummaryFragment }) {
  const columns = dataset.columns.filter((c) => !c.name.startsWith("__"));
  const numeric = columns
    .filter((c) => c.type === "LONG" || c.type === "DOUBLE")
    .map((c) => c.name);
  const dimensions = columns.filter((c) => c.type === "STRING").map((c) => c.name);

  const [granularity, setGranularity] = useState<Granularity>(() =>
    autoGranularity(dataset.timeMin, dataset.timeMax),
  );
  const [interval, setInterval] = useState<IntervalChoice>({ preset: "all", start: "", end: "" });
  const [metric, setMetric] = useState<MetricInput>({ aggregate: "COUNT", column: null });
  const [filters, setFilters] = useState<FilterInput[]>([]);
  const intervalInput = useMemo(() => toIntervalInput(interval), [interval]);

  const addFilter = (filter: FilterInput) =>
    setFilters((current) =>
      current.some((f) => sameFilter(f, filter)) ? current : [...current, filter],
    );
  const columnsFor = (aggregate: Aggregate) =>
    AGGREGATES.find((a) => a.value === aggregate)?.numericOnly
      ? numeric
      : columns.map((c) => c.name);
  const metricColumns = columnsFor(metric.aggregate);
  const setAggregate = (aggregate: Aggregate) => {
    const pool = columnsFor(aggregate);
    const column =
      aggregate === "COUNT"
        ? null
        : pool.includes(metric.column ?? "")
          ? metric.column
          : (pool[0] ?? null);
    setMetric({ aggregate, column });
  };

  return (
    <Stack spacing={3}>
      <Breadcrumbs aria-label="Breadcrumb">
        <Link component={RouterLink} to="/datasets">
          Datasets
        </Link>
        <Typography color="text.primary">{dataset.name}</Typography>
      </Breadcrumbs>
      <Box>
        <Typography variant="h4" component="h1" sx={{ overflowWrap: "anywhere" }}>
          {dataset.name}
        </Typography>
        <Typography color="text.secondary">
          {formatCount(dataset.rowCount)} rows · {columns.length} columns ·{" "}
          {formatBytes(dataset.sizeBytes)}
          {dataset.timeMin &&
            ` · ${formatDateTime(dataset.timeMin)} – ${formatDateTime(dataset.timeMax)}`}
        </Typography>
        {dataset.lastIngestedAt && (
          <Typography variant="body2" color="text.secondary">
            Last ingested {formatDateTime(dataset.lastIngestedAt)}
            {dataset.lastTaskId && (
              <>
                {" "}
                (
                <Link component={RouterLink} to={`/tasks/${dataset.lastTaskId}`}>
                  task
                </Link>
                )
              </>
            )}
          </Typography>
        )}
      </Box>
      <DeleteDatasetDialog name={dataset.name} rowCount={dataset.rowCount} />

      <Card>
        <CardContent>
          <Stack spacing={2}>
            <Box
              component="form"
              aria-label="Dashboard settings"
              onSubmit={(e) => e.preventDefault()}
              sx={{
                display: "grid",
                gridTemplateColumns: {
                  xs: "repeat(2, minmax(0, 1fr))",
                  md: "repeat(4, minmax(0, 1fr))",
                },
                gap: 2,
              }}
            >
              <TextField
                select
                label="Interval"
                value={interval.preset}
                onChange={(e) => setInterval({ ...interval, preset: e.target.value })}
                slotProps={{ htmlInput: { "data-testid": "interval-select" } }}
              >
                {INTERVAL_PRESETS.map((p) => (
                  <MenuItem key={p.value} value={p.value}>
                    {p.label}
                  </MenuItem>
                ))}
              </TextField>
              <TextField
                select
                label="Granularity"
                value={granularity}
                onChange={(e) => setGranularity(e.target.value as Granularity)}
                disabled={!dataset.hasTimeColumn}
                slotProps={{ htmlInput: { "data-testid": "granularity-select" } }}
              >
                {GRANULARITIES.map((g) => (
                  <MenuItem key={g.value} value={g.value}>
                    {g.label}
                  </MenuItem>
                ))}
              </TextField>
              <TextField
                select
                label="Measure"
                value={metric.aggregate}
                onChange={(e) => setAggregate(e.target.value as Aggregate)}
              >
                {AGGREGATES.filter((a) => !a.numericOnly || numeric.length > 0).map((a) => (
                  <MenuItem key={a.value} value={a.value}>
                    {a.label}
                  </MenuItem>
                ))}
              </TextField>
              <TextField
                select
                label="Of column"
                value={metric.column ?? ""}
                disabled={metric.aggregate === "COUNT"}
                onChange={(e) => setMetric({ ...metric, column: e.target.value })}
              >
                {metric.aggregate === "COUNT" && <MenuItem value="">all rows</MenuItem>}
                {metricColumns.map((c) => (
                  <MenuItem key={c} value={c}>
                    {c}
                  </MenuItem>
                ))}
              </TextField>
              {interval.preset === "custom" && (
                <>
                  <TextField
                    type="datetime-local"
                    label="From"
                    value={interval.start}
                    onChange={(e) => setInterval({ ...interval, start: e.target.value })}
                    slotProps={{ inputLabel: { shrink: true } }}
                  />
                  <TextField
                    type="datetime-local"
                    label="To"
                    value={interval.end}
                    onChange={(e) => setInterval({ ...interval, end: e.target.value })}
                    slotProps={{ inputLabel: { shrink: true } }}
                  />
                </>
              )}
            </Box>
            <FilterBar
              filters={filters}
              columns={columns.map((c) => c.name)}
              onAdd={addFilter}
              onRemove={(index) => setFilters((current) => current.filter((_, i) => i !== index))}
              onClear={() => setFilters([])}
            />
          </Stack>
        </CardContent>
      </Card>

      {dataset.hasTimeColumn ? (
        <TimeSeriesPanel
          datasource={dataset.name}
          metric={metric}
          granularity={granularity}
          interval={intervalInput}
          filters={filters}
        />
      ) : (
        <Typography color="text.secondary">
          This dataset has no time column, so there is no chart over time.
        </Typography>
      )}

      {dimensions.length > 0 ? (
        <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "1fr 1fr" }, gap: 2 }}>
          {dimensions.slice(0, TOP_N_PANELS).map((dimension) => (
            <TopNPanel
              key={dimension}
              datasource={dataset.name}
              dimension={dimension}
              metric={metric}
              interval={intervalInput}
              filters={filters}
              onFilter={addFilter}
            />
          ))}
        </Box>
      ) : (
        <Typography color="text.secondary">No text columns to break the data down by.</Typography>
      )}
      <Card>
        <CardContent>
          <Typography variant="h6" component="h2" gutterBottom>
            Uploads
          </Typography>
          <UploadHistory name={dataset.name} />
        </CardContent>
      </Card>
    </Stack>
  );
}
