import { Box, Card, CardContent, Link, Stack, TextField, Typography } from "@mui/material";
import { useMemo, useState } from "react";
import { Link as RouterLink, useParams } from "react-router";
import { PageCrumbs } from "../../components/PageCrumbs";
import { SelectField, plainChoices } from "../../components/SelectField";
import { ItemFallback } from "../../components/States";
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

/** The two ends of a custom interval, each a local date and time. */
const CUSTOM_BOUNDS = [
  { bound: "start", label: "From" },
  { bound: "end", label: "To" },
] as const;

export default function DashboardPage() {
  const { name = "" } = useParams();
  const query = useDatasource(name);
  const dataset = query.data?.datasource;
  if (!dataset)
    return (
      <ItemFallback query={query} noun="dataset" list="/datasets">
        There is no dataset called “{name}”. It appears once its first file has been ingested.
      </ItemFallback>
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
      <PageCrumbs list="/datasets" label="Datasets" current={dataset.name} />
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
              <SelectField
                label="Interval"
                choices={INTERVAL_PRESETS}
                value={interval.preset}
                onChange={(preset) => setInterval({ ...interval, preset })}
              />
              <SelectField
                label="Granularity"
                choices={GRANULARITIES}
                value={granularity}
                onChange={setGranularity}
                disabled={!dataset.hasTimeColumn}
              />
              <SelectField
                label="Measure"
                choices={AGGREGATES.filter((a) => !a.numericOnly || numeric.length > 0)}
                value={metric.aggregate}
                onChange={setAggregate}
              />
              <SelectField
                label="Of column"
                choices={[
                  ...(metric.aggregate === "COUNT" ? [{ value: "", label: "all rows" }] : []),
                  ...plainChoices(metricColumns),
                ]}
                value={metric.column ?? ""}
                disabled={metric.aggregate === "COUNT"}
                onChange={(column) => setMetric({ ...metric, column })}
              />
              {interval.preset === "custom" &&
                CUSTOM_BOUNDS.map(({ bound, label }) => (
                  <TextField
                    key={bound}
                    type="datetime-local"
                    label={label}
                    value={interval[bound]}
                    onChange={(e) => setInterval({ ...interval, [bound]: e.target.value })}
                    slotProps={{ inputLabel: { shrink: true } }}
                  />
                ))}
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
