import { Box } from "@mui/material";
import type { ReactNode } from "react";

/** A definition list (`dl`) as a grid: one column on phones, `columns` (a grid template) from `sm` up. */
export function DefinitionGrid({
  columns,
  columnGap,
  rowGap,
  children,
}: {
  columns: string;
  columnGap: number;
  rowGap: number;
  children: ReactNode;
}) {
  return (
    <Box
      component="dl"
      sx={{
        display: "grid",
        gridTemplateColumns: { xs: "1fr", sm: columns },
        columnGap,
        rowGap,
        m: 0,
      }}
    >
      {children}
    </Box>
  );
}
