import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { RouterFunction } from '../../../lib/constructs/RouterFunction.js';
import { RouterStack } from '../../../lib/RouterStack.js';

/**
 * Only route-inbound triages, so only it may carry the triage models (6.5 MB language, 0.5 MB topic): every
 * other function would decode them on each cold start for nothing. A stray import (a constant taken from a
 * module that imports triage) is enough to pull them in, which is how the staff API once weighed 7.5 MB.
 */
const MODELS = ['language.model.json', 'topicModel.model.json'];

/** Every function of the stack by its handler file: the core functions and the channels'. */
const HANDLERS = [
  'activateReceiptRuleSet',
  'emailIngest',
  'routeInbound',
  'slaSweeper',
  'staffApi',
  'fax',
  'faxOcr',
  'chat',
  'chatConnect',
  'form',
];

const bundles = new Map<string, Promise<{ inputs: string[]; packages: Set<string> }>>();

/** The npm packages an entry's bundle is built from (SDK included, as RouterFunction bundles it); built once. */
function bundledPackages(entry: string): Promise<{ inputs: string[]; packages: Set<string> }> {
  let bundle = bundles.get(entry);
  if (!bundle) {
    bundle = bundleOnce(entry);
    bundles.set(entry, bundle);
  }
  return bundle;
}

async function bundleOnce(entry: string): Promise<{ inputs: string[]; packages: Set<string> }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const packages = new Set(
    inputs.flatMap((input) => {
      const match = /node_modules\/(@[^/]+\/[^/]+|[^/]+)\//.exec(input);
      return match?.[1] ? [match[1]] : [];
    }),
  );
  return { inputs, packages };
}

/** The service clients (and the DynamoDB document client) a bundle carries. */
function sdkClients(packages: Set<string>): string[] {
  return [...packages].filter((name) => /^@aws-sdk\/(client-|lib-dynamodb$)/.test(name)).sort();
}

describe('function bundles (finding 8)', () => {
  const functions: { name: string; entry: string; declared: readonly string[] }[] = [];
  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new RouterStack(app, 'Bundles', {
      env: { account: '111111111111', region: 'us-east-1' },
      recipients: ['support@desk.test'],
      notifyFrom: 'notices@desk.test',
      deskFrom: 'support@desk.test',
      alarmEmail: 'oncall@desk.test',
      console: { callbackUrls: ['http://localhost:3000/'], logoutUrls: ['http://localhost:3000/'] },
      sandbox: true,
      activateReceiptRuleSet: true,
    });
    for (const fn of stack.node.findAll().filter((node) => node instanceof RouterFunction)) {
      functions.push({ name: path.basename(fn.entry, '.ts'), entry: fn.entry, declared: fn.sdkClients });
    }
  });

  it('finds every function of the stack', () => {
    expect(functions.map((fn) => fn.name).sort()).toEqual([...HANDLERS].sort());
  });

  it.each(HANDLERS)('bundles into %s exactly the SDK clients its access declaration grants', async (name) => {
    const fn = functions.find((candidate) => candidate.name === name);
    const { packages } = await bundledPackages(fn?.entry ?? '');
    expect(sdkClients(packages)).toEqual([...(fn?.declared ?? [])]);
  });

  it.each(HANDLERS.filter((handler) => handler !== 'routeInbound'))(
    '%s carries no triage model',
    async (handler) => {
      const fn = functions.find((candidate) => candidate.name === handler);
      const { inputs } = await bundledPackages(fn?.entry ?? '');
      expect(inputs.filter((input) => MODELS.some((model) => input.endsWith(model)))).toEqual([]);
    },
  );

  it('routeInbound carries both models (the check above can fail)', async () => {
    const fn = functions.find((candidate) => candidate.name === 'routeInbound');
    const { inputs } = await bundledPackages(fn?.entry ?? '');
    for (const model of MODELS) expect(inputs.some((input) => input.endsWith(model))).toBe(true);
  });
});
