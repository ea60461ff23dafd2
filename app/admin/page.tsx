import type { ReactNode } from "react";
import { getDb } from "@/lib/db";
import { ROLES } from "@/db/schema";
import { ActionForm, SubmitButton } from "@/components/admin/action-form";
import {
  createTokenAction,
  createUserAction,
  revokeTokenAction,
  setDisabledAction,
  setRoleAction,
  updateDatasetAction,
} from "@/lib/admin/actions";
import { listApiTokens, listUsers } from "@/lib/admin/queries";
import { listDatasets } from "@/lib/datasets/queries";
import { QUEUE_ORDER_DESCRIPTIONS } from "@/lib/annotations/queue";
import { QUEUE_ORDER_NAMES } from "@/db/schema";
import { requirePageUser } from "@/lib/auth/session";
import { cn } from "@/lib/utils";

export const metadata = { title: "Admin" };
export const dynamic = "force-dynamic";

const input =
  "h-9 rounded-md border border-slate-300 bg-white px-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30";
const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "—");

type Column = string | { label: string; numeric: true };

/** The page's tables: a scrolling frame, a header row, and the rows given as children. */
function Table({ testId, columns, children }: { testId: string; columns: Column[]; children: ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full text-sm" data-testid={testId}>
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            {columns.map((column) => {
              const { label, numeric } = typeof column === "string" ? { label: column, numeric: false } : column;
              return (
                <th key={label} scope="col" className={cn("px-3 py-2", numeric && "text-right")}>
                  {label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}

export default async function Page() {
  const me = await requirePageUser("admin", "/admin");
  const db = getDb();
  const users = listUsers(db);
  const tokens = listApiTokens(db);
  const datasets = listDatasets(db);

  return (
    <div className="space-y-10">
      <h1 className="text-2xl font-semibold tracking-tight">Admin</h1>

      <section aria-labelledby="users-heading" className="space-y-3">
        <h2 id="users-heading" className="text-lg font-semibold">
          Users and progress
        </h2>
        <Table
          testId="user-table"
          columns={[
            "User",
            "Role",
            { label: "Annotations", numeric: true },
            { label: "Last 7 days", numeric: true },
            { label: "Median s", numeric: true },
            "Last active",
            "Access",
          ]}
        >
          {users.map((u) => (
            <tr
              key={u.id}
              data-testid={`user-row-${u.email}`}
              className={u.disabled ? "bg-slate-50 text-slate-400" : undefined}
            >
              <td className="px-3 py-2">
                <div className="font-medium">{u.name}</div>
                <div className="text-xs text-slate-500">{u.email}</div>
              </td>
              <td className="px-3 py-2">
                <ActionForm
                  action={setRoleAction}
                  className="flex flex-wrap items-center gap-1"
                  label={`Role of ${u.email}`}
                >
                  <input type="hidden" name="userId" value={u.id} />
                  <select name="role" defaultValue={u.role} aria-label={`Role of ${u.email}`} className={input}>
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                  <SubmitButton size="sm" variant="secondary">
                    Set
                  </SubmitButton>
                </ActionForm>
              </td>
              <td className="px-3 py-2 text-right tabular-nums">{u.annotations}</td>
              <td className="px-3 py-2 text-right tabular-nums">{u.annotationsLastWeek}</td>
              <td className="px-3 py-2 text-right tabular-nums">
                {u.medianSeconds === null ? "—" : Math.round(u.medianSeconds)}
              </td>
              <td className="px-3 py-2 text-xs">{when(u.lastAnnotationAt)}</td>
              <td className="px-3 py-2">
                <ActionForm
                  action={setDisabledAction}
                  className="flex flex-wrap items-center gap-1"
                  label={`Access of ${u.email}`}
                >
                  <input type="hidden" name="userId" value={u.id} />
                  <input type="hidden" name="disabled" value={u.disabled ? "0" : "1"} />
                  {u.disabled && <span className="text-xs font-semibold uppercase text-rose-700">disabled</span>}
                  <SubmitButton
                    size="sm"
                    variant={u.disabled ? "secondary" : "ghost"}
                    disabled={u.id === me.id}
                    data-testid="toggle-disabled"
                  >
                    {u.disabled ? "Enable" : "Disable"}
                  </SubmitButton>
                </ActionForm>
              </td>
            </tr>
          ))}
        </Table>

        <ActionForm
          action={createUserAction}
          className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
          testId="create-user"
          label="Create a user"
        >
          <label className="text-sm">
            <span className="block text-xs text-slate-500">Email</span>
            <input name="email" type="email" required className={input} />
          </label>
          <label className="text-sm">
            <span className="block text-xs text-slate-500">Name</span>
            <input name="name" required className={input} />
          </label>
          <label className="text-sm">
            <span className="block text-xs text-slate-500">Role</span>
            <select name="role" defaultValue="annotator" className={input}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <label className="text-sm">
            <span className="block text-xs text-slate-500">Initial password (8+)</span>
            <input
              name="password"
              type="password"
              minLength={8}
              required
              autoComplete="new-password"
              className={input}
            />
          </label>
          <SubmitButton>Create user</SubmitButton>
        </ActionForm>
      </section>

      <section aria-labelledby="tokens-heading" className="space-y-3">
        <h2 id="tokens-heading" className="text-lg font-semibold">
          API tokens
        </h2>
        <p className="text-sm text-slate-600">
          Send as <code className="rounded bg-slate-100 px-1">Authorization: Bearer &lt;token&gt;</code>; a token acts
          with its user&apos;s role. Only a hash is stored, so a token is shown once.
        </p>
        <ActionForm
          action={createTokenAction}
          className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
          testId="create-token"
          label="Create an API token"
        >
          <label className="text-sm">
            <span className="block text-xs text-slate-500">Token name</span>
            <input name="name" required placeholder="nightly export" className={input} data-testid="token-name" />
          </label>
          <label className="text-sm">
            <span className="block text-xs text-slate-500">For user</span>
            <select name="userId" defaultValue={me.id} className={input}>
              {users
                .filter((u) => !u.disabled)
                .map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.email} ({u.role})
                  </option>
                ))}
            </select>
          </label>
          <SubmitButton data-testid="token-create">Create token</SubmitButton>
        </ActionForm>
        <Table testId="token-table" columns={["Name", "Prefix", "User", "Created", "Last used", "Status"]}>
          {tokens.length === 0 && (
            <tr>
              <td colSpan={6} className="px-3 py-4 text-center text-slate-500">
                No tokens yet.
              </td>
            </tr>
          )}
          {tokens.map((t) => (
            <tr key={t.id} data-testid={`token-row-${t.name}`}>
              <td className="px-3 py-2 font-medium">{t.name}</td>
              <td className="px-3 py-2 font-mono text-xs">{t.prefix}…</td>
              <td className="px-3 py-2 text-xs">
                {t.userEmail} ({t.userRole})
              </td>
              <td className="px-3 py-2 text-xs">{when(t.createdAt)}</td>
              <td className="px-3 py-2 text-xs">{when(t.lastUsedAt)}</td>
              <td className="px-3 py-2">
                {t.revokedAt ? (
                  <span className="text-xs text-slate-500">revoked {when(t.revokedAt)}</span>
                ) : (
                  <ActionForm action={revokeTokenAction} label={`Revoke ${t.name}`}>
                    <input type="hidden" name="tokenId" value={t.id} />
                    <SubmitButton size="sm" variant="danger" data-testid="token-revoke">
                      Revoke
                    </SubmitButton>
                  </ActionForm>
                )}
              </td>
            </tr>
          ))}
        </Table>
      </section>

      <section aria-labelledby="datasets-heading" className="space-y-3">
        <h2 id="datasets-heading" className="text-lg font-semibold">
          Dataset settings
        </h2>
        <div className="grid gap-4 lg:grid-cols-2">
          {datasets.map((d) => (
            <ActionForm
              key={d.id}
              action={updateDatasetAction}
              className="space-y-2 rounded-lg border border-slate-200 bg-white p-4"
              label={`Settings of ${d.slug}`}
              testId={`dataset-settings-${d.slug}`}
            >
              <input type="hidden" name="slug" value={d.slug} />
              <p className="font-mono text-xs text-slate-500">
                {d.slug} · {d.prompts} prompts × {d.responsesPerPrompt} responses (fixed) · {d.completePrompts} complete
              </p>
              <label className="block text-sm">
                <span className="block text-xs text-slate-500">Name</span>
                <input name="name" defaultValue={d.name} required className={`${input} w-full`} />
              </label>
              <label className="block text-sm">
                <span className="block text-xs text-slate-500">Annotations per prompt</span>
                <input
                  name="annotationsPerPrompt"
                  type="number"
                  min={1}
                  max={50}
                  defaultValue={d.annotationsPerPrompt}
                  className={`${input} w-24`}
                />
              </label>
              <label className="block text-sm">
                <span className="block text-xs text-slate-500">How annotators judge</span>
                <select
                  name="rankingMode"
                  defaultValue={d.rankingMode}
                  className={input}
                  data-testid={`ranking-mode-${d.slug}`}
                >
                  <option value="ranking">rank all responses at once</option>
                  <option value="pairwise">pairwise: two at a time (A better / tie / B better)</option>
                </select>
              </label>
              <label className="block text-sm">
                <span className="block text-xs text-slate-500">Queue order</span>
                <select
                  name="queueOrder"
                  defaultValue={d.queueOrder}
                  className={input}
                  data-testid={`queue-order-${d.slug}`}
                >
                  {QUEUE_ORDER_NAMES.map((o) => (
                    <option key={o} value={o}>
                      {QUEUE_ORDER_DESCRIPTIONS[o]}
                    </option>
                  ))}
                </select>
              </label>
              <label className="block text-sm">
                <span className="block text-xs text-slate-500">Guidelines (markdown)</span>
                <textarea
                  name="guidelines"
                  defaultValue={d.guidelines}
                  rows={4}
                  className="w-full rounded-md border border-slate-300 p-2 text-sm"
                />
              </label>
              <SubmitButton size="sm">Save</SubmitButton>
            </ActionForm>
          ))}
        </div>
      </section>
    </div>
  );
}
