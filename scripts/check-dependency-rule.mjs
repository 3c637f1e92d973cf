#!/usr/bin/env node
// The dependency rule: lambdas/domain is pure. It imports no AWS SDK, CDK, Lambda runtime
// helpers, MIME parser, network or file system, and nothing from adapters, handlers or local mode.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const domain = path.join(root, 'lambdas', 'domain');
const FORBIDDEN = [
  [/^@aws-sdk\//, 'the AWS SDK belongs in adapters'],
  [/^@aws-lambda-powertools\//, 'Powertools belongs in handlers and adapters'],
  [/^aws-cdk-lib|^constructs$|^cdk-nag/, 'CDK belongs in lib/'],
  [/^aws-lambda$/, 'Lambda event types belong in handlers'],
  [/^postal-mime|^mailparser/, 'MIME parsing is an adapter'],
  [
    /^node:(fs|http|https|net|dgram|child_process|worker_threads)(\/|$)|^(fs|http|https|net|child_process)$/,
    'the domain does no I/O',
  ],
  [/\/(adapters|handlers|local)\//, 'the domain must not depend on outer layers'],
];
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

// Package imports (`#triage/language-model`): every target is checked like a relative import, whichever
// condition picks it (`node`, `import` and the like win over `default` at run time). One exception: the
// `model-sidecars` condition, which only the deployed bundles are built with, may name the model-sidecar
// adapters (the triage models read from binary files beside the bundle): nothing else.
const packageImports = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).imports ?? {};
const SIDECAR_CONDITION = 'model-sidecars';
const SIDECAR_ADAPTERS = path.join('lambdas', 'adapters', 'models') + path.sep;

const problems = [];

/** Every condition's target of a package import, as [condition, target] (nested conditions flattened). */
function conditionTargets(target, condition = 'default') {
  if (typeof target === 'string') return [[condition, target]];
  if (target === null || typeof target !== 'object') return [];
  return Object.entries(target).flatMap(([name, inner]) =>
    conditionTargets(inner, condition === 'default' ? name : condition),
  );
}

/** The files an import names, relative to the root (none for a package), each with the condition that picks it. */
function localTargets(file, specifier) {
  if (specifier.startsWith('.')) {
    return [['default', path.relative(root, path.resolve(domain, path.dirname(file), specifier))]];
  }
  if (!specifier.startsWith('#')) return [];
  const targets = conditionTargets(packageImports[specifier]);
  if (!targets.some(([condition]) => condition === 'default')) {
    problems.push(
      `lambdas/domain/${file} imports "${specifier}": package.json "imports" gives it no default`,
    );
  }
  const checked = [];
  for (const [condition, target] of targets) {
    const normalized = path.normalize(target);
    if (condition !== SIDECAR_CONDITION) checked.push([condition, normalized]);
    else if (!normalized.startsWith(SIDECAR_ADAPTERS)) {
      problems.push(
        `lambdas/domain/${file} imports "${specifier}": its "${SIDECAR_CONDITION}" target ${target} is not a model-sidecar adapter (${SIDECAR_ADAPTERS})`,
      );
    }
  }
  return checked;
}

for (const file of readdirSync(domain, { recursive: true, encoding: 'utf8' })) {
  if (!/\.(ts|mts|js|mjs)$/.test(file)) continue;
  const source = readFileSync(path.join(domain, file), 'utf8');
  for (const match of source.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? '';
    const targets = localTargets(file, specifier);
    for (const [pattern, why] of FORBIDDEN) {
      if (pattern.test(specifier)) problems.push(`lambdas/domain/${file} imports "${specifier}": ${why}`);
      for (const [condition, target] of targets) {
        if (pattern.test(`/${target}`)) {
          const via = condition === 'default' ? '' : ` (its "${condition}" target ${target})`;
          problems.push(`lambdas/domain/${file} imports "${specifier}"${via}: ${why}`);
        }
      }
    }
  }
}
if (problems.length > 0) {
  console.error(`Dependency rule broken (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('dependency rule: lambdas/domain imports no AWS, CDK, I/O or outer layer');
