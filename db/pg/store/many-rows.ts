/**
 * Many rows into (or over) one table in one statement: each column's values travel as one array
 * parameter and `unnest` turns them back into rows, so a batch costs one round trip whatever its
 * size (and no statement has more parameters than columns).
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { PgExecutor } from "./executor";
import { allRows } from "./rows";

/**
 * Inserts `rows` (the `columns` each gives, by their schema names), in their order, so that
 * generated ids follow it; values are converted as the query builder converts them (JSON as text,
 * NaN as NULL, instants), so the rows stored are the ones single-row inserts would store. Returns
 * the `returning` columns of each inserted row (raw, snake_case), or nothing for an empty list;
 * `onConflict` is the statement's ON CONFLICT clause, if any.
 */
export async function insertRows<TTable extends PgTable, TRow extends Record<string, unknown>>(
  db: PgExecutor,
  table: TTable,
  columns: readonly (keyof TTable["$inferInsert"] & string)[],
  rows: readonly TTable["$inferInsert"][],
  { returning = sql`1`, onConflict }: { returning?: SQL; onConflict?: SQL } = {},
): Promise<TRow[]> {
  if (!rows.length) return [];
  const { names, arrays, fields } = columnArrays(table, columns, rows);
  return allRows<TRow>(
    db,
    sql`insert into ${table} (${sql.join(names, sql`, `)})
      select ${sql.join(fields, sql`, `)} from unnest(${sql.join(arrays, sql`, `)})
        with ordinality as given(${sql.join(fields, sql`, `)}, position) order by position
      ${onConflict ?? sql``} returning ${returning}`,
  );
}

/**
 * Sets the `columns` of each row whose `id` is given to that row's values (converted as
 * insertRows converts them), in one statement.
 */
export async function updateRows<TTable extends PgTable>(
  db: PgExecutor,
  table: TTable,
  columns: readonly (keyof TTable["$inferInsert"] & string)[],
  rows: readonly (TTable["$inferInsert"] & { id: number })[],
): Promise<void> {
  if (!rows.length) return;
  const { names, arrays, fields } = columnArrays(table, columns, rows);
  const sets = names.map((name, i) => sql`${name} = given.${fields[i]!}`);
  await db.execute(
    sql`update ${table} set ${sql.join(sets, sql`, `)}
      from unnest(${sql.param(rows.map((row) => row.id))}::int[], ${sql.join(arrays, sql`, `)}) as given(id, ${sql.join(fields, sql`, `)})
      where ${table}.id = given.id`,
  );
}

/** Each column's name, its values as one typed array parameter, and a field name for it in `unnest`. */
function columnArrays<TTable extends PgTable>(
  table: TTable,
  columns: readonly (keyof TTable["$inferInsert"] & string)[],
  rows: readonly TTable["$inferInsert"][],
) {
  const schemaColumns = getTableColumns(table);
  const arrays = columns.map((key) => {
    const column = schemaColumns[key]!;
    const values = rows.map((row) => {
      const value = (row as Record<string, unknown>)[key];
      return value === null || value === undefined ? null : column.mapToDriverValue(value);
    });
    return sql`${sql.param(values)}::${sql.raw(column.getSQLType())}[]`;
  });
  const names = columns.map((key) => sql.identifier(schemaColumns[key]!.name));
  const fields = columns.map((_, i) => sql.identifier(`c${i}`));
  return { names, arrays, fields };
}
