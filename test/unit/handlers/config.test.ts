import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { loadConfig, policyFromEnvironment } from '../../../lambdas/handlers/config.js';

const directory = mkdtempSync(path.join(tmpdir(), 'policy-'));

describe('handler configuration', () => {
  it('names every missing setting of an entry point at once', () => {
    const schema = z.object({ TABLE_NAME: z.string().min(1), QUEUE_URL: z.string().url() });
    expect(() => loadConfig(schema, {}, 'route-inbound')).toThrow(
      /route-inbound[\s\S]*TABLE_NAME[\s\S]*QUEUE_URL/,
    );
  });

  it('uses the bundled default policy unless POLICY_FILE names another', () => {
    expect(policyFromEnvironment({})).toBe(DEFAULT_POLICY);
    const file = path.join(directory, 'edited.json');
    writeFileSync(file, JSON.stringify({ ...DEFAULT_POLICY, version: 'edited.1' }));
    expect(policyFromEnvironment({ POLICY_FILE: file }).version).toBe('edited.1');
  });

  it('rejects an invalid policy file listing every problem', () => {
    const file = path.join(directory, 'broken.json');
    writeFileSync(file, JSON.stringify({ ...DEFAULT_POLICY, minTopicConfidence: 2, triageQueue: 'nowhere' }));
    expect(() => policyFromEnvironment({ POLICY_FILE: file })).toThrow(
      /minTopicConfidence[\s\S]*triageQueue|triageQueue[\s\S]*minTopicConfidence/,
    );
    const notJson = path.join(directory, 'not.json');
    writeFileSync(notJson, '{');
    expect(() => policyFromEnvironment({ POLICY_FILE: notJson })).toThrow(/could not be read as JSON/);
  });
});
