import { forEachAsciiWord } from './cueMatcher.js';
import { modelBytesOf } from './modelBytes.js';
import { TOPICS, type Topic, zeroTopicScores } from './taxonomy.js';

/**
 * A compact linear topic model: hashed words and character 4-grams of the folded
 * message (subject + member text, as `foldMessage` builds it), CJK characters as unigrams/bigrams,
 * multinomial logistic regression. Trained offline by `scripts/train-topic-model.mjs` on the corpus in
 * `training/`; weights are quantized to int8 and shipped sparse (only buckets the corpus touched).
 * Pure: the model is decoded once from a plain object (the model JSON, or in a deployed bundle its binary
 * sidecar as an adapter reads it), never read from disk here.
 *
 * Cost, not accuracy, chose the feature set: 3–5-gram characters scored the same on the evaluation sets
 * as 4-grams alone but made three times the features, and each feature is a memory lookup that misses the
 * CPU cache; word pairs added nothing that the 4-grams across word boundaries do not already carry. 2^15
 * buckets scored as well as 2^16 and 2^18 on dev and held-out sets 1–8, and a dense 2^15 × 12 int8 table
 * (384 KB) answers each feature with one lookup instead of two and stays in the L2 cache.
 */

/** Hash space of the features (a power of two). */
export const FEATURE_BITS = 15;
const BUCKET_MASK = (1 << FEATURE_BITS) - 1;
/** Only this much of a message is featurized: the topic is nearly always stated early, and latency stays flat. */
export const MAX_FEATURE_CHARS = 1_500;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEED_WORD = 0x57;
const SEED_CHAR = 0x43;
const SEED_CJK = 0x4a;
/** One class per topic of the taxonomy (logitsOf is written out for exactly this many). */
const CLASS_COUNT = TOPICS.length;
const SPACE = 0x20;
/** Length of the character n-grams. */
const CHAR_GRAM = 4;

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
  forEachAsciiWord(text, (start, end) => {
    words.push(text.slice(start, end));
  });
  return words;
}

export interface Features {
  /** Distinct buckets, in first-seen order. */
  buckets: Uint32Array;
  /** L2-normalized value per bucket. */
  values: Float32Array;
  /** The words featurized, with the bucket of each (for evidence). */
  words: string[];
  wordBuckets: Uint32Array;
}

// Scratch space reused by every call (single-threaded; reset before returning): counts per bucket.
const scratchCounts = new Uint8Array(1 << FEATURE_BITS);
let scratchTouched = new Uint32Array(4_096);
let scratchStream = new Uint16Array(4_096);
/** 1 + ln(count) for every count a bucket can hold: the feature value before normalization. */
const LOG_COUNT = Float64Array.from({ length: 256 }, (_, count) => (count === 0 ? 0 : 1 + Math.log(count)));

/** Count one occurrence of a bucket; returns the new number of distinct buckets. */
function add(bucket: number, distinct: number): number {
  const count = scratchCounts[bucket] ?? 0;
  if (count === 0) {
    scratchTouched[distinct] = bucket;
    scratchCounts[bucket] = 1;
    return distinct + 1;
  }
  if (count < 0xff) scratchCounts[bucket] = count + 1;
  return distinct;
}

/**
 * Featurize folded text (lower case, diacritics folded). Deterministic; shared by training and inference.
 * Buckets come out in first-seen order, each once.
 *
 * Character features are read from the words joined by single spaces and padded with one space each side
 * (" w1 w2 … "), laid out in a reused typed array rather than built as a string.
 */
export function featurize(folded: string): Features {
  const text = folded.length > MAX_FEATURE_CHARS ? folded.slice(0, MAX_FEATURE_CHARS) : folded;
  const words = wordsOf(text);
  let characters = 1;
  for (const word of words) characters += word.length + 1;
  const capacity = words.length + characters * 3 + 8;
  if (scratchTouched.length < capacity) scratchTouched = new Uint32Array(capacity);
  // `distinct = add(bucket, distinct)` rather than a closure over `distinct`: a variable a closure writes
  // lives on the heap, and this runs once per character.
  let distinct = 0;
  const wordBuckets = new Uint32Array(words.length);
  for (let index = 0; index < words.length; index++) {
    const bucket = bucketOf(hashString(SEED_WORD, words[index] ?? ''));
    wordBuckets[index] = bucket;
    distinct = add(bucket, distinct);
  }
  // The character stream, in a reused typed array: no string is built.
  if (scratchStream.length < characters) scratchStream = new Uint16Array(characters * 2);
  const stream = scratchStream;
  let length = 0;
  stream[length++] = SPACE;
  for (const word of words) {
    for (let index = 0; index < word.length; index++) stream[length++] = word.charCodeAt(index);
    stream[length++] = SPACE;
  }
  const cjkSeed = mixSeed(SEED_CJK);
  const charSeed = mixSeed(SEED_CHAR);
  for (let start = 0; start < length; start++) {
    const first = stream[start] ?? 0;
    if (first > 0x3000 && isCjk(first)) {
      const single = Math.imul(cjkSeed ^ first, FNV_PRIME);
      distinct = add(bucketOf(single), distinct);
      const second = start + 1 < length ? (stream[start + 1] ?? 0) : Number.NaN;
      if (isCjk(second)) distinct = add(bucketOf(Math.imul(single ^ second, FNV_PRIME) ^ 0x2), distinct);
    }
    if (start + CHAR_GRAM > length) continue;
    let hash = Math.imul(charSeed ^ first, FNV_PRIME);
    hash = Math.imul(hash ^ (stream[start + 1] ?? 0), FNV_PRIME);
    hash = Math.imul(hash ^ (stream[start + 2] ?? 0), FNV_PRIME);
    hash = Math.imul(hash ^ (stream[start + 3] ?? 0), FNV_PRIME);
    distinct = add(bucketOf(hash ^ CHAR_GRAM), distinct);
  }
  const buckets = scratchTouched.slice(0, distinct);
  const values = new Float32Array(distinct);
  let norm = 0;
  for (let index = 0; index < distinct; index++) {
    const bucket = buckets[index] ?? 0;
    const value = LOG_COUNT[scratchCounts[bucket] ?? 1] ?? 1;
    scratchCounts[bucket] = 0;
    values[index] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let index = 0; index < distinct; index++) values[index] = (values[index] ?? 0) * scale;
  return { buckets, values, words, wordBuckets };
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

function bytesOf(value: unknown, field: string): Uint8Array {
  const bytes = modelBytesOf(value);
  if (bytes === undefined) throw new TopicModelFormatError(field);
  return bytes;
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
  /** Dense int8 weights, `topics.length` per bucket (bucket-major), times `scale`; zero where the corpus never reached. */
  weights: Int8Array;
  scale: number;
}

export interface TopicPrediction {
  features: Features;
  probabilities: Record<Topic, number>;
  top: Topic;
  /** Raw scores per class (before temperature), for explain. */
  logits: Float64Array;
}

/** Decode the model: `rows` are varint-coded bucket deltas, `weights` int8, both base64 text or bytes (modelBytes.ts). */
export function decodeTopicModel(raw: unknown): TopicModelData {
  if (!isFields(raw)) throw new TopicModelFormatError('root');
  if (numberOf(raw.featureBits, 'featureBits') !== FEATURE_BITS)
    throw new TopicModelFormatError('featureBits');
  const topics = topicsOf(raw.topics);
  if (topics.length !== CLASS_COUNT) throw new TopicModelFormatError('topics');
  if (!Array.isArray(raw.bias) || raw.bias.length !== topics.length) throw new TopicModelFormatError('bias');
  const bias = Float32Array.from(raw.bias.map((value) => numberOf(value, 'bias')));
  const temperature = numberOf(raw.temperature, 'temperature');
  const scale = numberOf(raw.scale, 'scale');
  const rowBytes = bytesOf(raw.rows, 'rows');
  const weightBytes = bytesOf(raw.weights, 'weights');
  const sparse = new Int8Array(weightBytes.buffer, weightBytes.byteOffset, weightBytes.length);
  const classes = topics.length;
  const weights = new Int8Array((1 << FEATURE_BITS) * classes);
  let bucket = 0;
  let row = 0;
  let shift = 0;
  let delta = 0;
  for (const byte of rowBytes) {
    delta |= (byte & 0x7f) << shift;
    if (byte & 0x80) {
      shift += 7;
      // A bucket delta fits FEATURE_BITS: a longer varint is a corrupt file, not a large number.
      if (shift > FEATURE_BITS) throw new TopicModelFormatError('rows');
      continue;
    }
    bucket += delta;
    if (bucket > BUCKET_MASK || (row + 1) * classes > sparse.length) throw new TopicModelFormatError('rows');
    weights.set(sparse.subarray(row * classes, (row + 1) * classes), bucket * classes);
    row++;
    delta = 0;
    shift = 0;
  }
  if (shift !== 0 || row * classes !== sparse.length) throw new TopicModelFormatError('weights');
  return { topics, bias, temperature, weights, scale };
}

/**
 * Logits (before temperature) of featurized text. The 12 classes are summed in 12 locals rather than a loop
 * over an array: three times faster, and this runs for every feature of every message. decodeTopicModel
 * guarantees the model has exactly these 12 classes.
 */
export function logitsOf(model: TopicModelData, features: Features): Float64Array {
  const { buckets, values } = features;
  const { weights } = model;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  let s8 = 0;
  let s9 = 0;
  let s10 = 0;
  let s11 = 0;
  for (let index = 0; index < buckets.length; index++) {
    const value = values[index] ?? 0;
    const base = (buckets[index] ?? 0) * CLASS_COUNT;
    s0 += value * (weights[base] ?? 0);
    s1 += value * (weights[base + 1] ?? 0);
    s2 += value * (weights[base + 2] ?? 0);
    s3 += value * (weights[base + 3] ?? 0);
    s4 += value * (weights[base + 4] ?? 0);
    s5 += value * (weights[base + 5] ?? 0);
    s6 += value * (weights[base + 6] ?? 0);
    s7 += value * (weights[base + 7] ?? 0);
    s8 += value * (weights[base + 8] ?? 0);
    s9 += value * (weights[base + 9] ?? 0);
    s10 += value * (weights[base + 10] ?? 0);
    s11 += value * (weights[base + 11] ?? 0);
  }
  const logits = Float64Array.of(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11);
  for (let topic = 0; topic < CLASS_COUNT; topic++)
    logits[topic] = (model.bias[topic] ?? 0) + (logits[topic] ?? 0) * model.scale;
  return logits;
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
