import { Table, TableBody, TableCell, TableHead, TableRow, type SxProps } from "@mui/material";
import type { ReactNode } from "react";

export type DataColumn<T> = {
  header: ReactNode;
  cell: (row: T) => ReactNode;
  align?: "right";
  sx?: SxProps;
};

/** A small table: one header row, then one row per item with a cell per column. */
export function DataTable<T>({
  label,
  columns,
  rows,
  rowKey,
  rowTestId,
}: {
  label: string;
  columns: DataColumn<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string | number;
  rowTestId?: string;
}) {
  return (
    <Table size="small" aria-label={label}>
      <TableHead>
        <TableRow>
          {columns.map((column, i) => (
            <TableCell key={i} align={column.align}>
              {column.header}
            </TableCell>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={rowKey(row)} data-testid={rowTestId}>
            {columns.map((column, i) => (
              <TableCell key={i} align={column.align} sx={column.sx}>
                {column.cell(row)}
              </TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
