import { is } from "drizzle-orm";
import { getTableConfig as pgTableConfig, PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as sqliteTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as sqlite from "../schema";
import * as pg from "./schema";

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type TableNames<S> = { [K in keyof S]: S[K] extends { $inferSelect: unknown } ? K : never }[keyof S];
type Mismatched<Row extends "$inferSelect" | "$inferInsert"> = {
  [K in TableNames<typeof sqlite>]: K extends keyof typeof pg
    ? Equal<(typeof sqlite)[K][Row], (typeof pg)[K][Row]> extends true
      ? never
      : K
    : K;
}[TableNames<typeof sqlite>];

type KeysThatAreReferences =
  | "datasetImports"
  | "promptStats"
  | "statsVersions"
  | "datasetStats"
  | "opennessEstimateSummaries"
  | "opennessEstimates"
  | "annotationAgreement";

const sqliteTables: SQLiteTable[] = Object.values(sqlite).flatMap((t) => (is(t, SQLiteTable) ? [t] : []));
const pgTables: PgTable[] = Object.values(pg).flatMap((t) => (is(t, PgTable) ? [t] : []));

/** Whether the database numbers the column itself: AUTOINCREMENT there, an identity here. */
function numbered(column: object): boolean {
  if ("autoIncrement" in column) return column.autoIncrement === true;
  return "generatedIdentity" in column && column.generatedIdentity !== undefined;
}

/** A table's shape in words both dialects share: columns, keys, references and index names. */
function shape(config: ReturnType<typeof sqliteTableConfig> | ReturnType<typeof pgTableConfig>) {
  return {
    name: config.name,
    columns: config.columns
      .map((c) => ({
        name: c.name,
        notNull: c.notNull,
        // A rowid key counts as defaulted on SQLite (see KeysThatAreReferences).
        hasDefault: c.primary ? numbered(c) : c.hasDefault,
        primary: c.primary,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    primaryKeys: config.primaryKeys.map((k) => k.columns.map((c) => c.name)),
    unique: [
      ...config.columns.filter((c) => c.isUnique).map((c) => c.name),
      ...config.uniqueConstraints.map((u) => u.columns.map((c) => c.name).join(",")),
    ].sort(),
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const ref = fk.reference();
        return `${ref.columns.map((c) => c.name)} -> ${ref.foreignColumns.map((c) => c.name)} on delete ${fk.onDelete ?? "no action"}`;
      })
      .sort(),
    indexes: config.indexes.map((i) => i.config.name ?? "(unnamed)").sort(),
  };
}

/** The trigram indexes stand in for SQLite's FTS5 table (prompts_fts), which is not in the schema. */
const PG_ONLY_INDEXES = ["prompts_external_id_trgm", "prompts_text_trgm"];

describe("db/pg/schema.ts", () => {
  // Checked by the type checker (npm run typecheck), not at run time.
  it("gives every table the same row types as db/schema.ts, so one store interface serves both", () => {
    expectTypeOf<Mismatched<"$inferSelect">>().toBeNever();
    // A key that is also a reference (prompt_stats.prompt_id…) is SQLite's rowid, which SQLite would
    // number itself if an insert left it out; here an insert must name it.
    expectTypeOf<Mismatched<"$inferInsert">>().toEqualTypeOf<KeysThatAreReferences>();
  });

  it("has the same tables, columns, keys, references and indexes as db/schema.ts", () => {
    expect(pgTables.map((t) => pgTableConfig(t).name).sort()).toEqual(
      sqliteTables.map((t) => sqliteTableConfig(t).name).sort(),
    );
    for (const table of sqliteTables) {
      const expected = shape(sqliteTableConfig(table));
      const mirror = pgTables.find((t) => pgTableConfig(t).name === expected.name);
      if (!mirror) throw new Error(`no ${expected.name} in db/pg/schema.ts`);
      const actual = shape(pgTableConfig(mirror));
      actual.indexes = actual.indexes.filter((name) => !PG_ONLY_INDEXES.includes(name));
      expect(actual, expected.name).toEqual(expected);
    }
  });

  it("writes NaN as NULL, as SQLite stores a NaN real", () => {
    const column = pg.promptStats.kendallW;
    expect(column.mapToDriverValue(Number.NaN)).toBeNull();
    expect(column.mapToDriverValue(0.25)).toBe(0.25);
    expect(column.mapToDriverValue(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});
