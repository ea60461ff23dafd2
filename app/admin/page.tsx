import { getStore } from "@/lib/db";
import { formatDateTime } from "@/lib/utils";
import { ROLES } from "@/lib/domain";
import { ConfirmSubmitButton } from "@/components/admin/confirm-submit";
import { ActionForm, SubmitButton } from "@/components/admin/action-form";
import {
  createTokenAction,
  createUserAction,
  resumeAnnotatorAction,
  revokeTokenAction,
  setDisabledAction,
  setRoleAction,
  updateDatasetAction,
} from "@/lib/admin/actions";
import { listApiTokens, listUsers } from "@/lib/admin/queries";
import { datasetQualitySettings, listPauses } from "@/lib/annotations/quality";
import { listDatasets } from "@/lib/datasets/queries";
import { QUEUE_ORDER_DESCRIPTIONS } from "@/lib/annotations/queue";
import { QUEUE_ORDER_NAMES } from "@/lib/domain";
import { requirePageUser } from "@/lib/auth/session";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password";
import { cardVariants } from "@/components/ui/card";
import { CompactInput, CompactSelect, Field, fieldRowVariants } from "@/components/ui/field";
import { PageHeader, PageSection } from "@/components/ui/page-header";
import { Select } from "@/components/ui/input";
import { DataTable, TableCell, TableRow } from "@/components/ui/table";
import { Textarea } from "@/components/ui/textarea";

export const metadata = { title: "Admin" };
export const dynamic = "force-dynamic";

const when = (d: Date | null) => (d ? formatDateTime(d) : "—");

export default async function Page() {
  const me = await requirePageUser("admin", "/admin");
  const store = getStore();
  const users = await listUsers(store);
  const tokens = await listApiTokens(store);
  const datasets = await listDatasets(store);
  const pauses = await listPauses(store);
  const qualityOf = new Map(
    await Promise.all(datasets.map(async (d) => [d.id, await datasetQualitySettings(store, d.id)] as const)),
  );

  return (
    <div className="space-y-10">
      <PageHeader title="Admin" />

      <PageSection id="users" title="Users and progress">
        <DataTable
          data-testid="user-table"
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
            <TableRow
              key={u.id}
              data-testid={`user-row-${u.email}`}
              className={u.disabled ? "bg-slate-50 text-slate-600" : undefined}
            >
              <TableCell>
                <div className="font-medium">{u.name}</div>
                <div className="text-xs text-slate-600">{u.email}</div>
              </TableCell>
              <TableCell>
                <ActionForm
                  action={setRoleAction}
                  className="flex flex-wrap items-center gap-1"
                  label={`Role of ${u.email}`}
                >
                  <input type="hidden" name="userId" value={u.id} />
                  <Select name="role" defaultValue={u.role} aria-label={`Role of ${u.email}`} density="compact">
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </Select>
                  <SubmitButton size="sm" variant="secondary">
                    Set
                  </SubmitButton>
                </ActionForm>
              </TableCell>
              <TableCell numeric>{u.annotations}</TableCell>
              <TableCell numeric>{u.annotationsLastWeek}</TableCell>
              <TableCell numeric>{u.medianSeconds === null ? "—" : Math.round(u.medianSeconds)}</TableCell>
              <TableCell className="text-xs">{when(u.lastAnnotationAt)}</TableCell>
              <TableCell>
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
              </TableCell>
            </TableRow>
          ))}
        </DataTable>

        <ActionForm
          action={createUserAction}
          className={fieldRowVariants({ card: true })}
          testId="create-user"
          label="Create a user"
        >
          <CompactInput label="Email" name="email" type="email" required />
          <CompactInput label="Name" name="name" required />
          <CompactSelect label="Role" name="role" defaultValue="annotator">
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </CompactSelect>
          <CompactInput
            label={`Initial password (${MIN_PASSWORD_LENGTH}+)`}
            name="password"
            type="password"
            minLength={MIN_PASSWORD_LENGTH}
            required
            autoComplete="new-password"
          />
          <SubmitButton>Create user</SubmitButton>
        </ActionForm>
      </PageSection>

      <PageSection id="paused" title="Paused annotators">
        <p className="text-sm text-slate-600">
          The quality checks pause an annotator on a dataset when their answers to gold prompts disagree, or too many of
          their annotations are faster than reading allows; they see the reason. Resuming counts their checks afresh.
        </p>
        <DataTable data-testid="pause-table" columns={["Annotator", "Dataset", "Why", "Since", "Action"]}>
          {pauses.length === 0 && (
            <TableRow>
              <TableCell colSpan={5} className="py-4 text-center text-slate-600">
                Nobody is paused.
              </TableCell>
            </TableRow>
          )}
          {pauses.map((p) => (
            <TableRow key={p.id} data-testid={`pause-row-${p.email}`}>
              <TableCell>
                <div className="font-medium">{p.name}</div>
                <div className="text-xs text-slate-600">{p.email}</div>
              </TableCell>
              <TableCell>{p.datasetName}</TableCell>
              <TableCell className="max-w-md text-xs">{p.reason}</TableCell>
              <TableCell className="text-xs">{when(p.pausedAt)}</TableCell>
              <TableCell>
                <ActionForm action={resumeAnnotatorAction} label={`Resume ${p.email} on ${p.datasetSlug}`}>
                  <input type="hidden" name="pauseId" value={p.id} />
                  <SubmitButton size="sm" variant="secondary" data-testid="resume-annotator">
                    Resume
                  </SubmitButton>
                </ActionForm>
              </TableCell>
            </TableRow>
          ))}
        </DataTable>
      </PageSection>

      <PageSection id="tokens" title="API tokens">
        <p className="text-sm text-slate-600">
          Send as <code className="rounded bg-slate-100 px-1">Authorization: Bearer &lt;token&gt;</code>; a token acts
          with its user&apos;s role. Only a hash is stored, so a token is shown once.
        </p>
        <ActionForm
          action={createTokenAction}
          className={fieldRowVariants({ card: true })}
          testId="create-token"
          label="Create an API token"
        >
          <CompactInput label="Token name" name="name" required placeholder="nightly export" data-testid="token-name" />
          <CompactSelect label="For user" name="userId" defaultValue={me.id}>
            {users
              .filter((u) => !u.disabled)
              .map((u) => (
                <option key={u.id} value={u.id}>
                  {u.email} ({u.role})
                </option>
              ))}
          </CompactSelect>
          <SubmitButton data-testid="token-create">Create token</SubmitButton>
        </ActionForm>
        <DataTable data-testid="token-table" columns={["Name", "Prefix", "User", "Created", "Last used", "Status"]}>
          {tokens.length === 0 && (
            <TableRow>
              <TableCell colSpan={6} className="py-4 text-center text-slate-600">
                No tokens yet.
              </TableCell>
            </TableRow>
          )}
          {tokens.map((t) => (
            <TableRow key={t.id} data-testid={`token-row-${t.name}`}>
              <TableCell className="font-medium">{t.name}</TableCell>
              <TableCell className="font-mono text-xs">{t.prefix}…</TableCell>
              <TableCell className="text-xs">
                {t.userEmail} ({t.userRole})
              </TableCell>
              <TableCell className="text-xs">{when(t.createdAt)}</TableCell>
              <TableCell className="text-xs">{when(t.lastUsedAt)}</TableCell>
              <TableCell>
                {t.revokedAt ? (
                  <span className="text-xs text-slate-600">revoked {when(t.revokedAt)}</span>
                ) : (
                  <ActionForm
                    action={revokeTokenAction}
                    // Names repeat (every CI token may be "ci"): the prefix and owner tell the forms apart.
                    label={`Revoke token ${t.prefix}… (${t.name}) of ${t.userEmail}`}
                  >
                    <input type="hidden" name="tokenId" value={t.id} />
                    <ConfirmSubmitButton
                      size="sm"
                      variant="danger"
                      data-testid="token-revoke"
                      title={`Revoke the token ${t.prefix}… (${t.name})?`}
                      description="Anything still using it is refused from now on. A revoked token cannot be restored; make a new one."
                      confirmLabel="Revoke"
                    >
                      Revoke
                    </ConfirmSubmitButton>
                  </ActionForm>
                )}
              </TableCell>
            </TableRow>
          ))}
        </DataTable>
      </PageSection>

      <PageSection id="datasets" title="Dataset settings">
        <div className="grid gap-4 lg:grid-cols-2">
          {datasets.map((d) => (
            <ActionForm
              key={d.id}
              action={updateDatasetAction}
              className={cardVariants({ padding: "sm", className: "space-y-2" })}
              label={`Settings of ${d.slug}`}
              testId={`dataset-settings-${d.slug}`}
            >
              <input type="hidden" name="slug" value={d.slug} />
              <p className="font-mono text-xs text-slate-600">
                {d.slug} · {d.prompts} prompts × {d.responsesPerPrompt} responses (fixed) · {d.completePrompts} complete
              </p>
              <CompactInput label="Name" name="name" defaultValue={d.name} required className="w-full" />
              <CompactInput
                label="Annotations per prompt"
                name="annotationsPerPrompt"
                type="number"
                min={1}
                max={50}
                defaultValue={d.annotationsPerPrompt}
                className="w-24"
              />
              <CompactSelect
                label="How annotators judge"
                name="rankingMode"
                defaultValue={d.rankingMode}
                data-testid={`ranking-mode-${d.slug}`}
              >
                <option value="ranking">rank all responses at once</option>
                <option value="pairwise">pairwise: two at a time (A better / tie / B better)</option>
              </CompactSelect>
              <CompactSelect
                label="Queue order"
                name="queueOrder"
                defaultValue={d.queueOrder}
                data-testid={`queue-order-${d.slug}`}
              >
                {QUEUE_ORDER_NAMES.map((o) => (
                  <option key={o} value={o}>
                    {QUEUE_ORDER_DESCRIPTIONS[o]}
                  </option>
                ))}
              </CompactSelect>
              <fieldset className="grid grid-cols-2 gap-2 rounded-md border border-slate-200 p-2 sm:grid-cols-3">
                <legend className="px-1 text-xs font-semibold text-slate-700">Quality checks (docs/quality.md)</legend>
                {(() => {
                  const q = qualityOf.get(d.id)!;
                  return (
                    <>
                      <CompactInput
                        label="Gold prompts, % of hand-outs"
                        name="goldPercent"
                        type="number"
                        min={0}
                        max={100}
                        step="any"
                        defaultValue={q.goldRate * 100}
                        data-testid={`gold-percent-${d.slug}`}
                      />
                      <CompactInput
                        label="Too fast under (s)"
                        name="floorSeconds"
                        type="number"
                        min={0}
                        step="any"
                        defaultValue={q.floorSeconds}
                        data-testid={`floor-seconds-${d.slug}`}
                      />
                      <CompactInput
                        label="+ s per 1,000 characters"
                        name="floorSecondsPer1000Chars"
                        type="number"
                        min={0}
                        step="any"
                        defaultValue={q.floorSecondsPer1000Chars}
                      />
                      <CompactInput
                        label="Checks before acting"
                        name="minChecks"
                        type="number"
                        min={1}
                        defaultValue={q.minChecks}
                        data-testid={`min-checks-${d.slug}`}
                      />
                      <CompactInput
                        label="Pause below gold τ-b"
                        name="pauseGoldTau"
                        type="number"
                        min={-1}
                        max={1}
                        step="any"
                        defaultValue={q.pauseGoldTau}
                      />
                      <CompactInput
                        label="Pause at too-fast %"
                        name="pauseFastPercent"
                        type="number"
                        min={0}
                        max={100}
                        step="any"
                        defaultValue={q.pauseFastShare * 100}
                      />
                    </>
                  );
                })()}
              </fieldset>
              <Field size="sm" label="Guidelines (markdown)">
                <Textarea name="guidelines" defaultValue={d.guidelines} rows={4} className="p-2" />
              </Field>
              <SubmitButton size="sm">Save</SubmitButton>
            </ActionForm>
          ))}
        </div>
      </PageSection>
    </div>
  );
}
