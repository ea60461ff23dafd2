import os from "node:os";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

/** Whether a process with this id exists on this machine (one owned by another user counts). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Niceness of the server's background workers (training, import, openness fits). They share the
 * machine's cores with the server, and a request waiting behind a worker's time slice is what
 * makes a page slow while a run trains: at the lowest priority the kernel runs the server (and
 * whatever else is interactive) first, and the worker still gets every idle cycle.
 */
export const BACKGROUND_NICENESS = 19;

/**
 * Spawns a background worker of the server at BACKGROUND_NICENESS. Set on the child's pid right
 * after spawn: the worker spends its first second loading code, long before it does any work.
 */
export function spawnBackground(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  if (child.pid) {
    try {
      os.setPriority(child.pid, BACKGROUND_NICENESS);
    } catch {
      // Already gone, or a platform without priorities: the worker runs at the server's priority.
    }
  }
  return child;
}
