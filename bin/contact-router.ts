/**
 * The contact-router CLI. Each command lives in `bin/commands/<name>.ts` and exports
 * `run(args, io)`; this file only dispatches.
 */
const COMMANDS: Record<string, string> = {
  serve: 'start the router locally on real emulators (npm start)',
  token: 'print a signed dev token: token --staff <name> [--role agent|supervisor] [--skills es,pt]',
  classify: 'triage JSON lines from stdin, one JSON line out per input',
  explain: "explain one message's triage and routing for a person",
  sla: 'check a calendar: sla --calendar <name> --from <ISO> --hours <n>',
  dlq: 'inspect and redrive dead letters: dlq redrive --from <dlq url> --to <queue url>',
};

export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface CommandModule {
  run(args: string[], io: CommandIo): Promise<number>;
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, summary]) => `  ${name.padEnd(9)} ${summary}`);
  return `usage: contact-router <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

// Local runs are on Node 20 on purpose (the Lambda runtime is newer); the SDK's notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const [name, ...args] = process.argv.slice(2);
// Own keys only: `in` also finds `constructor`, `toString`… on the prototype, whose import then crashed.
if (!name || name === '--help' || name === '-h' || !Object.hasOwn(COMMANDS, name)) {
  process.stderr.write(
    name && name !== '--help' && name !== '-h' ? `unknown command "${name}"\n\n${usage()}` : usage(),
  );
  process.exit(name && name !== '--help' && name !== '-h' ? 2 : 0);
}
const command = (await import(`./commands/${name}.ts`)) as CommandModule;
process.exitCode = await command.run(args, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
