import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeModelSidecar,
  LANGUAGE_MODEL_SIDECAR,
  TRIAGE_MODEL_SIDECARS,
} from '../../../lambdas/adapters/models/modelSidecar.js';
import { triage } from '../../../lambdas/domain/triage/triage.js';
import type { TriageInput } from '../../../lambdas/domain/triage/types.js';
import { RouterFunction } from '../../../lib/constructs/RouterFunction.js';
import { env } from './testStack.js';

/**
 * What route-inbound deploys, checked on a function bundled the same way (RouterFunction with
 * `triageModels`, CDK's local esbuild) whose handler only triages: its asset carries the models as binary
 * sidecars and no model JSON, and it triages in a fresh Node process exactly as the domain does when
 * imported directly (tests, local mode).
 */
const MESSAGES: TriageInput[] = [
  { channel: 'email', subject: 'Refill', text: 'Can you refill my metformin? I am almost out.' },
  { channel: 'email', subject: 'paquete', text: 'El paquete llegó roto y falta un frasco de insulina.' },
  {
    channel: 'form',
    subject: '',
    text: 'Je voudrais faire appel du refus de couverture pour mon traitement.',
  },
  { channel: 'chat', subject: '', text: '我收到一条短信说要退款，要我的银行卡号，是诈骗吗' },
  { channel: 'email', subject: 'Rechnung', text: 'Warum wurde mir die Zuzahlung zweimal berechnet?' },
  { channel: 'email', subject: 'pakè', text: 'Mwen pa janm resevwa medikaman mwen yo, pakè a pèdi.' },
];

const root = path.resolve(import.meta.dirname, '../../..');

/** Import a bundle in a fresh Node process, as Lambda's init does, and triage MESSAGES with its handler. */
function triageInFreshProcess(bundle: string): unknown {
  const script = [
    `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
    `process.stdout.write(JSON.stringify(await handler(${JSON.stringify(MESSAGES)})));`,
  ].join('\n');
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(output);
}

/** The error a bundle's init fails with, from a fresh process. */
function initError(bundle: string): string {
  try {
    triageInFreshProcess(bundle);
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  return 'no error';
}

describe('route-inbound triage models in the bundle', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'triage-bundle-'));
  let asset = '';

  beforeAll(() => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'TriageBundle', { env });
    const fn = new RouterFunction(stack, 'Triage', {
      entry: path.join(root, 'test/fixtures/bundles/triageHandler.ts'),
      description: 'triage only',
      environment: {},
      timeout: Duration.seconds(10),
      access: {},
      label: 'triage',
      dataKey: new kms.Key(stack, 'Key'),
      logRetention: logs.RetentionDays.ONE_DAY,
      triageModels: true,
    });
    app.synth();
    const template = JSON.parse(readFileSync(path.join(outdir, 'TriageBundle.template.json'), 'utf8'));
    const logicalId = stack.getLogicalId(fn.function.node.defaultChild as CfnResource);
    asset = path.join(
      outdir,
      `asset.${template.Resources[logicalId].Properties.Code.S3Key.replace(/\.zip$/, '')}`,
    );
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('carries each model as its sidecar, written from the model JSON, and no model JSON in the code', () => {
    const bundle = readFileSync(path.join(asset, 'index.mjs'), 'utf8');
    for (const spec of TRIAGE_MODEL_SIDECARS) {
      const model: unknown = JSON.parse(readFileSync(path.join(root, spec.source), 'utf8'));
      expect(readFileSync(path.join(asset, spec.file)).equals(encodeModelSidecar(model, spec))).toBe(true);
    }
    const languageModel = JSON.parse(readFileSync(path.join(root, LANGUAGE_MODEL_SIDECAR.source), 'utf8'));
    expect(bundle).not.toContain(languageModel.ngrams.entries.slice(0, 64));
    expect(readdirSync(asset).sort()).toEqual([
      'index.mjs',
      'index.mjs.map',
      'language.model.bin',
      'topicModel.model.bin',
    ]);
  });

  it('triages in a fresh Node process exactly as the domain does', () => {
    expect(triageInFreshProcess(path.join(asset, 'index.mjs'))).toEqual(
      JSON.parse(JSON.stringify(MESSAGES.map(triage))),
    );
  });

  it('fails its init naming the sidecar that is missing or malformed', () => {
    const broken = path.join(outdir, 'broken');
    mkdirSync(broken);
    copyFileSync(path.join(asset, 'index.mjs'), path.join(broken, 'index.mjs'));
    expect(initError(path.join(broken, 'index.mjs'))).toMatch(/model sidecar \S+\.model\.bin cannot be read/);
    for (const spec of TRIAGE_MODEL_SIDECARS) {
      const sidecar = readFileSync(path.join(asset, spec.file));
      writeFileSync(path.join(broken, spec.file), sidecar.subarray(0, sidecar.length - 1));
    }
    expect(initError(path.join(broken, 'index.mjs'))).toMatch(/model sidecar \S+\.model\.bin is cut short/);
  });
});
