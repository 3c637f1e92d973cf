import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../../bin/commands/sla.js';

async function sla(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on('data', (chunk: Buffer) => chunks.stdout.push(chunk));
  stderr.on('data', (chunk: Buffer) => chunks.stderr.push(chunk));
  const code = await run(args, { stdin: new PassThrough(), stdout, stderr });
  return {
    code,
    stdout: Buffer.concat(chunks.stdout).toString('utf8'),
    stderr: Buffer.concat(chunks.stderr).toString('utf8'),
  };
}

describe('contact-router sla', () => {
  it('prints the due time and the hours and holidays it skipped', async () => {
    const result = await sla([
      '--calendar',
      'correspondence',
      '--from',
      '2026-11-25T14:00:00-06:00',
      '--hours',
      '24',
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'calendar correspondence (America/Chicago): 24h of business time from 2026-11-25T20:00:00.000Z (Wed 2026-11-25 14:00 CST)',
        '  wed 2026-11-25  counted 14:00–20:00 (6h)',
        '  thu 2026-11-26  skipped: Thanksgiving Day (federal holiday, 5 U.S.C. 6103(a))',
        '  fri 2026-11-27  counted 08:00–20:00 (12h)',
        '  sat 2026-11-28  counted 08:00–14:00 (6h)',
        'due 2026-11-28T20:00:00.000Z (Sat 2026-11-28 14:00 CST)',
        '',
      ].join('\n'),
    );
  });

  it('reads a start without an offset as local time in the calendar zone', async () => {
    const result = await sla([
      '--calendar',
      'chat',
      '--from',
      '2026-03-07T21:58',
      '--minutes',
      '5',
      '--json',
    ]);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      calendar: 'chat',
      start: '2026-03-08T03:58:00.000Z',
      dueAt: '2026-03-08T12:03:00.000Z',
    });
  });

  it('checks a calendar from a JSON file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sla-cli-')), 'weekdays.json');
    writeFileSync(
      path,
      JSON.stringify({
        timeZone: 'America/New_York',
        hours: {
          mon: [['09:00', '17:00']],
          tue: [['09:00', '17:00']],
          wed: [['09:00', '17:00']],
          thu: [['09:00', '17:00']],
          fri: [['09:00', '17:00']],
        },
        holidays: { set: 'us-federal' },
      }),
    );

    const result = await sla(['--calendar', path, '--from', '2026-07-02T16:00:00-04:00', '--hours', '2']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'fri 2026-07-03  skipped: Independence Day (2026-07-04, observed; 5 U.S.C. 6103)',
    );
    expect(result.stdout).toContain('due 2026-07-06T14:00:00.000Z');
  });

  it('lists every problem of an invalid calendar file and exits 2', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sla-cli-')), 'broken.json');
    writeFileSync(
      path,
      JSON.stringify({
        timeZone: 'Mars/Olympus',
        hours: { mon: [['18:00', '09:00']] },
        holidays: { set: 'us-federal' },
      }),
    );

    const result = await sla(['--calendar', path, '--from', '2026-07-02T16:00:00Z', '--hours', '2']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('timeZone: unknown IANA time zone');
    expect(result.stderr).toContain('hours.mon.0: 18:00–09:00 ends before it starts');
    expect(result.stdout).toBe('');
  });

  it.each([
    [
      ['--calendar', 'correspondence', '--from', '2026-11-25T14:00:00Z'],
      '--hours (or --minutes) are required',
    ],
    [['--calendar', 'lunar', '--from', '2026-11-25T14:00:00Z', '--hours', '1'], 'unknown calendar "lunar"'],
    [
      ['--calendar', 'chat', '--from', 'next tuesday', '--hours', '1'],
      '--from: expected an ISO-8601 date-time',
    ],
    [
      ['--calendar', 'chat', '--from', '2026-11-25T14:00:00Z', '--hours=-3'],
      '--hours/--minutes: expected non-negative numbers',
    ],
    [
      ['--calendar', 'chat', '--from', '2026-11-25T14:00:00Z', '--hours', 'soon'],
      '--hours/--minutes: expected non-negative numbers',
    ],
    [['--calendar', 'chat', '--frm', '2026-11-25T14:00:00Z'], "Unknown option '--frm'"],
  ])('rejects %j with a usage message and exit code 2', async (args, message) => {
    const result = await sla(args);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('usage: contact-router sla');
  });
});
