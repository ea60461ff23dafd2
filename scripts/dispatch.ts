import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

type CommandModule = { run: (argv: string[]) => Promise<void>; USAGE?: string };

/**
 * `--gamma -0.5` as `--gamma=-0.5`: node's parseArgs takes an argument that starts with a dash for
 * an option, so a negative number after an option would fail as "ambiguous".
 */
export function joinNegativeNumbers(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (/^--[^=]+$/.test(a) && next !== undefined && /^-(\d|\.\d)/.test(next) && Number.isFinite(Number(next))) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * `<entry> <name> [args]`: runs `<dir>/<name>.ts`'s `run(argv)`, so adding a command or a benchmark
 * touches nothing else. Unknown or missing names print the usage with what is available;
 * `<name> --help` prints the module's USAGE.
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
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(
      mod.USAGE ??
        `${usage.replace("<name>", name).replace("<command>", name)}\n(see the header of ${path.join(path.basename(dir), `${name}.ts`)})`,
    );
    return;
  }
  await mod.run(joinNegativeNumbers(rest));
}

/** A file a command reads as text: refused when it is not UTF-8, rather than read with U+FFFD in place of what it said. */
export function readTextFile(file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(fs.readFileSync(file));
  } catch (error) {
    if (error instanceof TypeError) throw new Error(`${file} is not valid UTF-8: save it as UTF-8 and try again.`);
    throw error;
  }
}
