import { TOPICS, type Topic, zeroTopicScores } from './taxonomy.js';

/**
 * A compact linear topic model: hashed word unigrams/bigrams and character 3–5-grams of the folded
 * message (subject + member text, as `foldMessage` builds it), CJK characters as unigrams/bigrams,
 * multinomial logistic regression. Trained offline by `scripts/train-topic-model.mjs` on the corpus in
 * `training/`; weights are sparse (only buckets the corpus touched) and quantized to int8.
 * Pure: the model is decoded once from a plain object (the bundled JSON), never read from disk here.
 */

/** Hash space of the features (a power of two). */
export const FEATURE_BITS = 18;
const BUCKET_MASK = (1 << FEATURE_BITS) - 1;
/** Only this much of a message is featurized: the topic is nearly always stated early, and latency stays flat. */
export const MAX_FEATURE_CHARS = 1_500;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEED_WORD = 0x57;
const SEED_BIGRAM = 0x42;
const SEED_CHAR = 0x43;
const SEED_CJK = 0x4a;

function mixSeed(seed: number): number {
  return Math.imul(FNV_OFFSET ^ seed, FNV_PRIME);
}

function hashString(seed: number, text: string): number {
  let hash = mixSeed(seed);
  for (let index = 0; index < text.length; index++)
    hash = Math.imul(hash ^ text.charCodeAt(index), FNV_PRIME);
  return hash;
}

/** A final avalanche so that nearby hashes spread over the buckets. */
function bucketOf(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & BUCKET_MASK;
}

/** Han, Kana, Hangul syllables: written without spaces (or with short words), so characters are features too. */
function isCjk(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x3040 && code <= 0x30ff) ||
    (code >= 0xac00 && code <= 0xd7af)
  );
}

const WORD_RUN = /[\p{L}\p{M}\p{N}]+/gu;
const NON_ASCII = /[^\n\t\r -~]/;

/** Words of the folded text: runs of letters/digits (CJK runs included whole). */
export function wordsOf(text: string): string[] {
  if (NON_ASCII.test(text)) return text.match(WORD_RUN) ?? [];
  const words: string[] = [];
  let start = -1;
  for (let index = 0; index <= text.length; index++) {
    const code = index < text.length ? text.charCodeAt(index) : 0;
    const word = (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    if (word && start < 0) start = index;
    else if (!word && start >= 0) {
      words.push(text.slice(start, index));
      start = -1;
    }
  }
  return words;
}

export interface Features {
  /** Distinct buckets, in first-seen order. */
  buckets: Uint32Array;
  /** L2-normalized value per bucket. */
  values: Float32Array;
  /** The words featurized, with the bucket of each word and of each word with the next (for evidence). */
  words: string[];
  wordBuckets: Uint32Array;
  bigramBuckets: Uint32Array;
}

// Scratch space reused by every call (single-threaded; reset before returning): counts per bucket.
const scratchCounts = new Uint8Array(1 << FEATURE_BITS);
let scratchTouched = new Uint32Array(4_096);

/**
 * Featurize folded text (lower case, diacritics folded). Deterministic; shared by training and inference.
 * Buckets come out in first-seen order, each once.
 */
export function featurize(folded: string): Features {
  const text = folded.length > MAX_FEATURE_CHARS ? folded.slice(0, MAX_FEATURE_CHARS) : folded;
  const words = wordsOf(text);
  // Normalized character stream: words separated by one space, padded.
  const stream = ` ${words.join(' ')} `;
  const capacity = words.length * 2 + stream.length * 5 + 8;
  if (scratchTouched.length < capacity) scratchTouched = new Uint32Array(capacity);
  const touched = scratchTouched;
  const counts = scratchCounts;
  let distinct = 0;
  const add = (bucket: number) => {
    const count = counts[bucket] ?? 0;
    if (count === 0) touched[distinct++] = bucket;
    if (count < 0xff) counts[bucket] = count + 1;
  };
  const wordBuckets = new Uint32Array(words.length);
  const bigramBuckets = new Uint32Array(words.length);
  for (let index = 0; index < words.length; index++) {
    const word = words[index] ?? '';
    const bucket = bucketOf(hashString(SEED_WORD, word));
    wordBuckets[index] = bucket;
    add(bucket);
    const next = words[index + 1];
    if (next !== undefined) {
      const pair = bucketOf(hashString(SEED_BIGRAM, `${word} ${next}`));
      bigramBuckets[index] = pair;
      add(pair);
    }
  }
  const cjkSeed = mixSeed(SEED_CJK);
  const charSeed = mixSeed(SEED_CHAR);
  for (let start = 0; start < stream.length; start++) {
    const first = stream.charCodeAt(start);
    if (first > 0x3000 && isCjk(first)) {
      const single = Math.imul(cjkSeed ^ first, FNV_PRIME);
      add(bucketOf(single));
      const second = stream.charCodeAt(start + 1);
      if (isCjk(second)) add(bucketOf(Math.imul(single ^ second, FNV_PRIME) ^ 0x2));
    }
    let hash = charSeed;
    const end = Math.min(stream.length, start + 5);
    for (let index = start; index < end; index++) {
      hash = Math.imul(hash ^ stream.charCodeAt(index), FNV_PRIME);
      const length = index - start + 1;
      if (length >= 3) add(bucketOf(hash ^ length));
    }
  }
  const buckets = new Uint32Array(distinct);
  const values = new Float32Array(distinct);
  let norm = 0;
  for (let index = 0; index < distinct; index++) {
    const bucket = touched[index] ?? 0;
    const value = 1 + Math.log(counts[bucket] ?? 1);
    counts[bucket] = 0;
    buckets[index] = bucket;
    values[index] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let index = 0; index < distinct; index++) values[index] = (values[index] ?? 0) * scale;
  return { buckets, values, words, wordBuckets, bigramBuckets };
}

/** Hash of one word (or `a b` bigram) as featurize computes it, for evidence. */
export function wordBucket(word: string, bigram = false): number {
  return bucketOf(hashString(bigram ? SEED_BIGRAM : SEED_WORD, word));
}

class TopicModelFormatError extends Error {
  constructor(field: string) {
    super(
      `topicModel.model.json: ${field} is missing or malformed; rebuild it with scripts/train-topic-model.mjs`,
    );
    this.name = 'TopicModelFormatError';
  }
}

function isFields(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOf(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TopicModelFormatError(field);
  return value;
}

function stringOf(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new TopicModelFormatError(field);
  return value;
}

function topicsOf(value: unknown): Topic[] {
  if (!Array.isArray(value)) throw new TopicModelFormatError('topics');
  return value.map((entry) => {
    const topic = TOPICS.find((known) => known === entry);
    if (topic === undefined) throw new TopicModelFormatError('topics');
    return topic;
  });
}

/** The decoded model. */
export interface TopicModelData {
  topics: Topic[];
  bias: Float32Array;
  /** Softmax temperature fitted on the dev set (logits are divided by it). */
  temperature: number;
  /** bucket → row + 1 (0: the corpus never touched that bucket). */
  rowOf: Int32Array;
  /** row-major int8 weights, `topics.length` per row, times `scale`. */
  weights: Int8Array;
  scale: number;
}

export interface TopicPrediction {
  features: Features;
  probabilities: Record<Topic, number>;
  top: Topic;
  /** Raw scores per class (before temperature), for explain. */
  logits: Float32Array;
}

/** Decode the JSON model: `rows` are varint-coded bucket deltas, `weights` int8, both base64. */
export function decodeTopicModel(raw: unknown): TopicModelData {
  if (!isFields(raw)) throw new TopicModelFormatError('root');
  if (numberOf(raw.featureBits, 'featureBits') !== FEATURE_BITS)
    throw new TopicModelFormatError('featureBits');
  const topics = topicsOf(raw.topics);
  if (!Array.isArray(raw.bias) || raw.bias.length !== topics.length) throw new TopicModelFormatError('bias');
  const bias = Float32Array.from(raw.bias.map((value) => numberOf(value, 'bias')));
  const temperature = numberOf(raw.temperature, 'temperature');
  const scale = numberOf(raw.scale, 'scale');
  const rowBytes = Buffer.from(stringOf(raw.rows, 'rows'), 'base64');
  const weightBytes = Buffer.from(stringOf(raw.weights, 'weights'), 'base64');
  const weights = new Int8Array(weightBytes.buffer, weightBytes.byteOffset, weightBytes.length);
  const rowOf = new Int32Array(1 << FEATURE_BITS);
  let bucket = 0;
  let row = 0;
  let shift = 0;
  let delta = 0;
  for (const byte of rowBytes) {
    delta |= (byte & 0x7f) << shift;
    if (byte & 0x80) {
      shift += 7;
      continue;
    }
    bucket += delta;
    if (bucket > BUCKET_MASK) throw new TopicModelFormatError('rows');
    rowOf[bucket] = ++row;
    delta = 0;
    shift = 0;
  }
  if (row * topics.length !== weights.length) throw new TopicModelFormatError('weights');
  return { topics, bias, temperature, rowOf, weights, scale };
}

/** Logits (before temperature) of featurized text. */
export function logitsOf(model: TopicModelData, features: Features): Float32Array {
  const classes = model.topics.length;
  const logits = Float32Array.from(model.bias);
  const sums = new Float32Array(classes);
  const { buckets, values } = features;
  const { rowOf, weights } = model;
  for (let index = 0; index < buckets.length; index++) {
    const row = rowOf[buckets[index] ?? 0] ?? 0;
    if (row === 0) continue;
    const value = values[index] ?? 0;
    const base = (row - 1) * classes;
    for (let topic = 0; topic < classes; topic++)
      sums[topic] = (sums[topic] ?? 0) + value * (weights[base + topic] ?? 0);
  }
  for (let topic = 0; topic < classes; topic++)
    logits[topic] = (logits[topic] ?? 0) + (sums[topic] ?? 0) * model.scale;
  return logits;
}

/** The quantized weights of one bucket (one per topic, times `scale`), or undefined when the corpus never touched it. */
export function rowWeights(model: TopicModelData, bucket: number): Int8Array | undefined {
  const row = model.rowOf[bucket] ?? 0;
  if (row === 0) return undefined;
  const classes = model.topics.length;
  return model.weights.subarray((row - 1) * classes, row * classes);
}

/** Predict topic probabilities for folded text (subject and member text as `foldMessage` joins them). */
export function predictTopic(model: TopicModelData, folded: string): TopicPrediction {
  const features = featurize(folded);
  const logits = logitsOf(model, features);
  let max = Number.NEGATIVE_INFINITY;
  for (const value of logits) max = Math.max(max, value);
  const exps = Array.from(logits, (value) => Math.exp((value - max) / model.temperature));
  const total = exps.reduce((sum, value) => sum + value, 0);
  const probabilities = zeroTopicScores();
  let top: Topic = 'other';
  let best = -1;
  model.topics.forEach((topic, index) => {
    const probability = (exps[index] ?? 0) / total;
    probabilities[topic] = probability;
    if (probability > best) {
      best = probability;
      top = topic;
    }
  });
  return { features, probabilities, top, logits };
}
