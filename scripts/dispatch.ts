import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

type CommandModule = { run: (argv: string[]) => Promise<void> };

/**
 * `<entry> <name> [args]`: runs `<dir>/<name>.ts`'s `run(argv)`, so adding a command or a benchmark
 * touches nothing else. Unknown or missing names print the usage with what is available.
 */
export async function dispatch(
  dir: string,
  argv: string[],
  usage: string,
  { skip = [], nameRequired = false }: { skip?: string[]; nameRequired?: boolean } = {},
): Promise<void> {
  const [name, ...rest] = argv;
  const available = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !skip.includes(f))
    .map((f) => f.slice(0, -3))
    .sort();
  const askedForHelp = name === "help" || name === "--help" || (!name && !nameRequired);
  if (askedForHelp || !name || !available.includes(name)) {
    if (!askedForHelp && name) console.error(`Unknown: ${name}`);
    console.error(`${usage}\nAvailable: ${available.join(", ")}`);
    process.exit(askedForHelp ? 0 : 2);
  }
  const mod = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as CommandModule;
  await mod.run(rest);
}
