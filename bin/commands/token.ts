import { parseArgs } from 'node:util';
import { mintDevToken } from '../../lambdas/local/devTokens.js';
import type { CommandIo } from '../contact-router.js';

/** `contact-router token --staff alice`: a signed dev token for local mode's staff routes. */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { staff: { type: 'string' }, ttl: { type: 'string', default: '12h' } },
  });
  if (!values.staff || !/^[\w.@-]{1,64}$/.test(values.staff)) {
    io.stderr.write(
      'usage: contact-router token --staff <name> [--ttl 12h]  (name: letters, digits, . _ @ -)\n',
    );
    return 2;
  }
  io.stdout.write(`${await mintDevToken(values.staff, process.env, values.ttl)}\n`);
  return 0;
}
