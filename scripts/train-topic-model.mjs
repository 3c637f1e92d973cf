#!/usr/bin/env node
// Trains lambdas/domain/triage/topicModel.model.json, the compact linear topic model behind classifyTopic().
//
// Data: lambdas/domain/triage/training/*.jsonl only (written for this purpose; see training/README.md).
// The softmax temperature is fitted on test/fixtures/triage-eval/dev.jsonl (the dev set); the held-out
// files (holdout*.jsonl) are never read here.
//
// Features come from lambdas/domain/triage/topicModel.ts (the same code runs at inference), on the text
// exactly as triage() folds it: prepareText → foldMessage(subject, matchText).
// Model: multinomial logistic regression, plain SGD with L2, fixed seed and epoch count (deterministic);
// weights of buckets the corpus touched are kept, quantized to int8.
//
// Run: npx tsx scripts/train-topic-model.mjs   (a few seconds)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { foldMessage } from '../lambdas/domain/triage/cueMatcher.ts';
import { prepareText } from '../lambdas/domain/triage/prepareText.ts';
import { TOPICS } from '../lambdas/domain/triage/taxonomy.ts';
import { FEATURE_BITS, featurize } from '../lambdas/domain/triage/topicModel.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const trainingDir = process.env.TRAINING_DIR ?? path.join(repoRoot, 'lambdas/domain/triage/training');
const devFile = path.join(repoRoot, 'test/fixtures/triage-eval/dev.jsonl');
const outputFile = process.env.OUTPUT ?? path.join(repoRoot, 'lambdas/domain/triage/topicModel.model.json');

const SEED = 20261128;
const EPOCHS = Number(process.env.EPOCHS ?? 40);
const LEARNING_RATE = Number(process.env.LR ?? 2);
const L2 = Number(process.env.L2 ?? 1e-5);
/** Weights below this magnitude (after training) are dropped: they cannot move a decision. */
const PRUNE = Number(process.env.PRUNE ?? 0.01);

const classes = TOPICS.length;
const buckets = 1 << FEATURE_BITS;

function readJsonl(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

function foldedOf(message) {
  const prepared = prepareText(message.text);
  return foldMessage(message.subject ?? '', prepared.matchText).text;
}

function example(message, topic) {
  const label = TOPICS.indexOf(topic);
  if (label < 0) throw new Error(`unknown topic ${topic} in ${message.id}`);
  return { id: message.id, label, features: featurize(foldedOf(message)) };
}

// mulberry32: a small seeded PRNG, so shuffles are the same on every run.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function logits(weights, bias, features) {
  const out = Float64Array.from(bias);
  const { buckets: ids, values } = features;
  for (let index = 0; index < ids.length; index++) {
    const base = ids[index] * classes;
    const value = values[index];
    for (let topic = 0; topic < classes; topic++) out[topic] += value * weights[base + topic];
  }
  return out;
}

function softmax(scores, temperature = 1) {
  let max = Number.NEGATIVE_INFINITY;
  for (const value of scores) max = Math.max(max, value);
  const exps = Array.from(scores, (value) => Math.exp((value - max) / temperature));
  const total = exps.reduce((sum, value) => sum + value, 0);
  return exps.map((value) => value / total);
}

const files = readdirSync(trainingDir)
  .filter((name) => name.endsWith('.jsonl'))
  .sort();
const corpus = files.flatMap((name) => readJsonl(path.join(trainingDir, name)));
const examples = corpus.map((message) => example(message, message.topic));
console.log(`training on ${examples.length} messages from ${files.length} files`);

const weights = new Float32Array(buckets * classes);
const bias = new Float64Array(classes);
const next = random(SEED);
const order = examples.map((_, index) => index);
// Lazy L2: each weight decays by the product of (1 - lr·λ) factors since its last update.
let step = 0;
const decay = [1];
const lastStep = new Int32Array(buckets);
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  for (let index = order.length - 1; index > 0; index--) {
    const swap = Math.floor(next() * (index + 1));
    [order[index], order[swap]] = [order[swap], order[index]];
  }
  const rate = LEARNING_RATE / (1 + epoch * 0.2);
  let loss = 0;
  for (const position of order) {
    const { label, features } = examples[position];
    step++;
    decay[step] = decay[step - 1] * (1 - rate * L2);
    const { buckets: ids, values } = features;
    for (let index = 0; index < ids.length; index++) {
      const bucket = ids[index];
      const factor = decay[step - 1] / decay[lastStep[bucket]];
      if (factor !== 1)
        for (let topic = 0; topic < classes; topic++) weights[bucket * classes + topic] *= factor;
      lastStep[bucket] = step - 1;
    }
    const probabilities = softmax(logits(weights, bias, features));
    loss -= Math.log(Math.max(1e-12, probabilities[label]));
    for (let topic = 0; topic < classes; topic++) {
      const gradient = probabilities[topic] - (topic === label ? 1 : 0);
      bias[topic] -= rate * gradient * 0.1;
      for (let index = 0; index < ids.length; index++)
        weights[ids[index] * classes + topic] -= rate * gradient * values[index];
    }
  }
  if (epoch % 5 === 4 || epoch === EPOCHS - 1)
    console.log(`epoch ${epoch + 1}: mean loss ${(loss / order.length).toFixed(4)}`);
}
for (let bucket = 0; bucket < buckets; bucket++) {
  const factor = decay[step] / decay[lastStep[bucket]];
  if (factor !== 1) for (let topic = 0; topic < classes; topic++) weights[bucket * classes + topic] *= factor;
}

// Sparse rows: buckets with any weight worth keeping.
let maxWeight = 0;
const rows = [];
for (let bucket = 0; bucket < buckets; bucket++) {
  let keep = false;
  for (let topic = 0; topic < classes; topic++) {
    const value = Math.abs(weights[bucket * classes + topic]);
    if (value >= PRUNE) keep = true;
    maxWeight = Math.max(maxWeight, value);
  }
  if (keep) rows.push(bucket);
}
const scale = maxWeight / 127;
const quantized = new Int8Array(rows.length * classes);
const quantizedWeights = new Float32Array(buckets * classes);
rows.forEach((bucket, row) => {
  for (let topic = 0; topic < classes; topic++) {
    const value = Math.max(-127, Math.min(127, Math.round(weights[bucket * classes + topic] / scale)));
    quantized[row * classes + topic] = value;
    quantizedWeights[bucket * classes + topic] = value * scale;
  }
});
const varints = [];
let previous = 0;
for (const bucket of rows) {
  let delta = bucket - previous;
  previous = bucket;
  while (delta >= 0x80) {
    varints.push((delta & 0x7f) | 0x80);
    delta >>>= 7;
  }
  varints.push(delta);
}

// Temperature: minimize the dev set's negative log-likelihood over a grid (the model never trains on dev).
const dev = readJsonl(devFile).map((message) => example(message, message.expect.topic));
const devLogits = dev.map((entry) => logits(quantizedWeights, bias, entry.features));
let temperature = 1;
let bestLoss = Number.POSITIVE_INFINITY;
for (let candidate = 0.05; candidate <= 6.001; candidate += 0.05) {
  let loss = 0;
  devLogits.forEach((scores, index) => {
    loss -= Math.log(Math.max(1e-12, softmax(scores, candidate)[dev[index].label]));
  });
  if (loss < bestLoss) {
    bestLoss = loss;
    temperature = Math.round(candidate * 100) / 100;
  }
}
const devCorrect = devLogits.filter((scores, index) => {
  const top = scores.indexOf(Math.max(...scores));
  return top === dev[index].label;
}).length;
console.log(
  `rows ${rows.length}, scale ${scale.toExponential(3)}, temperature ${temperature} (dev NLL ${(bestLoss / dev.length).toFixed(3)}, dev accuracy ${(devCorrect / dev.length).toFixed(3)})`,
);

const model = {
  format: 'contact-router topic model 1',
  trainedOn: `${examples.length} messages in lambdas/domain/triage/training (${files.join(', ')})`,
  featureBits: FEATURE_BITS,
  topics: TOPICS,
  temperature,
  scale,
  bias: Array.from(bias, (value) => Math.round(value * 1e4) / 1e4),
  rows: Buffer.from(varints).toString('base64'),
  weights: Buffer.from(quantized.buffer).toString('base64'),
};
writeFileSync(outputFile, `${JSON.stringify(model)}\n`);
console.log(
  `wrote ${path.relative(repoRoot, outputFile)} (${(JSON.stringify(model).length / 1024).toFixed(0)} KB)`,
);
