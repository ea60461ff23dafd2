/**
 * TensorFlow.js backend selection for the reward-model library.
 *
 * The wasm backend (SIMD on, threads off) is the fastest backend that installs offline here; the
 * pure-JS cpu backend is the fallback. The .wasm binaries are loaded from node_modules by file
 * path, so nothing is downloaded at run time.
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import path from "node:path";

export type BackendName = "wasm" | "cpu";

let active: Promise<BackendName> | null = null;
let activePreferred: BackendName | undefined;

function wasmDir(): string {
  // import.meta.url is absent when this file is compiled to CommonJS (tsx without "type": "module");
  // the package root (the working directory of the CLI, tests and workers) resolves it as well.
  const meta = (import.meta as { url?: string }).url;
  const require = createRequire(meta ?? path.join(process.cwd(), "package.json"));
  const file = require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm");
  return path.dirname(file) + path.sep;
}

async function init(preferred: BackendName): Promise<BackendName> {
  if (preferred === "wasm") {
    try {
      // Threads need SharedArrayBuffer workers that fail in Node; SIMD stays on.
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
      setWasmPaths(wasmDir());
      if (await tf.setBackend("wasm")) {
        await tf.ready();
        return "wasm";
      }
    } catch {
      // fall through to cpu
    }
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return "cpu";
}

/**
 * Initialise (once) and return the active backend name. Idempotent: later calls with the same
 * (or no) preference return the same backend; a different explicit preference switches backend.
 * The preference is an argument (the trainer's `backend` setting), never read from the environment:
 * ml/ runs the same in a worker, a CLI or a test.
 */
export async function initBackend(preferred?: BackendName): Promise<BackendName> {
  const want: BackendName = preferred ?? activePreferred ?? "wasm";
  if (active && want === activePreferred) return active;
  activePreferred = want;
  active = init(want);
  return active;
}

/** The backend currently in use by TensorFlow.js (after initBackend). */
export function activeBackend(): string {
  return tf.getBackend();
}
