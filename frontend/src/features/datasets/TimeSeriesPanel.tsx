import { Alert, Box, Card, CardContent, Typography, useTheme } from "@mui/material";
import { LineChart, lineClasses } from "@mui/x-charts/LineChart";
import { Loading } from "../../components/States";
import { describeError } from "../../components/errors";
import { formatDateTime, formatNumber } from "../../format";
import type { FilterInput, Granularity, IntervalInput, MetricInput } from "../../gql/types";
import { useTimeseries } from "../../operations/timeseries";
import { bucketLabel, metricLabel } from "./dashboard";

type Props = {
  datasource: string;
  metric: MetricInput;
  granularity: Granularity;
  interval: IntervalInput | null;
  filters: FilterInput[];
};

/** The metric over time; `data-points` on the figure is the number of points drawn. */
export function TimeSeriesPanel(props: Props) {
  const { data, loading, error } = useTimeseries({
    ...props,
    filters: props.filters.length ? props.filters : null,
  });
  const result = data?.timeseries;
  const title = `${metricLabel(props.metric)} over time`;

  let body;
  if (!result && loading) body = <Loading label="Querying…" />;
  else if (error && !result) body = <Alert severity="error">{describeError(error)}</Alert>;
  else if (!result) body = null;
  else if (result.__typename !== "TimeSeries")
    body = <Alert severity="error">{result.message}</Alert>;
  else if (result.timestamps.length === 0)
    body = (
      <Typography
        color="text.secondary"
        sx={{ py: 6, textAlign: "center" }}
        data-testid="timeseries-empty"
      >
        No rows in this interval{props.filters.length ? " with these filters" : ""}.
      </Typography>
    );
  else
    body = (
      <SeriesChart
        timestamps={result.timestamps}
        values={result.values}
        label={metricLabel(props.metric)}
        granularity={props.granularity}
      />
    );

  return (
    <Card component="section" aria-label={title}>
      <CardContent>
        <Typography variant="h6" component="h2">
          {title}
        </Typography>
        {body}
      </CardContent>
    </Card>
  );
}

function SeriesChart({
  timestamps,
  values,
  label,
  granularity,
}: {
  timestamps: string[];
  values: (number | null)[];
  label: string;
  granularity: Granularity;
}) {
  const theme = useTheme();
  const dates = timestamps.map((t) => new Date(t));
  const summary = `${label}: ${timestamps.length} point${timestamps.length === 1 ? "" : "s"} from ${formatDateTime(timestamps[0])} to ${formatDateTime(timestamps[timestamps.length - 1])}`;
  const single = timestamps.length === 1;
  return (
    <Box
      role="figure"
      aria-label={summary}
      data-testid="timeseries-chart"
      data-points={timestamps.length}
    >
      {single || granularity === "ALL" ? (
        <Box sx={{ py: 4 }}>
          <Typography variant="h3" component="p">
            {formatNumber(values[0])}
          </Typography>
          <Typography color="text.secondary">
            {granularity === "ALL" ? "over the whole interval" : formatDateTime(timestamps[0])}
          </Typography>
        </Box>
      ) : (
        <LineChart
          height={300}
          skipAnimation
          hideLegend
          grid={{ horizontal: true }}
          xAxis={[
            {
              data: dates,
              scaleType: "time",
              // Ticks only at bucket starts: no "1 Mar, 1 Mar" from ticks at noon.
              tickInterval: dates,
              valueFormatter: (d: Date, context) =>
                context.location === "tick"
                  ? bucketLabel(d, granularity, "short")
                  : bucketLabel(d, granularity, "long"),
            },
          ]}
          yAxis={[{ valueFormatter: (v: number | null) => formatNumber(v), width: 56 }]}
          series={[
            {
              data: values,
              label,
              color: theme.palette.primary.main,
              showMark: timestamps.length <= 40,
              area: true,
              connectNulls: false,
              valueFormatter: (v) => formatNumber(v),
            },
          ]}
          margin={{ left: 8, right: 28 }}
          sx={{
            [`& .${lineClasses.area}`]: { fillOpacity: 0.12 },
            [`& .${lineClasses.line}`]: { strokeWidth: 2 },
          }}
        />
      )}
      <Typography variant="caption" color="text.secondary">
        {timestamps.length} point{timestamps.length === 1 ? "" : "s"}
      </Typography>
    </Box>
  );
}
