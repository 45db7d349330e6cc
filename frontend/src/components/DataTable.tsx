import { Table, TableBody, TableCell, TableContainer, TableHead, TableRow } from "@mui/material";
import type { ReactNode } from "react";

/** A column's heading; `hideBelow` drops the column on screens narrower than that breakpoint. */
export type Column = {
  label: string;
  align?: "right";
  title?: string;
  hideBelow?: "sm" | "md";
};

/** A small bordered table: a header row from `columns`, then the rows given as children. */
export function DataTable({
  label,
  columns,
  children,
  testId,
}: {
  label: string;
  columns: readonly Column[];
  children: ReactNode;
  testId?: string;
}) {
  return (
    <TableContainer
      sx={{ border: 1, borderColor: "divider", borderRadius: 1, bgcolor: "background.paper" }}
    >
      <Table size="small" aria-label={label}>
        <TableHead>
          <TableRow>
            {columns.map((column) => (
              <TableCell
                key={column.label}
                align={column.align}
                title={column.title}
                sx={
                  column.hideBelow
                    ? { display: { xs: "none", [column.hideBelow]: "table-cell" } }
                    : undefined
                }
              >
                {column.label}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody data-testid={testId}>{children}</TableBody>
      </Table>
    </TableContainer>
  );
}
