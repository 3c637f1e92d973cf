import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { documentClient } from '../adapters/aws/dynamoDocumentClient.js';
import { sesClient } from '../adapters/aws/sesClient.js';
import { DynamoCaseStore } from '../adapters/dynamo/DynamoCaseStore.js';
import { DESK_METRICS } from '../adapters/metrics/deskMetricNames.js';
import { PowertoolsDeskMetrics } from '../adapters/metrics/PowertoolsDeskMetrics.js';
import { PowertoolsSlaMetrics } from '../adapters/metrics/PowertoolsSlaMetrics.js';
import { SesMailer } from '../adapters/ses/SesMailer.js';
import { knownQueues } from '../domain/cases/staffWork.js';
import { type SweepReport, type SweepServices, sweepTimers } from '../domain/cases/sweepTimers.js';
import { systemClock } from '../domain/ports.js';
import { loadConfig, policyFromEnvironment } from './config.js';

const ConfigSchema = z.object({
  TABLE_NAME: z.string().min(1),
  NOTIFY_FROM: z.email(),
  SWEEP_LIMIT: z.coerce.number().int().min(1).max(10_000).default(500),
});

const logger = new Logger({ serviceName: DESK_METRICS.services.slaSweeper });
const metrics = new Metrics({
  namespace: DESK_METRICS.namespace,
  serviceName: DESK_METRICS.services.slaSweeper,
});
const deskMetrics = new PowertoolsDeskMetrics(metrics);

export function buildSweeperServices(
  env: NodeJS.ProcessEnv = process.env,
): SweepServices & { limit: number } {
  const config = loadConfig(ConfigSchema, env, 'sla-sweeper');
  const endpoints = endpointsFromEnvironment(env);
  return {
    caseStore: new DynamoCaseStore(documentClient(endpoints), {
      tableName: config.TABLE_NAME,
    }),
    clock: systemClock,
    policy: policyFromEnvironment(env),
    mailer: new SesMailer(sesClient(endpoints), config.NOTIFY_FROM),
    metrics: new PowertoolsSlaMetrics(metrics),
    limit: config.SWEEP_LIMIT,
  };
}

/** One scheduled sweep: warnings, breaches, escalations and expired claims that are due now. */
export async function handleSweep(services: SweepServices & { limit: number }): Promise<SweepReport> {
  const report = await sweepTimers(services, { limit: services.limit });
  logger.info('sweep', { ...report });
  return report;
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
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
  }
}

let services: ReturnType<typeof buildSweeperServices> | undefined;

export async function handler(): Promise<SweepReport> {
  services ??= buildSweeperServices();
  try {
    const report = await handleSweep(services);
    deskMetrics.sweepCompleted();
    await publishQueueGauges(services);
    return report;
  } finally {
    metrics.publishStoredMetrics();
  }
}
