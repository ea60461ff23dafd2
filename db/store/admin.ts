import type { Db } from "../index";
import type { Role } from "@/lib/domain";
import type { Synchronous } from "./transaction";
import { visibleDatasetText } from "./visible";

export type AdminUserRow = {
  id: number;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
  annotations: number;
  annotationsLastWeek: number;
  lastAnnotationAt: Date | null;
};

export type ApiTokenRow = {
  id: number;
  name: string;
  prefix: string;
  userEmail: string;
  userRole: Role;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

export type ManagedUser = { id: number; role: Role; disabled: boolean; external: boolean; email: string };

export type DatasetSettingsRow = {
  slug: string;
  name: string;
  guidelines: string;
  annotationsPerPrompt: number;
  /** Kept when null. */
  rankingMode: string | null;
  /** Kept when null. */
  queueOrder: string | null;
};

/** Team administration: accounts, roles, API tokens, dataset settings. */
export interface AdminStore {
  /** The team's accounts (not external annotators) with their counts of annotations in visible datasets, since `since` too. */
  users(since: number): Promise<AdminUserRow[]>;
  /** A user's annotation durations (ms) in visible datasets. */
  durations(userId: number): Promise<number[]>;
  user(userId: number): Promise<ManagedUser | null>;
  /** Enabled internal admins. */
  activeAdmins(): Promise<number>;
  setRole(userId: number, role: Role): Promise<void>;
  setDisabled(userId: number, disabled: boolean): Promise<void>;
  /** Stores a token's sha256 and prefix; returns its id. */
  addToken(userId: number, name: string, hash: string, prefix: string): Promise<number>;
  /** Live tokens first, newest first. */
  tokens(): Promise<ApiTokenRow[]>;
  /** Revokes a live token; false when there is none by that id. */
  revokeToken(tokenId: number, at: number): Promise<boolean>;
  /** Updates a dataset's settings; null when there is no such dataset, else its id. */
  updateDataset(settings: DatasetSettingsRow): Promise<number | null>;
  /** Stores a dataset's quality settings (JSON text). */
  setQuality(datasetId: number, quality: string): Promise<void>;
}

/** An annotation `a` of a prompt an import has staged but not landed (lib/datasets/import-staging.ts): not counted yet. */
const IN_STAGED_IMPORT = `exists (select 1 from prompts sp join datasets sd on sd.id = sp.dataset_id
  where sp.id = a.prompt_id and not ${visibleDatasetText("sd")})`;

export function sqliteAdminStore(db: Db) {
  const sqlite = db.$client;
  return {
    users: (since: number) =>
      sqlite
        .prepare<
          [number],
          {
            id: number;
            email: string;
            name: string;
            role: Role;
            disabled: number;
            created_at: number;
            annotations: number;
            last_week: number;
            last_at: number | null;
          }
        >(
          `select u.id, u.email, u.name, u.role, u.disabled, u.created_at,
              count(a.id) as annotations, coalesce(sum(a.updated_at >= ?), 0) as last_week, max(a.updated_at) as last_at
       from users u left join annotations a on a.annotator_id = u.id and not ${IN_STAGED_IMPORT}
       where u.external = 0 group by u.id order by u.role, u.email`,
        )
        .all(since)
        .map((r) => ({
          id: r.id,
          email: r.email,
          name: r.name,
          role: r.role,
          disabled: Boolean(r.disabled),
          createdAt: new Date(r.created_at),
          annotations: r.annotations,
          annotationsLastWeek: r.last_week,
          lastAnnotationAt: r.last_at === null ? null : new Date(r.last_at),
        })),
    durations: (userId: number) =>
      sqlite
        .prepare<[number], number>(
          `select duration_ms as d from annotations a where annotator_id = ? and duration_ms is not null and not ${IN_STAGED_IMPORT}`,
        )
        .pluck()
        .all(userId),
    user(userId: number) {
      const user = sqlite
        .prepare<[number], { id: number; role: Role; disabled: number; external: number; email: string }>(
          "select id, role, disabled, external, email from users where id = ?",
        )
        .get(userId);
      return user ? { ...user, disabled: !!user.disabled, external: !!user.external } : null;
    },
    activeAdmins: () =>
      (
        sqlite
          .prepare("select count(*) as n from users where role = 'admin' and disabled = 0 and external = 0")
          .get() as { n: number }
      ).n,
    setRole(userId: number, role: Role) {
      sqlite.prepare("update users set role = ? where id = ?").run(role, userId);
    },
    setDisabled(userId: number, disabled: boolean) {
      sqlite.prepare("update users set disabled = ? where id = ?").run(disabled ? 1 : 0, userId);
    },
    addToken: (userId: number, name: string, hash: string, prefix: string) =>
      Number(
        sqlite
          .prepare("insert into api_tokens (user_id, name, token_hash, prefix) values (?, ?, ?, ?)")
          .run(userId, name, hash, prefix).lastInsertRowid,
      ),
    tokens: () =>
      sqlite
        .prepare<
          [],
          {
            id: number;
            name: string;
            prefix: string;
            email: string;
            role: Role;
            created_at: number;
            last_used_at: number | null;
            revoked_at: number | null;
          }
        >(
          `select t.id, t.name, t.prefix, u.email, u.role, t.created_at, t.last_used_at, t.revoked_at
       from api_tokens t join users u on u.id = t.user_id order by t.revoked_at is not null, t.id desc`,
        )
        .all()
        .map((t) => ({
          id: t.id,
          name: t.name,
          prefix: t.prefix,
          userEmail: t.email,
          userRole: t.role,
          createdAt: new Date(t.created_at),
          lastUsedAt: t.last_used_at === null ? null : new Date(t.last_used_at),
          revokedAt: t.revoked_at === null ? null : new Date(t.revoked_at),
        })),
    revokeToken: (tokenId: number, at: number) =>
      sqlite.prepare("update api_tokens set revoked_at = ? where id = ? and revoked_at is null").run(at, tokenId)
        .changes > 0,
    updateDataset(settings: DatasetSettingsRow) {
      const result = sqlite
        .prepare(
          "update datasets set name = ?, guidelines = ?, annotations_per_prompt = ?, ranking_mode = coalesce(?, ranking_mode), queue_order = coalesce(?, queue_order) where slug = ?",
        )
        .run(
          settings.name,
          settings.guidelines,
          settings.annotationsPerPrompt,
          settings.rankingMode,
          settings.queueOrder,
          settings.slug,
        );
      if (result.changes === 0) return null;
      return sqlite.prepare<[string], number>("select id from datasets where slug = ?").pluck().get(settings.slug)!;
    },
    setQuality(datasetId: number, quality: string) {
      sqlite.prepare("update datasets set quality = ? where id = ?").run(quality, datasetId);
    },
  } satisfies Synchronous<AdminStore>;
}
