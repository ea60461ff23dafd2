import { parseArgs } from "node:util";
import { getStore } from "../../lib/db";
import { createApiToken, createTokenSchema } from "../../lib/admin/queries";
import { describeZodError } from "../../lib/http/body";

export const USAGE = `Usage: npm run cli -- token create --email E --name NAME [--json]
Creates an API token for the user with that email (as Admin → API tokens does) and prints it once: send it as
"Authorization: Bearer <token>". Only its sha256 is stored; revoke it on the admin page.`;

export async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { email: { type: "string" }, name: { type: "string" }, json: { type: "boolean", default: false } },
  });
  if (positionals[0] !== "create" || positionals.length > 1 || !values.email) throw new Error(USAGE);
  const store = getStore();
  // Accounts' emails are stored lowercased (lib/auth/users.ts); external annotators cannot sign in.
  const user = await store.auth.userByEmail(values.email.toLowerCase());
  if (!user || user.external) throw new Error(`There is no user with the email ${values.email}.`);
  const input = createTokenSchema.safeParse({ userId: user.id, name: values.name });
  if (!input.success) throw new Error(`${describeZodError(input.error)}\n${USAGE}`);
  const { token, id, prefix } = await createApiToken(store, input.data);
  console.log(
    values.json
      ? JSON.stringify({ id, prefix, token, email: user.email })
      : `${token}\n(token ${id} for ${user.email}; shown only this once)`,
  );
}
