/**
 * Keeps local mode running when a promise rejects with nobody to catch it or a callback throws.
 * Node's default is to exit, and with it every emulator and every message in fauxqs's memory;
 * one bad request must not do that. The gateway answers its own handlers' failures 500 (Hono's
 * `onError`); this catches what escapes a request (a callback, a promise nobody awaited).
 *
 * Only the error's name, code and the code locations of its stack are logged: an error's message
 * can quote the input that caused it (a header, a body line), which may be PHI.
 */
export function describeWithoutMessage(reason: unknown): string {
  if (!(reason instanceof Error)) return `a thrown ${reason === null ? 'null' : typeof reason}`;
  const code = (reason as NodeJS.ErrnoException).code;
  const frames = (reason.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 3)
    .map((line) => line.trim().replace(/^at /, ''))
    // A frame names a function and a file; a frame of `eval` or `new Function` could quote source.
    .map((frame) => frame.replace(/\(eval at [^)]*\)/g, '(eval)').slice(0, 200));
  return `${reason.name}${code ? ` (${code})` : ''}${frames.length > 0 ? ` at ${frames.join(' < ')}` : ''}`;
}

export interface ProcessGuard {
  /** How many failures were kept from ending the process. */
  readonly caught: number;
  uninstall: () => void;
}

export function installProcessGuard(log: (line: string) => void): ProcessGuard {
  let caught = 0;
  const onRejection = (reason: unknown) => {
    caught++;
    log(
      `[guard] an unhandled rejection was caught; the router keeps running: ${describeWithoutMessage(reason)}`,
    );
  };
  const onException = (error: Error) => {
    caught++;
    log(
      `[guard] an uncaught exception was caught; the router keeps running: ${describeWithoutMessage(error)}`,
    );
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    get caught() {
      return caught;
    },
    uninstall: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
