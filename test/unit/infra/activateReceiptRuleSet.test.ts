import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiptRuleSets } from '../../../lambdas/adapters/ses/SesReceiptRuleSets.js';
import { handleActivation } from '../../../lambdas/handlers/activateReceiptRuleSet.js';

/** The account's one active rule set, in memory (SES has no emulator for receipt rules). */
class InMemoryRuleSets implements ReceiptRuleSets {
  calls: (string | undefined)[] = [];
  constructor(public active: string | undefined) {}
  async activeName() {
    return this.active;
  }
  async activate(name: string | undefined) {
    this.calls.push(name);
    this.active = name;
  }
}

class BrokenRuleSets extends InMemoryRuleSets {
  override async activeName(): Promise<string | undefined> {
    throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  }
}

describe('the receipt rule set activation custom resource (finding 3)', () => {
  let server: Server;
  let responseUrl: string;
  const responses: { contentType: string | undefined; body: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        responses.push({ contentType: request.headers['content-type'], body: JSON.parse(body) });
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    responseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/response`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function request(type: 'Create' | 'Update' | 'Delete', ruleSetName = 'Desk-inbound-mail') {
    return {
      RequestType: type,
      ResponseURL: responseUrl,
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Desk/abc',
      RequestId: `request-${responses.length}`,
      LogicalResourceId: 'ActivateReceiptRuleSet',
      ...(type === 'Create' ? {} : { PhysicalResourceId: `active-receipt-rule-set/${ruleSetName}` }),
      ResourceProperties: { ServiceToken: 'arn:aws:lambda:fn', RuleSetName: ruleSetName },
    };
  }

  it('activates the stack rule set on create and reports the set it replaced', async () => {
    const ruleSets = new InMemoryRuleSets('old-rules');

    await handleActivation(request('Create'), ruleSets);

    expect(ruleSets.active).toBe('Desk-inbound-mail');
    expect(responses.at(-1)?.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'active-receipt-rule-set/Desk-inbound-mail',
      LogicalResourceId: 'ActivateReceiptRuleSet',
      Data: { PreviouslyActive: 'old-rules' },
    });
  });

  it('answers without a content type, as the pre-signed response URL requires', async () => {
    await handleActivation(request('Update'), new InMemoryRuleSets('Desk-inbound-mail'));

    expect(responses.at(-1)?.contentType ?? '').toBe('');
  });

  it('does nothing on update when the set is already active', async () => {
    const ruleSets = new InMemoryRuleSets('Desk-inbound-mail');

    await handleActivation(request('Update'), ruleSets);

    expect(ruleSets.calls).toEqual([]);
    expect(responses.at(-1)?.body.Status).toBe('SUCCESS');
  });

  it('deactivates the set on delete only while it is still the active one', async () => {
    const ours = new InMemoryRuleSets('Desk-inbound-mail');
    const another = new InMemoryRuleSets('someone-elses-rules');

    await handleActivation(request('Delete'), ours);
    await handleActivation(request('Delete'), another);

    expect(ours.active).toBeUndefined();
    expect(another.active).toBe('someone-elses-rules');
    expect(another.calls).toEqual([]);
  });

  it('reports a failure to CloudFormation instead of leaving it waiting', async () => {
    await handleActivation(request('Create'), new BrokenRuleSets(undefined));

    expect(responses.at(-1)?.body).toMatchObject({
      Status: 'FAILED',
      Reason: 'ThrottlingException: Rate exceeded',
    });
  });

  it('reports a malformed request as failed when it can still be answered', async () => {
    const { ResourceProperties: _, ...withoutProperties } = request('Create');

    await handleActivation(withoutProperties, new InMemoryRuleSets(undefined));

    expect(responses.at(-1)?.body).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringContaining('ResourceProperties'),
    });
  });
});
