import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_CONDITIONS, RouterFunction } from '../../../lib/constructs/RouterFunction.js';
import { RouterStack } from '../../../lib/RouterStack.js';

/**
 * Only route-inbound triages, so only it may carry the triage models (4.9 MB language, 0.4 MB topic): every
 * other function would load them on each cold start for nothing. A stray import (a constant taken from a
 * module that imports triage) is enough to pull them in, which is how the staff API once weighed 7.5 MB.
 * A bundle reads them from sidecar files (lambdas/adapters/models) its function's asset must carry.
 */
const MODEL_READERS = ['languageModelSidecar.ts', 'topicModelSidecar.ts'];
const MODEL_JSON = ['language.model.json', 'topicModel.model.json'];

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

/** What a bundle was built from, and the inputs that left code in it (tree-shaking drops the rest). */
interface Bundle {
  inputs: string[];
  packages: Set<string>;
  emitted: string[];
}

const bundles = new Map<string, Promise<Bundle>>();

/** The npm packages an entry's bundle is built from (SDK included, as RouterFunction bundles it); built once. */
function bundledPackages(entry: string): Promise<Bundle> {
  let bundle = bundles.get(entry);
  if (!bundle) {
    bundle = bundleOnce(entry);
    bundles.set(entry, bundle);
  }
  return bundle;
}

async function bundleOnce(entry: string): Promise<Bundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    conditions: [...BUNDLE_CONDITIONS],
    outfile: 'index.mjs',
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
  const emitted = Object.values(result.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs).flatMap(([input, { bytesInOutput }]) => (bytesInOutput > 0 ? [input] : [])),
  );
  return { inputs, packages, emitted };
}

/** Functions that only accept and queue (no routing, no clocks): they need no policy, no time zones. */
const INGEST_ONLY = ['emailIngest', 'fax', 'faxOcr', 'form'];

/** The service clients (and the DynamoDB document client) a bundle carries. */
function sdkClients(packages: Set<string>): string[] {
  return [...packages].filter((name) => /^@aws-sdk\/(client-|lib-dynamodb$)/.test(name)).sort();
}

describe('function bundles (finding 8)', () => {
  const functions: {
    name: string;
    entry: string;
    declared: readonly string[];
    triageModels: boolean;
  }[] = [];
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
      functions.push({
        name: path.basename(fn.entry, '.ts'),
        entry: fn.entry,
        declared: fn.sdkClients,
        triageModels: fn.triageModels,
      });
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

  it('ships the triage models with routeInbound alone', () => {
    expect(functions.filter((fn) => fn.triageModels).map((fn) => fn.name)).toEqual(['routeInbound']);
  });

  it.each(HANDLERS)('%s reads the triage models exactly when its asset carries them', async (handler) => {
    const fn = functions.find((candidate) => candidate.name === handler);
    const { inputs } = await bundledPackages(fn?.entry ?? '');
    const readers = MODEL_READERS.filter((reader) => inputs.some((input) => input.endsWith(reader)));
    expect(readers).toEqual(fn?.triageModels ? MODEL_READERS : []);
    expect(inputs.filter((input) => MODEL_JSON.some((model) => input.endsWith(model)))).toEqual([]);
  });

  // Cold start (npm run bench:coldstart): what a function's module load runs is what its bundle keeps.
  it.each(HANDLERS.filter((handler) => handler !== 'staffApi'))(
    '%s keeps only the zod it calls (no locale besides English)',
    async (handler) => {
      const fn = functions.find((candidate) => candidate.name === handler);
      const { emitted } = await bundledPackages(fn?.entry ?? '');
      expect(emitted.some((input) => input.includes('node_modules/zod/'))).toBe(true);
      expect(emitted.filter((input) => /node_modules\/zod\/v4\/locales\/(?!en\.js)/.test(input))).toEqual([]);
    },
  );

  // Classic zod cannot be tree-shaken (~440 KB, ~55 ms of every cold start): one classic schema, or one
  // module that imports `zod`, anywhere in a handler's graph brings it in. Only the staff API
  // (@hono/zod-openapi) loads it; every other function validates with zod/mini (lambdas/domain/zodMini.ts).
  it.each(HANDLERS.filter((handler) => handler !== 'staffApi'))(
    '%s leaves classic zod out of its module graph',
    async (handler) => {
      const fn = functions.find((candidate) => candidate.name === handler);
      const { inputs } = await bundledPackages(fn?.entry ?? '');
      expect(inputs.filter((input) => input.includes('node_modules/zod/v4/classic/'))).toEqual([]);
    },
  );

  it('staffApi loads classic zod (the check above can fail)', async () => {
    const fn = functions.find((candidate) => candidate.name === 'staffApi');
    const { emitted } = await bundledPackages(fn?.entry ?? '');
    expect(emitted.some((input) => input.includes('node_modules/zod/v4/classic/'))).toBe(true);
  });

  it.each(INGEST_ONLY)('%s carries no routing policy and no time-zone library', async (handler) => {
    const fn = functions.find((candidate) => candidate.name === handler);
    const { emitted } = await bundledPackages(fn?.entry ?? '');
    expect(
      emitted.filter(
        (input) => input.endsWith('default-policy.json') || input.includes('node_modules/luxon/'),
      ),
    ).toEqual([]);
  });

  it('routeInbound carries the policy and luxon (the check above can fail)', async () => {
    const fn = functions.find((candidate) => candidate.name === 'routeInbound');
    const { emitted } = await bundledPackages(fn?.entry ?? '');
    expect(emitted.some((input) => input.endsWith('default-policy.json'))).toBe(true);
    expect(emitted.some((input) => input.includes('node_modules/luxon/'))).toBe(true);
  });
});
