import { parseArgs } from 'node:util';
import { StaffRoleSchema } from '../../lambdas/domain/cases/staffMember.js';
import { mintDevToken } from '../../lambdas/local/devTokens.js';
import type { CommandIo } from '../contact-router.js';

const USAGE =
  'usage: contact-router token --staff <name> [--role agent|supervisor] [--skills es,pt] [--ttl 12h]\n' +
  '  name: letters, digits, . _ @ -; skills: ISO 639-1 codes; ttl: 30m, 12h, 7d, at most 30d (every token expires)\n';

const TTL_UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;
/** A dev token lives at most 30 days: every dev token expires. */
const MAX_TTL_SECONDS = 30 * 86_400;

/** `contact-router token --staff alice --role supervisor --skills es,pt`: a dev token for local mode. */
export async function run(args: string[], io: CommandIo): Promise<number> {
  let values: { staff?: string; role?: string; skills?: string; ttl?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        staff: { type: 'string' },
        role: { type: 'string', default: 'agent' },
        skills: { type: 'string', default: '' },
        ttl: { type: 'string', default: '12h' },
      },
    }));
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const problems: string[] = [];
  if (!values.staff || !/^[\w.@-]{1,64}$/.test(values.staff)) problems.push('--staff: expected a name');
  const role = StaffRoleSchema.safeParse(values.role);
  if (!role.success) problems.push(`--role: expected agent or supervisor, got "${values.role}"`);
  const skills = (values.skills ?? '')
    .split(',')
    .map((skill) => skill.trim().toLowerCase())
    .filter((skill) => skill.length > 0);
  const badSkills = skills.filter((skill) => !/^[a-z]{2,3}$/.test(skill));
  if (badSkills.length > 0) problems.push(`--skills: expected ISO 639-1 codes, got ${badSkills.join(', ')}`);
  const ttl = /^(\d+)\s*(s|m|h|d)$/.exec(values.ttl ?? '');
  const ttlSeconds = ttl
    ? Number(ttl[1]) * TTL_UNIT_SECONDS[ttl[2] as keyof typeof TTL_UNIT_SECONDS]
    : Number.NaN;
  // `0s` would mint a token expired at birth, `99999999999d` one that never expires in practice.
  if (!(ttlSeconds > 0 && ttlSeconds <= MAX_TTL_SECONDS))
    problems.push('--ttl: expected e.g. 30m, 12h or 7d (more than 0, at most 30d)');
  if (problems.length > 0 || !values.staff || !role.success) {
    io.stderr.write(`${problems.join('\n')}\n${USAGE}`);
    return 2;
  }
  io.stdout.write(
    `${await mintDevToken(values.staff, process.env, { role: role.data, skills, ttl: `${ttlSeconds}s` })}\n`,
  );
  return 0;
}
