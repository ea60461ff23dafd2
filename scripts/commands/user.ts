import { parseArgs } from "node:util";
import { createInterface } from "node:readline/promises";
import { getStore } from "../../lib/db";
import { createUser, newUserSchema } from "../../lib/auth/users";
import { describeZodError } from "../../lib/http/body";
import { MIN_PASSWORD_LENGTH } from "../../lib/auth/password";

export const USAGE =
  "Usage: npm run cli -- user add --email E --role admin|researcher|annotator [--name N] < password-file\n" +
  "  The password is read from stdin (one line), or asked for on a terminal.";

/**
 * The new account's password: asked for on a terminal, else the first line of stdin. Never from the
 * command line, where the shell's history and every user's process list would show it.
 */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(`Password (${MIN_PASSWORD_LENGTH}+ characters): `);
    } finally {
      rl.close();
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
}

export async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: "string" },
      role: { type: "string" },
      name: { type: "string" },
      password: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals[0] !== "add") throw new Error(USAGE);
  if (values.password !== undefined)
    throw new Error(
      `--password is no longer taken: the shell's history and the process list would keep it. Pipe it on stdin instead.\n${USAGE}`,
    );
  const input = {
    email: values.email,
    role: values.role,
    name: values.name ?? values.email?.split("@")[0],
    password: await readPassword(),
  };
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) throw new Error(`${describeZodError(parsed.error)}\n${USAGE}`);
  const user = await createUser(getStore(), parsed.data);
  const shown = { id: user.id, email: user.email, name: user.name, role: user.role };
  console.log(values.json ? JSON.stringify(shown) : `Created ${shown.role} ${shown.email} (id ${shown.id})`);
}
