import { Logger } from '@aws-lambda-powertools/logger';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { sesReceiptClient } from '../adapters/aws/sesReceiptClient.js';
import { type ReceiptRuleSets, SesReceiptRuleSets } from '../adapters/ses/SesReceiptRuleSets.js';
import * as z from '../domain/zodMini.js';

const logger = new Logger({ serviceName: 'receipt-rule-set-activation' });

/** The CloudFormation custom-resource request this function answers (AWS CloudFormation User Guide, "Custom resources"). */
const ResponseTargetSchema = z.object({
  ResponseURL: z.url(),
  StackId: z.string().check(z.minLength(1)),
  RequestId: z.string().check(z.minLength(1)),
  LogicalResourceId: z.string().check(z.minLength(1)),
  PhysicalResourceId: z.optional(z.string()),
});

export const ActivationRequestSchema = z.extend(ResponseTargetSchema, {
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResourceProperties: z.object({ RuleSetName: z.string().check(z.minLength(1)) }),
});
export type ActivationRequest = z.infer<typeof ActivationRequestSchema>;

export interface ActivationResult {
  physicalResourceId: string;
  /** The rule set that was active before (reported as a stack output, so an operator can switch back). */
  previouslyActive: string;
}

/**
 * Create/Update: make the stack's rule set the account's active one (SES has one active set per
 * region, so this replaces whatever was active: it runs only when the deployer asked for it).
 * Delete: deactivate it only if it is still the active set, so the rule set can be deleted and
 * another set an operator activated since is left alone.
 */
export async function applyActivation(
  request: ActivationRequest,
  ruleSets: ReceiptRuleSets,
): Promise<ActivationResult> {
  const name = request.ResourceProperties.RuleSetName;
  const physicalResourceId = `active-receipt-rule-set/${name}`;
  const active = await ruleSets.activeName();
  if (request.RequestType === 'Delete') {
    if (active === name) await ruleSets.activate(undefined);
    return {
      physicalResourceId: request.PhysicalResourceId ?? physicalResourceId,
      previouslyActive: active ?? '',
    };
  }
  if (active !== name) await ruleSets.activate(name);
  return { physicalResourceId, previouslyActive: active ?? '' };
}

/** PUTs the custom-resource response to CloudFormation's pre-signed URL. */
export async function respond(
  request: Pick<ActivationRequest, 'ResponseURL' | 'StackId' | 'RequestId' | 'LogicalResourceId'>,
  outcome:
    | { status: 'SUCCESS'; result: ActivationResult }
    | { status: 'FAILED'; reason: string; physicalResourceId: string },
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    Reason: outcome.status === 'FAILED' ? outcome.reason.slice(0, 1_000) : 'ok',
    PhysicalResourceId:
      outcome.status === 'SUCCESS' ? outcome.result.physicalResourceId : outcome.physicalResourceId,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    ...(outcome.status === 'SUCCESS' ? { Data: { PreviouslyActive: outcome.result.previouslyActive } } : {}),
  });
  // The pre-signed S3 URL is signed without a content type: send none.
  const response = await fetchImpl(request.ResponseURL, {
    method: 'PUT',
    body,
    headers: { 'content-type': '' },
  });
  if (!response.ok) throw new Error(`CloudFormation response was refused: HTTP ${response.status}`);
}

/** Answers one request; every path responds, so CloudFormation never waits an hour for a crash. */
export async function handleActivation(
  event: unknown,
  ruleSets: ReceiptRuleSets,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const target = ResponseTargetSchema.safeParse(event);
  if (!target.success) {
    // Without a response URL there is nobody to answer: log the shape problem and stop.
    logger.error('not a custom-resource request', {
      issues: target.error.issues.map((issue) => issue.message),
    });
    return;
  }
  const parsed = ActivationRequestSchema.safeParse(event);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    await respond(
      target.data,
      { status: 'FAILED', reason, physicalResourceId: target.data.PhysicalResourceId ?? 'invalid-request' },
      fetchImpl,
    );
    return;
  }
  const request = parsed.data;
  try {
    const result = await applyActivation(request, ruleSets);
    logger.info('receipt rule set activation', { requestType: request.RequestType, ...result });
    await respond(request, { status: 'SUCCESS', result }, fetchImpl);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    logger.error('receipt rule set activation failed', { requestType: request.RequestType, reason });
    await respond(
      request,
      {
        status: 'FAILED',
        reason,
        physicalResourceId:
          request.PhysicalResourceId ?? `active-receipt-rule-set/${request.ResourceProperties.RuleSetName}`,
      },
      fetchImpl,
    );
  }
}

let ruleSets: ReceiptRuleSets | undefined;

export async function handler(event: unknown): Promise<void> {
  ruleSets ??= new SesReceiptRuleSets(sesReceiptClient(endpointsFromEnvironment(process.env)));
  await handleActivation(event, ruleSets);
}
