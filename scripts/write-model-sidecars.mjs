#!/usr/bin/env node
// Writes the triage models' binary sidecars (lambdas/adapters/models/modelSidecar.ts) into a bundle's directory,
// from the model JSON files. RouterFunction runs it after esbuild for a function with `triageModels`.
// Run: npx tsx scripts/write-model-sidecars.mjs <directory>
import { writeTriageModelSidecars } from '../lambdas/adapters/models/modelSidecar.ts';

const directory = process.argv[2];
if (!directory) {
  console.error('usage: tsx scripts/write-model-sidecars.mjs <bundle directory>');
  process.exit(2);
}
writeTriageModelSidecars(directory);
