import type { ReactNode } from "react";
import { getDb } from "@/lib/db";
import { ROLES } from "@/db/schema";
import { ConfirmSubmitButton } from "@/components/admin/confirm-submit";
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
import { Input, Select } from "@/components/ui/input";
import { Table, TableBody, TableHead, TableHeader } from "@/components/ui/table";
import { Textarea } from "@/components/ui/textarea";

export const metadata = { title: "Admin" };
export const dynamic = "force-dynamic";

/** Admin forms sit inline in table cells: fields at button height, as wide as their content. */
const compact = "h-9 w-auto px-2 py-0";
const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "—");

type Column = string | { label: string; numeric: true };

/** The page's tables: a scrolling frame, a header row, and the rows given as children. */
function AdminTable({ testId, columns, children }: { testId: string; columns: Column[]; children: ReactNode }) {
  return (
    <Table data-testid={testId}>
      <TableHeader>
        <tr>
          {columns.map((column) => {
            const { label, numeric } = typeof column === "string" ? { label: column, numeric: false } : column;
            return (
              <TableHead key={label} numeric={numeric}>
                {label}
              </TableHead>
            );
          })}
        </tr>
      </TableHeader>
      <TableBody>{children}</TableBody>
    </Table>
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
        <AdminTable
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
              className={u.disabled ? "bg-slate-50 text-slate-600" : undefined}
            >
              <td className="px-3 py-2">
                <div className="font-medium">{u.name}</div>
                <div className="text-xs text-slate-600">{u.email}</div>
              </td>
              <td className="px-3 py-2">
                <ActionForm
                  action={setRoleAction}
                  className="flex flex-wrap items-center gap-1"
                  label={`Role of ${u.email}`}
                >
                  <input type="hidden" name="userId" value={u.id} />
                  <Select name="role" defaultValue={u.role} aria-label={`Role of ${u.email}`} className={compact}>
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </Select>
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
                  {u.disabled ? (
                    <SubmitButton size="sm" variant="secondary" data-testid="toggle-disabled">
                      Enable
                    </SubmitButton>
                  ) : (
                    <ConfirmSubmitButton
                      size="sm"
                      variant="ghost"
                      disabled={u.id === me.id}
                      data-testid="toggle-disabled"
                      title={`Disable ${u.email}?`}
                      description="They are signed out at once and cannot sign in until an admin enables them again. Their annotations are kept."
                      confirmLabel="Disable"
                    >
                      Disable
                    </ConfirmSubmitButton>
                  )}
                </ActionForm>
              </td>
            </tr>
          ))}
        </AdminTable>

        <ActionForm
          action={createUserAction}
          className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
          testId="create-user"
          label="Create a user"
        >
          <label className="text-sm">
            <span className="block text-xs text-slate-600">Email</span>
            <Input name="email" type="email" required className={compact} />
          </label>
          <label className="text-sm">
            <span className="block text-xs text-slate-600">Name</span>
            <Input name="name" required className={compact} />
          </label>
          <label className="text-sm">
            <span className="block text-xs text-slate-600">Role</span>
            <Select name="role" defaultValue="annotator" className={compact}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </Select>
          </label>
          <label className="text-sm">
            <span className="block text-xs text-slate-600">Initial password (8+)</span>
            <Input
              name="password"
              type="password"
              minLength={8}
              required
              autoComplete="new-password"
              className={compact}
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
            <span className="block text-xs text-slate-600">Token name</span>
            <Input name="name" required placeholder="nightly export" className={compact} data-testid="token-name" />
          </label>
          <label className="text-sm">
            <span className="block text-xs text-slate-600">For user</span>
            <Select name="userId" defaultValue={me.id} className={compact}>
              {users
                .filter((u) => !u.disabled)
                .map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.email} ({u.role})
                  </option>
                ))}
            </Select>
          </label>
          <SubmitButton data-testid="token-create">Create token</SubmitButton>
        </ActionForm>
        <AdminTable testId="token-table" columns={["Name", "Prefix", "User", "Created", "Last used", "Status"]}>
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
                  <span className="text-xs text-slate-600">revoked {when(t.revokedAt)}</span>
                ) : (
                  <ActionForm
                    action={revokeTokenAction}
                    // Names repeat (every CI token may be "ci"): the prefix and owner tell the forms apart.
                    label={`Revoke token ${t.prefix}… (${t.name}) of ${t.userEmail}`}
                  >
                    <input type="hidden" name="tokenId" value={t.id} />
                    <SubmitButton size="sm" variant="danger" data-testid="token-revoke">
                      Revoke
                    </SubmitButton>
                  </ActionForm>
                )}
              </td>
            </tr>
          ))}
        </AdminTable>
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
              <p className="font-mono text-xs text-slate-600">
                {d.slug} · {d.prompts} prompts × {d.responsesPerPrompt} responses (fixed) · {d.completePrompts} complete
              </p>
              <label className="block text-sm">
                <span className="block text-xs text-slate-600">Name</span>
                <Input name="name" defaultValue={d.name} required className="h-9 px-2 py-0" />
              </label>
              <label className="block text-sm">
                <span className="block text-xs text-slate-600">Annotations per prompt</span>
                <Input
                  name="annotationsPerPrompt"
                  type="number"
                  min={1}
                  max={50}
                  defaultValue={d.annotationsPerPrompt}
                  className="h-9 w-24 px-2 py-0"
                />
              </label>
              <label className="block text-sm">
                <span className="block text-xs text-slate-600">How annotators judge</span>
                <Select
                  name="rankingMode"
                  defaultValue={d.rankingMode}
                  className={compact}
                  data-testid={`ranking-mode-${d.slug}`}
                >
                  <option value="ranking">rank all responses at once</option>
                  <option value="pairwise">pairwise: two at a time (A better / tie / B better)</option>
                </Select>
              </label>
              <label className="block text-sm">
                <span className="block text-xs text-slate-600">Queue order</span>
                <Select
                  name="queueOrder"
                  defaultValue={d.queueOrder}
                  className={compact}
                  data-testid={`queue-order-${d.slug}`}
                >
                  {QUEUE_ORDER_NAMES.map((o) => (
                    <option key={o} value={o}>
                      {QUEUE_ORDER_DESCRIPTIONS[o]}
                    </option>
                  ))}
                </Select>
              </label>
              <label className="block text-sm">
                <span className="block text-xs text-slate-600">Guidelines (markdown)</span>
                <Textarea name="guidelines" defaultValue={d.guidelines} rows={4} className="p-2" />
              </label>
              <SubmitButton size="sm">Save</SubmitButton>
            </ActionForm>
          ))}
        </div>
      </section>
    </div>
  );
}
