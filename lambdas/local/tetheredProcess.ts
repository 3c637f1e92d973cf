import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Spawns a server that dies with us. A shell watchdog polls our pid and stops the server when we
 * are gone, so even a SIGKILLed parent (a crashed test runner) leaves no orphaned `java` behind.
 */
export function spawnTethered(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; label: string },
): { child: ChildProcess; stop: () => Promise<void>; output: () => string } {
  const script =
    'parent=$1; shift; "$@" & server=$!; trap \'kill $server 2>/dev/null; wait $server; exit 0\' TERM INT; ' +
    'while kill -0 "$parent" 2>/dev/null && kill -0 "$server" 2>/dev/null; do sleep 1; done; ' +
    'kill $server 2>/dev/null; wait $server';
  const child = spawn('sh', ['-c', script, 'tether', String(process.pid), command, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
