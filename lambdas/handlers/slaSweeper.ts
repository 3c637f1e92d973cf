import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { documentClient, endpointsFromEnvironment } from '../adapters/awsClients.js';
import { DynamoCaseStore } from '../adapters/dynamo/DynamoCaseStore.js';
import { PowertoolsSlaMetrics } from '../adapters/metrics/PowertoolsSlaMetrics.js';
import { SesMailer, sesOutboxClient } from '../adapters/ses/SesMailer.js';
import { type SweepReport, type SweepServices, sweepSla } from '../domain/cases/slaSweep.js';
import type { OutboxDeliveryServices } from '../domain/outbound/deliverOutbox.js';
import { systemClock } from '../domain/ports.js';
import { deskSettingsFromEnvironment, loadConfig, policyFromEnvironment } from './config.js';

const ConfigSchema = z.object({
  TABLE_NAME: z.string().min(1),
  NOTIFY_FROM: z.email(),
  SWEEP_LIMIT: z.coerce.number().int().min(1).max(10_000).default(500),
});

const logger = new Logger({ serviceName: 'sla-sweeper' });
const metrics = new Metrics({ namespace: 'ContactRouter', serviceName: 'sla-sweeper' });

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
  logger.info('sweep', { ...report });
  return report;
}

let services: SweeperServices | undefined;

export async function handler(): Promise<SweepReport> {
  services ??= buildSweeperServices();
  try {
    return await handleSweep(services);
  } finally {
    metrics.publishStoredMetrics();
  }
}
