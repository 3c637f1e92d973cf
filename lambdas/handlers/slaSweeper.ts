import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { documentClient } from '../adapters/aws/dynamoDocumentClient.js';
import { DynamoCaseStore } from '../adapters/dynamo/DynamoCaseStore.js';
import { DESK_METRICS } from '../adapters/metrics/deskMetricNames.js';
import { PowertoolsDeskMetrics } from '../adapters/metrics/PowertoolsDeskMetrics.js';
import { PowertoolsSlaMetrics } from '../adapters/metrics/PowertoolsSlaMetrics.js';
import { SesMailer, sesOutboxClient } from '../adapters/ses/SesMailer.js';
import { knownQueues } from '../domain/cases/claimQueue.js';
import { type SweepReport, type SweepServices, sweepSla } from '../domain/cases/slaSweep.js';
import { errorForLog } from '../domain/errorForLog.js';
import type { OutboxDeliveryServices } from '../domain/outbound/deliverOutbox.js';
import { systemClock } from '../domain/ports.js';
import * as z from '../domain/zodMini.js';
import { deskSettingsFromEnvironment, policyFromEnvironment } from './config.js';
import { loadConfig } from './loadConfig.js';

const ConfigSchema = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  NOTIFY_FROM: z.email(),
  SWEEP_LIMIT: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(10_000)), 500),
});

const logger = new Logger({ serviceName: DESK_METRICS.services.slaSweeper });
const metrics = new Metrics({
  namespace: DESK_METRICS.namespace,
  serviceName: DESK_METRICS.services.slaSweeper,
});
const deskMetrics = new PowertoolsDeskMetrics(metrics);

/** The sweep's services; the outbox part (From per kind, delivery log) reaches `deliverOutbox` through the sweep. */
export type SweeperServices = SweepServices & OutboxDeliveryServices & { limit: number };

export function buildSweeperServices(env: NodeJS.ProcessEnv = process.env): SweeperServices {
  const config = loadConfig(ConfigSchema, env, 'sla-sweeper');
  const endpoints = endpointsFromEnvironment(env);
  const policy = policyFromEnvironment(env);
  // Members' mail goes out from the desk's address; supervisor notices from NOTIFY_FROM.
  const desk = deskSettingsFromEnvironment(env, policy, 'sla-sweeper');
  return {
    caseStore: new DynamoCaseStore(documentClient(endpoints), {
      tableName: config.TABLE_NAME,
    }),
    clock: systemClock,
    policy,
    mailer: new SesMailer(sesOutboxClient(endpoints), desk?.from ?? config.NOTIFY_FROM),
    fromByKind: { supervisor_notice: config.NOTIFY_FROM },
    log: (level, message, detail) => logger[level](message, detail),
    metrics: new PowertoolsSlaMetrics(metrics),
    limit: config.SWEEP_LIMIT,
  };
}

/**
 * One scheduled sweep: warnings, breaches, escalations and expired claims that are due now, then
 * every outbox entry still unsent (supervisor notices, and acknowledgements and replies their
 * request could not send at once).
 */
export async function handleSweep(services: SweeperServices): Promise<SweepReport> {
  const report = await sweepSla(services, { limit: services.limit });
  const { failed, ...counts } = report;
  logger.info('sweep', { ...counts, failed: failed.length });
  if (failed.length > 0) logger.error('sweep: cases not swept', { failed });
  return report;
}

/** Some due cases could not be swept: the invocation fails (after the rest was swept) so the function's error alarm fires. */
export class SweepIncompleteError extends Error {
  constructor(readonly failedCases: number) {
    super(`${failedCases} due case(s) could not be swept; the rest were, and each is retried next run`);
    this.name = 'SweepIncompleteError';
  }
}

/**
 * Depth, at-risk and breached of every queue as CloudWatch gauges, once a run, for the desk's dashboard.
 * A failed read costs the dashboard one point, not the sweep: it is logged and the run still succeeds.
 */
async function publishQueueGauges(services: SweepServices): Promise<void> {
  try {
    const queues = await services.caseStore.listQueues(knownQueues(services.policy));
    deskMetrics.queueGauges(queues, services.clock.now());
  } catch (error) {
    logger.warn('queue gauges not published', {
      error: errorForLog(error),
    });
  }
}

let services: SweeperServices | undefined;

export async function handler(): Promise<SweepReport> {
  services ??= buildSweeperServices();
  try {
    const report = await handleSweep(services);
    deskMetrics.sweepCompleted();
    await publishQueueGauges(services);
    if (report.failed.length > 0) throw new SweepIncompleteError(report.failed.length);
    return report;
  } finally {
    metrics.publishStoredMetrics();
  }
}
