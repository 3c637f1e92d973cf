import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { documentClient, endpointsFromEnvironment, sesClient } from '../adapters/awsClients.js';
import { DynamoCaseStore } from '../adapters/dynamo/DynamoCaseStore.js';
import { PowertoolsSlaMetrics } from '../adapters/metrics/PowertoolsSlaMetrics.js';
import { SesMailer } from '../adapters/ses/SesMailer.js';
import { type SweepReport, type SweepServices, sweepSla } from '../domain/cases/slaSweep.js';
import { systemClock } from '../domain/ports.js';
import { loadConfig, policyFromEnvironment } from './config.js';

const ConfigSchema = z.object({
  TABLE_NAME: z.string().min(1),
  NOTIFY_FROM: z.email(),
  SWEEP_LIMIT: z.coerce.number().int().min(1).max(10_000).default(500),
});

const logger = new Logger({ serviceName: 'sla-sweeper' });
const metrics = new Metrics({ namespace: 'ContactRouter', serviceName: 'sla-sweeper' });

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
  const report = await sweepSla(services, { limit: services.limit });
  logger.info('sweep', { ...report });
  return report;
}

let services: ReturnType<typeof buildSweeperServices> | undefined;

export async function handler(): Promise<SweepReport> {
  services ??= buildSweeperServices();
  try {
    return await handleSweep(services);
  } finally {
    metrics.publishStoredMetrics();
  }
}
