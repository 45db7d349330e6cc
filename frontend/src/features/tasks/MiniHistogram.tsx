import { Box } from "@mui/material";
import { formatCount } from "../../format";

type Bucket = { label: string; count: number };

/** A tiny bar chart of a column's distribution: no chart library needed for this. */
export function MiniHistogram({ column, buckets }: { column: string; buckets: Bucket[] }) {
  if (buckets.length === 0)
    return (
      <Box component="span" sx={{ color: "text.disabled" }}>
        —
      </Box>
    );
  const max = Math.max(...buckets.map((b) => b.count), 1);
  const width = 120;
  const height = 28;
  const gap = 1;
  const barWidth = Math.max(1, (width - gap * (buckets.length - 1)) / buckets.length);
  const description = buckets.map((b) => `${b.label}: ${formatCount(b.count)}`).join(", ");
  return (
    <Box
      component="svg"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Distribution of ${column}: ${description}`}
      data-testid="mini-histogram"
      data-buckets={buckets.length}
      sx={{ display: "block", color: "primary.main" }}
    >
      {buckets.map((bucket, index) => {
        const barHeight = bucket.count === 0 ? 0 : Math.max(2, (bucket.count / max) * height);
        return (
          <rect
            key={`${bucket.label}-${index}`}
            x={index * (barWidth + gap)}
            y={height - barHeight}
            width={barWidth}
            height={barHeight}
            fill="currentColor"
            rx={1}
          >
            <title>{`${bucket.label}: ${formatCount(bucket.count)}`}</title>
          </rect>
        );
      })}
    </Box>
  );
}
