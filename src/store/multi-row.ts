// Multi-row INSERTs: the batched authorization engine writes a batch's rows of one table in a few statements instead
// of one statement per row. Chunked so no statement binds more parameters than either backend accepts.
import type { Sql, SqlValue } from './database.js';

/** Below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters per statement. */
const maxParametersPerStatement = 30_000;

/** Inserts `rows` (each one value per column, in `columns` order) into `table`; nothing when there are none. */
export async function insertRows(sql: Sql, table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[]): Promise<void> {
  if (rows.length === 0) return;
  const rowsPerStatement = Math.max(1, Math.floor(maxParametersPerStatement / columns.length));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const chunk = rows.slice(start, start + rowsPerStatement);
    for (const row of chunk) if (row.length !== columns.length) throw new Error(`a row for ${table} has ${row.length} values for ${columns.length} columns`);
    await sql.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`, chunk.flat());
  }
}
