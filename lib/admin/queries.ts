import "server-only";
import { z } from "zod";
import { numeric } from "@/lib/validation";
import type { Db } from "@/db";
import { QUEUE_ORDER_NAMES, RANKING_MODES, ROLES, type Role } from "@/lib/domain";
import { median } from "@/lib/annotations/agreement";
import { mintApiToken } from "@/lib/auth/api-tokens";
import { datasetQualitySettings, qualitySettingsSchema } from "@/lib/annotations/quality";
import { refreshQueuePriorities } from "@/lib/annotations/queue-priority";
import { AppError } from "@/lib/errors";

/** Team administration: users, roles, API tokens, dataset settings, annotator progress. */

/** A refused admin change: a missing user, token or dataset ("not-found"), or a rule it would break ("conflict"). */
export class AdminError extends AppError {
  constructor(message: string, kind: "not-found" | "conflict" = "conflict") {
    super(kind, message);
  }
}

export type AdminUser = {
  id: number;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
  annotations: number;
  annotationsLastWeek: number;
  medianSeconds: number | null;
  lastAnnotationAt: Date | null;
};

/** An annotation `a` of a prompt an import has staged but not landed (lib/datasets/import-staging.ts): not counted yet. */
const IN_STAGED_IMPORT = `exists (select 1 from prompts sp join datasets sd on sd.id = sp.dataset_id
  where sp.id = a.prompt_id and sd.import_staging = 1)`;

export function listUsers(db: Db): AdminUser[] {
  const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
  const rows = db.$client
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
    .all(weekAgo);
  const durations = db.$client.prepare<[number], { d: number }>(
    `select duration_ms as d from annotations a where annotator_id = ? and duration_ms is not null and not ${IN_STAGED_IMPORT}`,
  );
  return rows.map((r) => {
    const medianMs = median(durations.all(r.id).map((x) => x.d));
    return {
      id: r.id,
      email: r.email,
      name: r.name,
      role: r.role,
      disabled: Boolean(r.disabled),
      createdAt: new Date(r.created_at),
      annotations: r.annotations,
      annotationsLastWeek: r.last_week,
      medianSeconds: medianMs === null ? null : medianMs / 1000,
      lastAnnotationAt: r.last_at === null ? null : new Date(r.last_at),
    };
  });
}

function activeAdmins(db: Db): number {
  return (
    db.$client
      .prepare("select count(*) as n from users where role = 'admin' and disabled = 0 and external = 0")
      .get() as { n: number }
  ).n;
}

function internalUser(db: Db, userId: number) {
  const user = db.$client
    .prepare<[number], { id: number; role: Role; disabled: number; external: number; email: string }>(
      "select id, role, disabled, external, email from users where id = ?",
    )
    .get(userId);
  if (!user || user.external)
    throw new AdminError("There is no such user (external annotators have no account to manage).", "not-found");
  return user;
}

const userIdSchema = numeric(z.number({ message: "userId is a user's id." }).int().positive());

export const setRoleSchema = z.object({ userId: userIdSchema, role: z.enum(ROLES) });

/** Changes a role; refuses to leave the team without an active admin. */
export function setUserRole(db: Db, input: z.infer<typeof setRoleSchema>): void {
  db.$client.transaction(() => {
    const user = internalUser(db, input.userId);
    if (user.role === "admin" && input.role !== "admin" && !user.disabled && activeAdmins(db) <= 1) {
      throw new AdminError("This is the last active admin; make someone else admin first.");
    }
    db.$client.prepare("update users set role = ? where id = ?").run(input.role, input.userId);
  })();
}

export const setDisabledSchema = z.object({
  userId: userIdSchema,
  disabled: z.enum(["0", "1"]).transform((v) => v === "1"),
});

/** Disabling keeps every annotation; the user just cannot sign in or use tokens. */
export function setUserDisabled(db: Db, actorId: number, input: z.infer<typeof setDisabledSchema>): void {
  if (input.userId === actorId && input.disabled) throw new AdminError("You cannot disable your own account.");
  db.$client.transaction(() => {
    const user = internalUser(db, input.userId);
    if (input.disabled && user.role === "admin" && !user.disabled && activeAdmins(db) <= 1) {
      throw new AdminError("This is the last active admin; it cannot be disabled.");
    }
    db.$client.prepare("update users set disabled = ? where id = ?").run(input.disabled ? 1 : 0, input.userId);
  })();
}

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

export const createTokenSchema = z.object({
  userId: userIdSchema,
  name: z.string().trim().min(1, "Name the token (e.g. what script uses it).").max(100),
});

/** Creates a token for a user. The token is returned once; only its sha256 is stored. */
export function createApiToken(
  db: Db,
  input: z.infer<typeof createTokenSchema>,
): { token: string; id: number; prefix: string } {
  const user = internalUser(db, input.userId);
  if (user.disabled) throw new AdminError("That user is disabled; enable them before giving them a token.");
  const { token, hash, prefix } = mintApiToken();
  const id = Number(
    db.$client
      .prepare("insert into api_tokens (user_id, name, token_hash, prefix) values (?, ?, ?, ?)")
      .run(input.userId, input.name, hash, prefix).lastInsertRowid,
  );
  return { token, id, prefix };
}

export function listApiTokens(db: Db): ApiTokenRow[] {
  return db.$client
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
    }));
}

export const revokeTokenSchema = z.object({
  tokenId: numeric(z.number({ message: "tokenId is a token's id." }).int().positive()),
});

export function revokeApiToken(db: Db, input: z.infer<typeof revokeTokenSchema>): void {
  const result = db.$client
    .prepare("update api_tokens set revoked_at = ? where id = ? and revoked_at is null")
    .run(Date.now(), input.tokenId);
  if (result.changes === 0) throw new AdminError("That token does not exist or is already revoked.", "not-found");
}

export const datasetSettingsUpdateSchema = z.object({
  slug: z.string().min(1),
  name: z.string().trim().min(1, "Enter a name.").max(200),
  guidelines: z.string().max(50_000),
  annotationsPerPrompt: numeric(
    z
      .number({ message: "Annotations per prompt is a whole number from 1 to 50." })
      .int()
      .min(1, "At least 1 annotation per prompt.")
      .max(50, "At most 50 annotations per prompt."),
  ),
  /** Left as it is when the form does not send it. */
  rankingMode: z.enum(RANKING_MODES, { message: `The mode is one of ${RANKING_MODES.join(", ")}.` }).optional(),
  /** Gold and attention checks, as percentages and seconds in the form; left as they are when not sent. */
  goldPercent: numeric(z.number().min(0).max(100).optional()),
  floorSeconds: numeric(z.number().min(0).max(3600).optional()),
  floorSecondsPer1000Chars: numeric(z.number().min(0).max(3600).optional()),
  minChecks: numeric(z.number().int().min(1).max(1000).optional()),
  pauseGoldTau: numeric(z.number().min(-1).max(1).optional()),
  pauseFastPercent: numeric(z.number().min(0).max(100).optional()),
  /** Left as it is when the form does not send it. */
  queueOrder: z
    .enum(QUEUE_ORDER_NAMES, { message: `The queue order is one of ${QUEUE_ORDER_NAMES.join(", ")}.` })
    .optional(),
});

/** Responses per prompt is fixed once a dataset has prompts, so it is not editable here. */
export function updateDatasetSettings(db: Db, input: z.infer<typeof datasetSettingsUpdateSchema>): void {
  const result = db.$client
    .prepare(
      "update datasets set name = ?, guidelines = ?, annotations_per_prompt = ?, ranking_mode = coalesce(?, ranking_mode), queue_order = coalesce(?, queue_order) where slug = ?",
    )
    .run(
      input.name,
      input.guidelines,
      input.annotationsPerPrompt,
      input.rankingMode ?? null,
      input.queueOrder ?? null,
      input.slug,
    );
  if (result.changes === 0) throw new AdminError(`There is no dataset "${input.slug}".`, "not-found");
  if (input.goldPercent !== undefined) {
    const id = db.$client.prepare<[string], number>("select id from datasets where slug = ?").pluck().get(input.slug)!;
    const current = datasetQualitySettings(db, id);
    const pauseGoldTau = input.pauseGoldTau ?? current.pauseGoldTau;
    const pauseFastShare = input.pauseFastPercent === undefined ? current.pauseFastShare : input.pauseFastPercent / 100;
    const quality = qualitySettingsSchema.parse({
      ...current,
      goldRate: input.goldPercent / 100,
      floorSeconds: input.floorSeconds ?? current.floorSeconds,
      floorSecondsPer1000Chars: input.floorSecondsPer1000Chars ?? current.floorSecondsPer1000Chars,
      minChecks: input.minChecks ?? current.minChecks,
      pauseGoldTau,
      pauseFastShare,
      // The warning sits between the pause and a clean record: a fifth of the way back for tau, half for the share.
      warnGoldTau: Math.min(1, pauseGoldTau + 0.2),
      warnFastShare: pauseFastShare / 2,
    });
    db.$client.prepare("update datasets set quality = ? where id = ?").run(JSON.stringify(quality), id);
  }
  // Start computing the order's priorities now (in a child process), not when the first annotator
  // asks, even if a fit for the dataset page has just run (it wrote no priorities under the old order).
  if (input.queueOrder === "uncertain-openness" || input.queueOrder === "uncertain-rewards") {
    const { id } = db.$client
      .prepare<[string], { id: number }>("select id from datasets where slug = ?")
      .get(input.slug)!;
    refreshQueuePriorities(db, id, input.queueOrder, { startNow: true });
  }
}
