/**
 * `npm run cli -- <command> [args]`: each command is a module in scripts/commands/ exporting
 * `run(argv)`, so adding a command touches nothing else.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const commandsDir = path.join(__dirname, "commands");

async function main() {
  const [name, ...argv] = process.argv.slice(2);
  const available = fs
    .readdirSync(commandsDir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => f.slice(0, -3))
    .sort();
  if (!name || name === "help" || name === "--help" || !available.includes(name)) {
    if (name && !["help", "--help"].includes(name)) console.error(`Unknown command: ${name}`);
    console.error(`Usage: npm run cli -- <command> [args]\nCommands: ${available.join(", ")}`);
    process.exit(name && !["help", "--help"].includes(name) ? 2 : 0);
  }
  const mod = (await import(pathToFileURL(path.join(commandsDir, `${name}.ts`)).href)) as {
    run: (argv: string[]) => Promise<void>;
  };
  await mod.run(argv);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
