import { Alert, Box, ButtonBase, Card, CardContent, Typography } from "@mui/material";
import { Loading } from "../../components/States";
import { describeError } from "../../components/errors";
import { formatNumber } from "../../format";
import type { FilterInput, IntervalInput, MetricInput } from "../../gql/types";
import { useTopN } from "../../operations/topN";
import { metricLabel } from "./dashboard";

type Props = {
  datasource: string;
  dimension: string;
  metric: MetricInput;
  interval: IntervalInput | null;
  filters: FilterInput[];
  onFilter: (filter: FilterInput) => void;
};

const LIMIT = 10;

/** The top values of one dimension as bars; each bar is a button that filters the dashboard to it. */
export function TopNPanel({ onFilter, ...query }: Props) {
  const { data, loading, error } = useTopN({
    ...query,
    limit: LIMIT,
    filters: query.filters.length ? query.filters : null,
  });
  const result = data?.topN;
  const title = `Top ${query.dimension}`;

  let body;
  if (!result && loading) body = <Loading label="Querying…" />;
  else if (error && !result) body = <Alert severity="error">{describeError(error)}</Alert>;
  else if (!result) body = null;
  else if (result.__typename !== "TopN") body = <Alert severity="error">{result.message}</Alert>;
  else if (result.keys.length === 0)
    body = <Typography color="text.secondary">No values in this interval.</Typography>;
  else {
    const max = Math.max(...result.values.map((v) => v ?? 0), 1);
    body = (
      <Box
        component="ol"
        sx={{ listStyle: "none", m: 0, p: 0 }}
        data-testid="topn-bars"
        data-bars={result.keys.length}
      >
        {result.keys.map((value, index) => {
          const metric = result.values[index] ?? 0;
          const label = value ?? "(empty)";
          const filter: FilterInput =
            value == null
              ? { isNull: { column: query.dimension } }
              : { equals: { column: query.dimension, value } };
          return (
            <li key={`${label}-${index}`}>
              <ButtonBase
                onClick={() => onFilter(filter)}
                aria-label={`${label}: ${formatNumber(metric)}. Filter the dashboard to ${query.dimension} = ${label}`}
                sx={{
                  width: "100%",
                  display: "block",
                  textAlign: "left",
                  borderRadius: 1,
                  px: 1,
                  py: 0.5,
                  "&:hover, &.Mui-focusVisible": { bgcolor: "action.hover" },
                }}
              >
                <Box sx={{ display: "flex", justifyContent: "space-between", gap: 1 }}>
                  <Typography
                    variant="body2"
                    noWrap
                    title={label}
                    sx={{ fontStyle: value == null ? "italic" : undefined }}
                  >
                    {label}
                  </Typography>
                  <Typography variant="body2" sx={{ fontVariantNumeric: "tabular-nums" }}>
                    {formatNumber(metric)}
                  </Typography>
                </Box>
                <Box sx={{ height: 6, borderRadius: 3, bgcolor: "action.hover", mt: 0.25 }}>
                  <Box
                    sx={{
                      height: "100%",
                      borderRadius: 3,
                      bgcolor: "primary.main",
                      width: `${(100 * Math.max(metric, 0)) / max}%`,
                    }}
                  />
                </Box>
              </ButtonBase>
            </li>
          );
        })}
      </Box>
    );
  }

  return (
    <Card component="section" aria-label={title} sx={{ height: "100%" }}>
      <CardContent>
        <Typography variant="h6" component="h2" noWrap title={title}>
          {title}
        </Typography>
        <Typography variant="caption" color="text.secondary" component="p" sx={{ mb: 1 }}>
          by {metricLabel(query.metric).toLowerCase()} · select a bar to filter
        </Typography>
        {body}
      </CardContent>
    </Card>
  );
}
