// Cursor pagination (SPEC §3): newest first by sortable id; the cursor is the last id of the page, so each page
// costs one indexed range scan of `limit + 1` rows, never a count or an offset.
import { z } from 'zod';
import { AppError } from '../domain/errors.js';
import type { Sql, SqlValue } from '../store/database.js';
import type { Scope } from '../domain/scope.js';

/** `nextCursor` of a previous page, checked while the request is parsed (400 invalid_cursor), before any use case runs. */
export const cursorSchema = z
  .string()
  .max(200)
  .refine((cursor) => cursorBefore(cursor) !== undefined, { message: 'not a cursor of this list', params: { errorCode: 'invalid_cursor' } })
  .optional()
  .describe('nextCursor of the previous page');

export const listQuerySchema = z.strictObject({
  limit: z.coerce.number({ error: 'expected a whole number from 1 to 100' }).int().min(1).max(100).default(20),
  cursor: cursorSchema,
});
export type ListQuery = z.infer<typeof listQuerySchema>;

export interface ListPage<T> {
  object: 'list';
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ before: lastId }), 'utf8').toString('base64url');
}

/** The id a cursor continues before, or undefined when the text is not a cursor. */
function cursorBefore(cursor: string): string | undefined {
  if (cursor === '') return '';
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof parsed.before === 'string' && /^[a-z]+_[0-9a-z]{26}$/.test(parsed.before)) return parsed.before;
  } catch {
    // not base64url JSON
  }
  return undefined;
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const before = cursorBefore(cursor);
  if (before === undefined) throw new AppError('invalid_cursor', { param: 'cursor' });
  return before;
}

/** `rows` were fetched with `LIMIT limit + 1`. */
export function toPage<Row extends { id: string }, T>(rows: Row[], limit: number, present: (row: Row) => T): ListPage<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { object: 'list', data: pageRows.map(present), hasMore, nextCursor: hasMore && last ? encodeCursor(last.id) : null };
}

export function listPageSchema<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal('list'), data: z.array(item), hasMore: z.boolean(), nextCursor: z.string().nullable() });
}

/** One condition of a list query: SQL with `?` placeholders and their values. */
export interface RowFilter {
  sql: string;
  params: readonly SqlValue[];
}

/** `column = value`, or no condition when the value is absent (an optional query filter). */
export function columnEquals(column: string, value: SqlValue | undefined): RowFilter | undefined {
  return value === undefined ? undefined : { sql: `${column} = ?`, params: [value] };
}

/**
 * One page of a table's rows matching every filter, newest first, as the API's list object. `table` is a constant
 * of the calling module, never input. Every list of every module goes through here: cursor, limit + 1, toPage.
 *
 * `order: 'creation'` pages by `created_at` (then id), for a list narrowed to one owner whose index ends with
 * `created_at` (a card's or agent's transactions): the index gives the order, so a page reads its own rows however
 * long the history. Ids are time-ordered, so this is the id order, and the cursor is the same: the last row's id,
 * whose `created_at` bounds the next page.
 */
export async function listPage<Row extends { id: string }, T>(
  sql: Sql,
  table: string,
  filters: ReadonlyArray<RowFilter | undefined>,
  query: ListQuery,
  present: (row: Row) => T,
  order: 'id' | 'creation' = 'id',
): Promise<ListPage<T>> {
  const before = decodeCursor(query.cursor);
  const conditions = filters.filter((filter): filter is RowFilter => filter !== undefined);
  if (before !== undefined) conditions.push(order === 'id' ? { sql: 'id < ?', params: [before] } : await createdBefore(sql, table, before));
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.map((condition) => condition.sql).join(' AND ')}`;
  const orderBy = order === 'id' ? 'id DESC' : 'created_at DESC, id DESC';
  const rows = await sql.all<Row>(`SELECT * FROM ${table}${where} ORDER BY ${orderBy} LIMIT ?`, [...conditions.flatMap((condition) => condition.params), query.limit + 1]);
  return toPage(rows, query.limit, present);
}

/** The rows after the cursor's in creation order. */
async function createdBefore(sql: Sql, table: string, before: string): Promise<RowFilter> {
  const cursorRow = await sql.get<{ created_at: number | string }>(`SELECT created_at FROM ${table} WHERE id = ?`, [before]);
  if (cursorRow === undefined) return { sql: 'id < ?', params: [before] };
  const createdAtMs = Number(cursorRow.created_at);
  return { sql: 'created_at <= ? AND (created_at < ? OR id < ?)', params: [createdAtMs, createdAtMs, before] };
}

/** The filters every scoped list starts with. */
export function inScope(scope: Scope): RowFilter {
  return { sql: 'organization_id = ? AND environment = ?', params: [scope.organizationId, scope.environment] };
}
