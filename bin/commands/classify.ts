import { createInterface } from 'node:readline';
import { z } from 'zod';
import { ChannelSchema, InboundHintsSchema } from '../../lambdas/domain/inboundMessage.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import { routeMessage } from '../../lambdas/domain/policy/routeMessage.js';
import { triage } from '../../lambdas/domain/triage/triage.js';

export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage: contact-router classify < messages.jsonl

Reads one JSON message per line on stdin:
  {"id","channel":"email|fax|chat|form","subject","text","receivedAt"?,"hints"?}
and writes one JSON line per input with the triage, the queue, priority and SLA clocks.
A line that cannot be read yields {"id","error"} and the run goes on; the exit code is 1
when any line failed, 0 otherwise.
`;

/** One classify input line (**contract**). */
export const ClassifyLineSchema = z.object({
  id: z.union([z.string().min(1).max(1024), z.number()]).transform(String),
  channel: ChannelSchema,
  subject: z.string().max(2_000).default(''),
  text: z.string().max(1_000_000),
  receivedAt: z.iso.datetime({ offset: true }).optional(),
  hints: z.optional(InboundHintsSchema),
});
export type ClassifyLine = z.infer<typeof ClassifyLineSchema>;

const IdProbeSchema = z.object({ id: z.union([z.string(), z.number()]).transform(String) });

/** Max characters of one input line (a 1 MB body JSON-escaped, with room to spare). */
const MAX_LINE = 4_000_000;

/** Classify one parsed line into the output record (**contract**). */
export function classifyLine(
  line: ClassifyLine,
  now: () => Date = () => new Date(),
): Record<string, unknown> {
  const result = triage({
    channel: line.channel,
    subject: line.subject,
    text: line.text,
    hints: line.hints ?? {},
  });
  const receivedAt = line.receivedAt ? new Date(line.receivedAt) : now();
  const routing = routeMessage(result, line.channel, receivedAt, DEFAULT_POLICY, {
    ...(line.hints?.country ? { country: line.hints.country } : {}),
  });
  return {
    id: line.id,
    language: result.language,
    languageConfidence: result.languageConfidence,
    ...(result.script ? { script: result.script } : {}),
    topic: result.topic,
    topicConfidence: result.topicConfidence,
    expedited: result.expedited,
    programs: result.programs,
    pii: result.pii,
    redactedText: result.redactedText,
    queue: routing.queue,
    priority: routing.priority,
    evidence: result.evidence,
    sla: {
      policyVersion: routing.policyVersion,
      firstResponseDueAt: routing.sla.firstResponseDueAt,
      ...(routing.sla.resolutionDueAt ? { resolutionDueAt: routing.sla.resolutionDueAt } : {}),
      ...(routing.sla.regulatoryDueAt ? { regulatoryDueAt: routing.sla.regulatoryDueAt } : {}),
    },
  };
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`).join('; ');
}

/** Parse and classify one raw input line; never throws. */
export function processLine(raw: string, now?: () => Date): Record<string, unknown> {
  if (raw.length > MAX_LINE) return { id: null, error: `line longer than ${MAX_LINE} characters` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { id: null, error: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const probe = IdProbeSchema.safeParse(json);
  const id = probe.success ? probe.data.id : null;
  const parsed = ClassifyLineSchema.safeParse(json);
  if (!parsed.success) return { id, error: describe(parsed.error) };
  try {
    return classifyLine(parsed.data, now);
  } catch (error) {
    return { id, error: `triage failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(text)) resolve();
    else stream.once('drain', resolve);
  });
}

/** `contact-router classify`: JSON lines in, one JSON line out per input (**contract**). */
export async function run(args: string[], io: CommandIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    await write(io.stdout, USAGE);
    return 0;
  }
  if (args.length > 0) {
    await write(io.stderr, `classify takes no arguments, received: ${args.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  let failures = 0;
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const raw of lines) {
    if (!raw.trim()) continue;
    const output = processLine(raw);
    if ('error' in output) failures++;
    await write(io.stdout, `${JSON.stringify(output)}\n`);
  }
  return failures > 0 ? 1 : 0;
}
