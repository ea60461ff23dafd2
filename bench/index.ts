/** `npm run bench -- <name> [args]`: runs bench/<name>.ts's `run(argv)`. Benchmarks are not tests. */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

async function main() {
  const [name, ...argv] = process.argv.slice(2);
  const available = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.endsWith(".test.ts"))
    .map((f) => f.slice(0, -3));
  if (!name || !available.includes(name)) {
    console.error(`Usage: npm run bench -- <name> [args]\nBenchmarks: ${available.join(", ")}`);
    process.exit(2);
  }
  const mod = (await import(pathToFileURL(path.join(__dirname, `${name}.ts`)).href)) as {
    run: (argv: string[]) => Promise<void>;
  };
  await mod.run(argv);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
