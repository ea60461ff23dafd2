/** `npm run bench -- <name> [args]`: runs bench/<name>.ts's `run(argv)`. Benchmarks are not tests. */
import { dispatch } from "../scripts/dispatch";

dispatch(__dirname, process.argv.slice(2), "Usage: npm run bench -- <name> [args]", {
  skip: ["index.ts"],
  nameRequired: true,
}).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
