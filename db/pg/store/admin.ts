import { sql } from "drizzle-orm";
import type { AdminStore } from "../../store/admin";
import type { Role } from "@/lib/domain";
import type { PgExecutor } from "./executor";
import { dateOf, epochMs } from "./time";
import { visibleDatasetText } from "./visible";

/** An annotation `a` of a prompt an import has staged but not landed: not counted yet. */
const IN_STAGED_IMPORT = sql.raw(`exists (select 1 from prompts sp join datasets sd on sd.id = sp.dataset_id
  where sp.id = a.prompt_id and not ${visibleDatasetText("sd")})`);

export function postgresAdminStore(db: PgExecutor): AdminStore {
  return {
    async users(since) {
      const { rows } = await db.execute<{
        id: number;
        email: string;
        name: string;
        role: Role;
        disabled: boolean;
        created_at: number;
        annotations: number;
        last_week: number;
        last_at: number | null;
      }>(sql`select u.id, u.email, u.name, u.role, u.disabled, ${epochMs("u.created_at")} as created_at,
          count(a.id)::int as annotations, coalesce(sum((a.updated_at >= ${new Date(since)})::int), 0)::int as last_week,
          ${epochMs("max(a.updated_at)")} as last_at
        from users u left join annotations a on a.annotator_id = u.id and not ${IN_STAGED_IMPORT}
        where not u.external group by u.id order by u.role collate "C", u.email collate "C"`);
      return rows.map((r) => ({
        id: r.id,
        email: r.email,
        name: r.name,
        role: r.role,
        disabled: r.disabled,
        createdAt: new Date(r.created_at),
        annotations: r.annotations,
        annotationsLastWeek: r.last_week,
        lastAnnotationAt: dateOf(r.last_at),
      }));
    },
    async durations(userId) {
      const { rows } = await db.execute<{ d: number }>(
        sql`select duration_ms as d from annotations a
          where annotator_id = ${userId} and duration_ms is not null and not ${IN_STAGED_IMPORT} order by a.id`,
      );
      return rows.map((r) => r.d);
    },
    async user(userId) {
      const { rows } = await db.execute<{
        id: number;
        role: Role;
        disabled: boolean;
        external: boolean;
        email: string;
      }>(sql`select id, role, disabled, external, email from users where id = ${userId}`);
      return rows[0] ?? null;
    },
    async activeAdmins() {
      const { rows } = await db.execute<{ n: number }>(
        sql`select count(*)::int as n from users where role = 'admin' and not disabled and not external`,
      );
      return rows[0]!.n;
    },
    async setRole(userId, role) {
      await db.execute(sql`update users set role = ${role} where id = ${userId}`);
    },
    async setDisabled(userId, disabled) {
      await db.execute(sql`update users set disabled = ${disabled} where id = ${userId}`);
    },
    async addToken(userId, name, hash, prefix) {
      const { rows } = await db.execute<{ id: number }>(
        sql`insert into api_tokens (user_id, name, token_hash, prefix) values (${userId}, ${name}, ${hash}, ${prefix}) returning id`,
      );
      return rows[0]!.id;
    },
    async tokens() {
      const { rows } = await db.execute<{
        id: number;
        name: string;
        prefix: string;
        email: string;
        role: Role;
        created_at: number;
        last_used_at: number | null;
        revoked_at: number | null;
      }>(sql`select t.id, t.name, t.prefix, u.email, u.role, ${epochMs("t.created_at")} as created_at,
          ${epochMs("t.last_used_at")} as last_used_at, ${epochMs("t.revoked_at")} as revoked_at
        from api_tokens t join users u on u.id = t.user_id order by t.revoked_at is not null, t.id desc`);
      return rows.map((t) => ({
        id: t.id,
        name: t.name,
        prefix: t.prefix,
        userEmail: t.email,
        userRole: t.role,
        createdAt: new Date(t.created_at),
        lastUsedAt: dateOf(t.last_used_at),
        revokedAt: dateOf(t.revoked_at),
      }));
    },
    async revokeToken(tokenId, at) {
      const { rows } = await db.execute(
        sql`update api_tokens set revoked_at = ${new Date(at)} where id = ${tokenId} and revoked_at is null returning id`,
      );
      return rows.length > 0;
    },
    async updateDataset(settings) {
      const { rows } = await db.execute<{ id: number }>(
        sql`update datasets set name = ${settings.name}, guidelines = ${settings.guidelines},
          annotations_per_prompt = ${settings.annotationsPerPrompt},
          ranking_mode = coalesce(${settings.rankingMode}, ranking_mode), queue_order = coalesce(${settings.queueOrder}, queue_order)
          where slug = ${settings.slug} returning id`,
      );
      return rows[0]?.id ?? null;
    },
    async setQuality(datasetId, quality) {
      await db.execute(sql`update datasets set quality = ${quality}::json where id = ${datasetId}`);
    },
  };
}
