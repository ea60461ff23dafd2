/** `npm run cli -- <command> [args]`: each command is a module in scripts/commands/ exporting `run(argv)`. */
import path from "node:path";
import { dispatch } from "./dispatch";

// `npm run cli -- theory | head`: the reader leaving early is its choice, not a failed command.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

dispatch(path.join(__dirname, "commands"), process.argv.slice(2), "Usage: npm run cli -- <command> [args]").catch(
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
