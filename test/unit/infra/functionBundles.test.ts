import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Only route-inbound triages, so only it may carry the triage models (6.5 MB language, 0.5 MB topic): every
 * other function would decode them on each cold start for nothing. A stray import (a constant taken from a
 * module that imports triage) is enough to pull them in, which is how the staff API once weighed 7.5 MB.
 */
const MODELS = ['language.model.json', 'topicModel.model.json'];

async function bundledInputs(handler: string): Promise<string[]> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../../../lambdas/handlers/${handler}.ts`, import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['@aws-sdk/*'],
  });
  return Object.keys(result.metafile.inputs);
}

describe('function bundles', () => {
  it.each(['staffApi', 'slaSweeper', 'emailIngest', 'fax', 'faxOcr', 'chat', 'chatConnect', 'form'])(
    '%s carries no triage model',
    async (handler) => {
      const inputs = await bundledInputs(handler);
      expect(inputs.filter((input) => MODELS.some((model) => input.endsWith(model)))).toEqual([]);
    },
  );

  it('routeInbound carries both models (the check above can fail)', async () => {
    const inputs = await bundledInputs('routeInbound');
    for (const model of MODELS) expect(inputs.some((input) => input.endsWith(model))).toBe(true);
  });
});
