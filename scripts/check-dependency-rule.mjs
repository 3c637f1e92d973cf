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

// Package imports (`#triage/language-model`): the domain runs on each one's default target, which is checked
// like a relative import. A bundling condition may swap in an adapter (the model sidecars of a deployed bundle).
const packageImports = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).imports ?? {};

const problems = [];

/** The file an import names, relative to the root, or undefined for a package. */
function localTarget(file, specifier) {
  if (specifier.startsWith('.'))
    return path.relative(root, path.resolve(domain, path.dirname(file), specifier));
  if (!specifier.startsWith('#')) return undefined;
  const target = packageImports[specifier];
  const defaultTarget = typeof target === 'string' ? target : target?.default;
  if (typeof defaultTarget !== 'string') {
    problems.push(
      `lambdas/domain/${file} imports "${specifier}": package.json "imports" gives it no default`,
    );
    return undefined;
  }
  return path.normalize(defaultTarget);
}

for (const file of readdirSync(domain, { recursive: true, encoding: 'utf8' })) {
  if (!/\.(ts|mts|js|mjs)$/.test(file)) continue;
  const source = readFileSync(path.join(domain, file), 'utf8');
  for (const match of source.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? '';
    const target = localTarget(file, specifier);
    for (const [pattern, why] of FORBIDDEN) {
      if (pattern.test(specifier) || (target !== undefined && pattern.test(`/${target}`))) {
        problems.push(`lambdas/domain/${file} imports "${specifier}": ${why}`);
      }
    }
  }
}
if (problems.length > 0) {
  console.error(`Dependency rule broken (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('dependency rule: lambdas/domain imports no AWS, CDK, I/O or outer layer');
