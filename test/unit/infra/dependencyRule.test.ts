import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = path.resolve(import.meta.dirname, '../../../scripts/check-dependency-rule.mjs');
const trees: string[] = [];

/** A tree with the rule's script, a package.json with `imports`, and a domain file importing `#model`. */
function checkTree(imports: Record<string, unknown>): { status: number | null; output: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'dependency-rule-'));
  trees.push(root);
  for (const directory of ['scripts', 'lambdas/domain', 'lambdas/adapters/models', 'lambdas/adapters/aws']) {
    mkdirSync(path.join(root, directory), { recursive: true });
  }
  copyFileSync(script, path.join(root, 'scripts/check-dependency-rule.mjs'));
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ type: 'module', imports }));
  writeFileSync(path.join(root, 'lambdas/domain/model.json'), '{}');
  writeFileSync(
    path.join(root, 'lambdas/domain/uses.ts'),
    "import model from '#model';\nexport { model };\n",
  );
  const run = spawnSync(process.execPath, [path.join(root, 'scripts/check-dependency-rule.mjs')], {
    encoding: 'utf8',
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

afterEach(() => {
  for (const root of trees.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('the dependency rule on package imports', () => {
  it('lets the model-sidecars condition name a model-sidecar adapter', () => {
    const run = checkTree({
      '#model': {
        'model-sidecars': './lambdas/adapters/models/sidecar.ts',
        default: './lambdas/domain/model.json',
      },
    });
    expect(run.output).toContain('dependency rule: lambdas/domain imports no');
    expect(run.status).toBe(0);
  });

  it('checks the targets every other condition picks: `node` wins over `default` at run time', () => {
    const run = checkTree({
      '#model': { node: './lambdas/adapters/aws/clock.ts', default: './lambdas/domain/model.json' },
    });
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/imports "#model" \(its "node" target .*adapters\/aws\/clock\.ts\)/);
  });

  it('refuses a model-sidecars target outside the model-sidecar adapters, and an import with no default', () => {
    const elsewhere = checkTree({
      '#model': {
        'model-sidecars': './lambdas/adapters/aws/clock.ts',
        default: './lambdas/domain/model.json',
      },
    });
    expect(elsewhere.status).toBe(1);
    expect(elsewhere.output).toContain('is not a model-sidecar adapter');
    const noDefault = checkTree({ '#model': { 'model-sidecars': './lambdas/adapters/models/sidecar.ts' } });
    expect(noDefault.status).toBe(1);
    expect(noDefault.output).toContain('gives it no default');
  });
});
