// A table of API objects, one row each, its columns declared once: header, cell, and whether it holds amounts
// (right-aligned) or ids (monospace).
import type { ReactNode } from 'react';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  kind?: 'number' | 'id';
}

export function DataTable<T extends { id: string }>({
  rows,
  columns,
  label,
  rowData,
}: {
  rows: readonly T[];
  columns: ReadonlyArray<Column<T>>;
  /** The table's accessible name, when its panel heading does not say enough. */
  label?: string;
  /** `data-*` attributes of a row, for the browser test to find it. */
  rowData?: (row: T) => Record<`data-${string}`, string>;
}) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.header} scope="col" className={column.kind === 'number' ? 'number' : undefined}>
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id} {...rowData?.(row)}>
            {columns.map((column) => (
              <td key={column.header} className={column.kind}>
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
