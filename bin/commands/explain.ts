import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ChannelSchema } from '../../lambdas/domain/inboundMessage.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import { routeMessage } from '../../lambdas/domain/policy/routeMessage.js';
import { explainTriage } from '../../lambdas/domain/triage/triage.js';
import type { TriageExplanation } from '../../lambdas/domain/triage/types.js';
import { type ClassifyLine, ClassifyLineSchema, type CommandIo } from './classify.js';

const USAGE = `usage: contact-router explain [--text "..."] [--subject "..."] [--channel email|fax|chat|form] [--received-at ISO]
       contact-router explain < message.json

Explains one message's triage for a person: what text preparation cut, language, topic scores,
the matched evidence, the PII types found, and the queue with the reason. Without --text, reads
one JSON message (like a classify line) from stdin.
`;

/** Like a classify line; the id may be left out. */
const ExplainMessageSchema = ClassifyLineSchema.extend({
  id: z
    .union([z.string().min(1).max(1024), z.number()])
    .transform(String)
    .default('stdin'),
});

class ExplainUsageError extends Error {
  override readonly name = 'ExplainUsageError';
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: string[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  return chunks.join('');
}

async function readMessage(args: string[], io: CommandIo): Promise<ClassifyLine> {
  const { values } = parseArgs({
    args,
    options: {
      text: { type: 'string' },
      subject: { type: 'string' },
      channel: { type: 'string' },
      'received-at': { type: 'string' },
    },
    strict: true,
  });
  if (values.text !== undefined) {
    const channel = ChannelSchema.safeParse(values.channel ?? 'email');
    if (!channel.success) {
      throw new ExplainUsageError(
        `--channel: expected one of ${ChannelSchema.options.join(', ')}, received "${values.channel}"`,
      );
    }
    const parsed = ClassifyLineSchema.safeParse({
      id: 'cli',
      channel: channel.data,
      subject: values.subject ?? '',
      text: values.text,
      ...(values['received-at'] ? { receivedAt: values['received-at'] } : {}),
    });
    if (!parsed.success)
      throw new ExplainUsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
    return parsed.data;
  }
  const raw = (await readAll(io.stdin)).trim();
  if (!raw) throw new ExplainUsageError('no message: pass --text "..." or one JSON message on stdin');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ExplainUsageError(
      `stdin is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = ExplainMessageSchema.safeParse(json);
  if (!parsed.success) {
    throw new ExplainUsageError(
      parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`)
        .join('; '),
    );
  }
  return parsed.data;
}

function indent(text: string, prefix = '    '): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** The explanation as text for a person. */
export function formatExplanation(
  message: ClassifyLine,
  explanation: TriageExplanation,
  receivedAt: Date,
): string {
  const { result } = explanation;
  const routing = routeMessage(result, message.channel, receivedAt, DEFAULT_POLICY, {
    ...(message.hints?.country ? { country: message.hints.country } : {}),
  });
  const out: string[] = [];
  out.push(
    `message ${message.id} (${message.channel})${message.subject ? ` — subject: ${result.redactedSubject}` : ''}`,
  );
  out.push('', 'Stripped before triage:');
  if (explanation.stripped.length === 0) out.push('  nothing');
  for (const part of explanation.stripped) {
    out.push(`  - ${part.kind}: ${part.reason}`);
    if (part.text) out.push(indent(part.text.length > 400 ? `${part.text.slice(0, 400)}…` : part.text));
  }
  out.push('', 'Member text (redacted):', indent(result.redactedText || '(empty)'));
  out.push(
    '',
    `Language: ${result.language}${result.script ? ` (${result.script})` : ''}, confidence ${percent(result.languageConfidence)}`,
  );
  for (const [key, value] of Object.entries(explanation.language)) {
    if (key === 'language' || key === 'confidence' || key === 'script') continue;
    out.push(`  ${key}: ${JSON.stringify(value)}`);
  }
  out.push(
    '',
    `Topic: ${result.topic}, confidence ${percent(result.topicConfidence)} (policy minimum ${percent(DEFAULT_POLICY.minTopicConfidence)})`,
  );
  const scores = Object.entries(explanation.topic.scores ?? {})
    .filter(([, score]) => score > 0)
    .sort((a, b) => b[1] - a[1]);
  out.push(
    `  scores: ${scores.length ? scores.map(([topic, score]) => `${topic} ${score.toFixed(1)}`).join(', ') : 'no cue matched'}`,
  );
  out.push('', 'Evidence:');
  const evidence = [
    ...explanation.topic.evidence,
    ...explanation.expedited.evidence,
    ...explanation.programs.evidence,
  ];
  if (evidence.length === 0) out.push('  none');
  for (const line of evidence) out.push(`  - ${line}`);
  out.push('', `Expedited: ${result.expedited ? 'yes' : 'no'}`);
  out.push(`Programs: ${result.programs.length ? result.programs.join(', ') : 'none'}`);
  out.push(`PII found: ${result.pii.length ? result.pii.map((finding) => finding.type).join(', ') : 'none'}`);
  out.push('', `Queue: ${routing.queue}, priority ${routing.priority} — ${routing.reason}`);
  out.push(`  policy ${routing.policyVersion}; first response due ${routing.sla.firstResponseDueAt}`);
  if (routing.sla.resolutionDueAt) out.push(`  resolution due ${routing.sla.resolutionDueAt}`);
  if (routing.sla.regulatoryDueAt) out.push(`  regulatory due ${routing.sla.regulatoryDueAt}`);
  // The clock arithmetic: which rule and targets, which hours, weekends and holidays were skipped.
  out.push('', 'SLA arithmetic:');
  for (const line of routing.explanation) out.push(`  ${line}`);
  return `${out.join('\n')}\n`;
}

/** `contact-router explain`: one message's triage and routing, for a person (**contract**). */
export async function run(args: string[], io: CommandIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  let message: ClassifyLine;
  try {
    message = await readMessage(args, io);
  } catch (error) {
    if (error instanceof ExplainUsageError || (error instanceof Error && 'code' in error)) {
      io.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  const explanation = explainTriage({
    channel: message.channel,
    subject: message.subject,
    text: message.text,
    hints: message.hints ?? {},
  });
  const receivedAt = message.receivedAt ? new Date(message.receivedAt) : new Date();
  io.stdout.write(formatExplanation(message, explanation, receivedAt));
  return 0;
}
