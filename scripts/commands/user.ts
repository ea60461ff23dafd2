import { parseArgs } from "node:util";
import { createInterface } from "node:readline/promises";
import { getDb } from "../../lib/db";
import { createUser, newUserSchema } from "../../lib/auth/users";
import { describeZodError } from "../../lib/http/body";

export const USAGE =
  "Usage: npm run cli -- user add --email E --role admin|researcher|annotator [--name N] [--password P]";

async function askPassword(): Promise<string> {
  if (!process.stdin.isTTY) throw new Error(`No --password given and no terminal to ask on.\n${USAGE}`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question("Password (8+ characters): ");
  } finally {
    rl.close();
  }
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
  const input = {
    email: values.email,
    role: values.role,
    name: values.name ?? values.email?.split("@")[0],
    password: values.password ?? (await askPassword()),
  };
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) throw new Error(`${describeZodError(parsed.error)}\n${USAGE}`);
  const user = createUser(getDb(), parsed.data);
  const shown = { id: user.id, email: user.email, name: user.name, role: user.role };
  console.log(values.json ? JSON.stringify(shown) : `Created ${shown.role} ${shown.email} (id ${shown.id})`);
}
