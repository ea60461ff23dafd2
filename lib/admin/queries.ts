import "server-only";
import { z } from "zod";
import { numeric } from "@/lib/validation";
import type { Store } from "@/lib/db";
import type { AdminUserRow, ApiTokenRow, ManagedUser } from "@/db/store/admin";
import { QUEUE_ORDER_NAMES, RANKING_MODES, ROLES } from "@/lib/domain";
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

export type AdminUser = AdminUserRow & { medianSeconds: number | null };

export async function listUsers(store: Store): Promise<AdminUser[]> {
  const rows = await store.admin.users(Date.now() - 7 * 24 * 3600 * 1000);
  const users: AdminUser[] = [];
  for (const r of rows) {
    const medianMs = median(await store.admin.durations(r.id));
    users.push({ ...r, medianSeconds: medianMs === null ? null : medianMs / 1000 });
  }
  return users;
}

async function internalUser(store: Store, userId: number): Promise<ManagedUser> {
  const user = await store.admin.user(userId);
  if (!user || user.external)
    throw new AdminError("There is no such user (external annotators have no account to manage).", "not-found");
  return user;
}

const userIdSchema = numeric(z.number({ message: "userId is a user's id." }).int().positive());

export const setRoleSchema = z.object({ userId: userIdSchema, role: z.enum(ROLES) });

/** Changes a role; refuses to leave the team without an active admin (a serial write: two admins demoting each other at once cannot both succeed). */
export function setUserRole(store: Store, input: z.infer<typeof setRoleSchema>): Promise<void> {
  return store.transaction("serial", async (tx) => {
    const user = await internalUser(tx, input.userId);
    if (user.role === "admin" && input.role !== "admin" && !user.disabled && (await tx.admin.activeAdmins()) <= 1) {
      throw new AdminError("This is the last active admin; make someone else admin first.");
    }
    await tx.admin.setRole(input.userId, input.role);
  });
}

export const setDisabledSchema = z.object({
  userId: userIdSchema,
  disabled: z.enum(["0", "1"]).transform((v) => v === "1"),
});

/** Disabling keeps every annotation; the user just cannot sign in or use tokens. */
export async function setUserDisabled(
  store: Store,
  actorId: number,
  input: z.infer<typeof setDisabledSchema>,
): Promise<void> {
  if (input.userId === actorId && input.disabled) throw new AdminError("You cannot disable your own account.");
  await store.transaction("serial", async (tx) => {
    const user = await internalUser(tx, input.userId);
    if (input.disabled && user.role === "admin" && !user.disabled && (await tx.admin.activeAdmins()) <= 1) {
      throw new AdminError("This is the last active admin; it cannot be disabled.");
    }
    await tx.admin.setDisabled(input.userId, input.disabled);
  });
}

export type { ApiTokenRow };

export const createTokenSchema = z.object({
  userId: userIdSchema,
  name: z.string().trim().min(1, "Name the token (e.g. what script uses it).").max(100),
});

/** Creates a token for a user. The token is returned once; only its sha256 is stored. */
export async function createApiToken(
  store: Store,
  input: z.infer<typeof createTokenSchema>,
): Promise<{ token: string; id: number; prefix: string }> {
  const user = await internalUser(store, input.userId);
  if (user.disabled) throw new AdminError("That user is disabled; enable them before giving them a token.");
  const { token, hash, prefix } = mintApiToken();
  const id = await store.transaction("atomic", (tx) => tx.admin.addToken(input.userId, input.name, hash, prefix));
  return { token, id, prefix };
}

export function listApiTokens(store: Store): Promise<ApiTokenRow[]> {
  return store.admin.tokens();
}

export const revokeTokenSchema = z.object({
  tokenId: numeric(z.number({ message: "tokenId is a token's id." }).int().positive()),
});

export async function revokeApiToken(store: Store, input: z.infer<typeof revokeTokenSchema>): Promise<void> {
  const revoked = await store.transaction("atomic", (tx) => tx.admin.revokeToken(input.tokenId, Date.now()));
  if (!revoked) throw new AdminError("That token does not exist or is already revoked.", "not-found");
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
export async function updateDatasetSettings(
  store: Store,
  input: z.infer<typeof datasetSettingsUpdateSchema>,
): Promise<void> {
  const id = await store.transaction("atomic", async (tx) => {
    const id = await tx.admin.updateDataset({
      slug: input.slug,
      name: input.name,
      guidelines: input.guidelines,
      annotationsPerPrompt: input.annotationsPerPrompt,
      rankingMode: input.rankingMode ?? null,
      queueOrder: input.queueOrder ?? null,
    });
    if (id === null) throw new AdminError(`There is no dataset "${input.slug}".`, "not-found");
    if (input.goldPercent !== undefined) {
      const current = await datasetQualitySettings(tx, id);
      const pauseGoldTau = input.pauseGoldTau ?? current.pauseGoldTau;
      const pauseFastShare =
        input.pauseFastPercent === undefined ? current.pauseFastShare : input.pauseFastPercent / 100;
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
      await tx.admin.setQuality(id, JSON.stringify(quality));
    }
    return id;
  });
  // Start computing the order's priorities now (in a child process), not when the first annotator
  // asks, even if a fit for the dataset page has just run (it wrote no priorities under the old order).
  if (input.queueOrder === "uncertain-openness" || input.queueOrder === "uncertain-rewards")
    await refreshQueuePriorities(store, id, input.queueOrder, { startNow: true });
}
