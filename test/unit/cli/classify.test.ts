import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run as classify } from '../../../bin/commands/classify.js';
import { run as explain } from '../../../bin/commands/explain.js';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function runCommand(command: typeof classify, args: string[], input: string) {
  const stdout = collect();
  const stderr = collect();
  const code = await command(args, {
    stdin: Readable.from([input]),
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const APPEAL = {
  id: 'm1',
  channel: 'fax',
  subject: '',
  text: 'REQUEST FOR REDETERMINATION\nMEDICARE NUMBER: 1EG4-TE5-MK73\nDRUG: ENBREL\nEXPEDITED REVIEW REQUESTED: [X] YES [ ] NO\nI want to appeal the denial.',
  receivedAt: '2026-11-20T15:00:00Z',
};

describe('classify command', () => {
  it('writes one JSON line per input with triage, queue, priority and SLA', async () => {
    const input = `${JSON.stringify(APPEAL)}\n${JSON.stringify({ id: 'm2', channel: 'chat', subject: '', text: 'where is my package? tracking has not moved' })}\n`;

    const { code, stdout } = await runCommand(classify, [], input);

    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(code).toBe(0);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      id: 'm1',
      topic: 'appeal',
      expedited: true,
      programs: ['medicare_part_d', 'specialty'],
      pii: [{ type: 'MBI' }],
      queue: 'appeals',
      priority: 'urgent',
    });
    expect(lines[0].redactedText).not.toContain('1EG4-TE5-MK73');
    expect(lines[0].sla.policyVersion).toEqual(expect.any(String));
    expect(lines[0].sla.firstResponseDueAt > APPEAL.receivedAt).toBe(true);
    expect(lines[0].evidence.length).toBeGreaterThan(0);
    expect(lines[1]).toMatchObject({ id: 'm2', topic: 'delivery', expedited: false });
    expect(typeof lines[1].languageConfidence).toBe('number');
  });

  it('reports a bad line with its id and goes on', async () => {
    const input = [
      '{not json',
      JSON.stringify({ id: 'x', channel: 'pigeon', text: 'hi' }),
      JSON.stringify(APPEAL),
    ].join('\n');

    const { code, stdout } = await runCommand(classify, [], input);

    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(code).toBe(1);
    expect(lines[0]).toMatchObject({ id: null, error: expect.stringContaining('not JSON') });
    expect(lines[1]).toMatchObject({ id: 'x', error: expect.stringContaining('channel') });
    expect(lines[2]).toMatchObject({ id: 'm1', topic: 'appeal' });
  });

  it('sends empty text to the triage queue with low confidence', async () => {
    const { stdout } = await runCommand(
      classify,
      [],
      JSON.stringify({ id: 'e', channel: 'email', subject: '', text: '' }),
    );

    const line = JSON.parse(stdout);
    expect(line.topic).toBe('other');
    expect(line.topicConfidence).toBeLessThan(0.5);
    expect(line.queue).toBe('triage');
  });
});

describe('explain command', () => {
  it('prints what was stripped, scores, evidence, PII and the queue', async () => {
    const text =
      'My copay was charged twice, please refund. Call me at 555-201-8890.\n\nOn Tue, Nov 3, 2026 at 9:14 AM Pharmacy <help@rx.example> wrote:\n> Your order shipped.';

    const { code, stdout } = await runCommand(
      explain,
      ['--text', text, '--subject', 'Billing', '--channel', 'email'],
      '',
    );

    expect(code).toBe(0);
    expect(stdout).toContain('reply header');
    expect(stdout).toContain('Topic: billing');
    expect(stdout).toMatch(/scores: billing \d/);
    expect(stdout).toContain('PII found: PHONE');
    expect(stdout).toContain('Queue: billing');
    expect(stdout).not.toContain('555-201-8890');
    expect(stdout).not.toContain('help@rx.example');
  });

  it('reads one JSON message from stdin', async () => {
    const { code, stdout } = await runCommand(explain, [], JSON.stringify(APPEAL));

    expect(code).toBe(0);
    expect(stdout).toContain('Expedited: yes');
    expect(stdout).toContain('Queue: appeals');
  });

  it('shows the SLA arithmetic: the hours counted and the holiday skipped', async () => {
    // Wednesday 2026-11-25 19:00 Central, the evening before Thanksgiving.
    const message = {
      id: 'h1',
      channel: 'email',
      subject: 'Refill',
      text: 'Please refill my metformin.',
      receivedAt: '2026-11-26T01:00:00Z',
    };
    const { code, stdout } = await runCommand(explain, [], JSON.stringify(message));

    expect(code).toBe(0);
    expect(stdout).toContain('SLA arithmetic:');
    expect(stdout).toMatch(/thu 2026-11-26 +skipped: .*Thanksgiving/i);
    expect(stdout).toContain('first response due 2026-11-29T01:00:00.000Z');
  });

  it('rejects an unknown channel with exit code 2', async () => {
    const { code, stderr } = await runCommand(explain, ['--text', 'hi', '--channel', 'pigeon'], '');

    expect(code).toBe(2);
    expect(stderr).toContain('--channel');
  });
});
