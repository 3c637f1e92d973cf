// The JSON file, or its binary sidecar in a deployed bundle: see "imports" in package.json.
import rawTopicModel from '#triage/topic-model';
import { type CueMatch, CueMatcher, type FoldedMessage } from './cueMatcher.js';
import { TOPIC_LEXICONS } from './lexicon/index.js';
import { cleanSubject, foldForMatching } from './prepareText.js';
import { TOPICS, type Topic, zeroTopicScores } from './taxonomy.js';
import { decodeTopicModel, type Features, predictTopic, type TopicModelData } from './topicModel.js';
import type { TopicDecision } from './types.js';

/** What a topic classifier sees: the member's own words (prepared), and the subject. */
export interface TopicInput {
  subject: string;
  text: string;
  /** Folded text from `prepareText`, when the caller already has it. */
  matchText?: string;
  /** Subject and text folded and tokenized once (see `foldMessage`); wins over `matchText`. */
  folded?: FoldedMessage;
  /** The detected language (ISO 639-1), when confident; cues of other languages then count less. */
  language?: string;
}

/**
 * Port for topic classification. The built-in one is lexicon-based and offline; a hosted model
 * (Comprehend custom classification, Bedrock) can implement the same port in an adapter.
 */
export interface TopicClassifier {
  classify(input: TopicInput): TopicDecision;
}

type Scored = Exclude<Topic, 'other'>;

function* lexiconEntries(): Iterable<[Topic, string, string]> {
  for (const [language, lexicon] of Object.entries(TOPIC_LEXICONS)) {
    for (const topic of TOPICS) {
      for (const entry of lexicon[topic] ?? []) yield [topic, entry, language];
    }
  }
}

/**
 * Once the language is known, a cue from another language's lexicon counts half: folding makes
 * words of different languages collide (Spanish "pedí" and Haitian "pèdi" both fold to "pedi").
 * English cues keep full weight in every language: members everywhere write "refill" or "copay".
 */
const OTHER_LANGUAGE_WEIGHT = 0.5;
/** Cues of this base weight or less only support a topic (see lexicon/types.ts). */
const SUPPORT_ONLY = 1;
/** Subject words are the member's own summary: they count half again. */
const SUBJECT_WEIGHT = 1.5;
/** Saturation scale: one decisive cue (weight 3) alone gives ≈ 0.75 confidence. */
const SATURATION = 2.2;
/** Below this total weight nothing is claimed: the message is `other`. */
const MIN_SCORE = 0.9;
/** Tie order when two topics score the same: the more consequential team first. */
const TIE_ORDER: Scored[] = [
  'appeal',
  'privacy_fraud',
  'lost_damaged',
  'clinical',
  'international',
  'coverage',
  'billing',
  'refill',
  'delivery',
  'complaint',
  'account',
];

export interface TopicScores {
  scores: Record<Topic, number>;
  /** Scores from cues that can stand on their own (base weight above 1): what competes for the margin. */
  standalone: Record<Topic, number>;
  matches: CueMatch<Topic>[];
}

/** The lexicon classifier: weighted multilingual cues, calibrated so that ties and thin evidence score low. */
export class LexiconTopicClassifier implements TopicClassifier {
  private readonly matcher: CueMatcher<Topic>;

  constructor(entries: Iterable<[Topic, string] | [Topic, string, string]> = lexiconEntries()) {
    this.matcher = new CueMatcher(entries);
  }

  score(input: TopicInput): TopicScores {
    const scores = zeroTopicScores();
    const best = new Map<string, { match: CueMatch<Topic>; weight: number }>();
    const language = input.language && input.language !== 'und' ? input.language : undefined;
    const weightOf = (match: CueMatch<Topic>) => {
      const cueLanguage = match.cue.language;
      const foreign = language && cueLanguage && cueLanguage !== language && cueLanguage !== 'en';
      return match.cue.weight * (foreign ? OTHER_LANGUAGE_WEIGHT : 1);
    };
    const record = (all: CueMatch<Topic>[], factor: number) => {
      // The same words listed in two languages' lexicons count once, at the larger weight.
      const bySpan = new Map<string, { match: CueMatch<Topic>; weight: number }>();
      for (const match of all) {
        const key = `${match.cue.label}\u0000${match.start}\u0000${match.end}`;
        const weight = weightOf(match);
        const previous = bySpan.get(key);
        if (!previous || Math.abs(weight) > Math.abs(previous.weight)) bySpan.set(key, { match, weight });
      }
      for (const { match, weight: spanWeight } of bySpan.values()) {
        const key = `${match.cue.label}\u0000${match.cue.source}`;
        const weight = spanWeight * factor;
        const previous = best.get(key);
        if (!previous || Math.abs(weight) > Math.abs(previous.weight)) best.set(key, { match, weight });
      }
    };
    if (input.folded) {
      const { text, tokens, subjectEnd } = input.folded;
      const all = this.matcher.match(text, tokens);
      record(
        all.filter((match) => match.start >= subjectEnd),
        1,
      );
      record(
        all.filter((match) => match.start < subjectEnd),
        SUBJECT_WEIGHT,
      );
    } else {
      record(this.matcher.match(input.matchText ?? foldForMatching(input.text)), 1);
      const subject = cleanSubject(input.subject);
      if (subject) record(this.matcher.match(foldForMatching(subject)), SUBJECT_WEIGHT);
    }
    const standalone = zeroTopicScores();
    for (const { match, weight } of best.values()) {
      scores[match.cue.label] += weight;
      if (match.cue.weight > SUPPORT_ONLY) standalone[match.cue.label] += weight;
    }
    for (const topic of TOPICS) {
      scores[topic] = Math.max(0, scores[topic]);
      standalone[topic] = Math.max(0, standalone[topic]);
    }
    return { scores, standalone, matches: [...best.values()].map((entry) => entry.match) };
  }

  classify(input: TopicInput): TopicDecision {
    const { scores, standalone, matches } = this.score(input);
    const ranked = [...TIE_ORDER].sort((a, b) => scores[b] - scores[a]);
    const top = ranked[0] ?? 'appeal';
    const topScore = scores[top];
    // A runner-up holding only supporting words ("package" under a damaged-parcel message) does not
    // make the decision doubtful; its standalone cues do.
    const secondScore = standalone[ranked[1] ?? 'appeal'];
    const otherScore = scores.other;
    let topic: Topic = top;
    let winning = topScore;
    let runnerUp = secondScore;
    if (topScore < MIN_SCORE || otherScore > topScore) {
      topic = 'other';
      winning = otherScore;
      runnerUp = topScore;
    }
    const confidence = calibrate(winning, runnerUp);
    const evidence = matches
      .filter((match) => match.cue.label === topic)
      .map((match) => `${topic}: "${match.cue.source}" (${formatWeight(match.cue.weight)})`);
    return { topic, confidence, evidence, scores };
  }
}

/** Saturating evidence times margin: a tie gives at most 0.5, no evidence gives 0. */
export function calibrate(winning: number, runnerUp: number): number {
  if (winning <= 0) return 0.1;
  const saturation = 1 - Math.exp(-winning / SATURATION);
  const margin = Math.max(0, (winning - runnerUp) / winning);
  return Math.round(saturation * (0.5 + 0.5 * margin) * 1000) / 1000;
}

function formatWeight(weight: number): string {
  return weight >= 0 ? `+${weight}` : `${weight}`;
}

/** Share of the model in the combined distribution (the rest is the lexicon's). Fixed a priori, not tuned. */
const MODEL_SHARE = 0.5;
/** Confidence ceiling when the combined topic is not the lexicon's own decision: below the routing threshold. */
const DISAGREEMENT_CAP = 0.49;
/** Without any lexicon cue, the model's topic stands only at this probability or above (else `other`). */
const MODEL_ALONE = 0.5;
/** Words shown as the model's evidence, and the shortest word shown. */
const MODEL_EVIDENCE = 3;
const MIN_EVIDENCE_WORD = 4;
/** Kana, Han and Hangul: words of one or two characters that mean something. */
const CJK_WORD = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/u;

/**
 * The lexicon's decision as a distribution: the decided topic holds its calibrated confidence, the rest
 * is spread over the other topics in proportion to their cue scores (evenly when they have none).
 */
export function lexiconDistribution(decision: TopicDecision): Record<Topic, number> {
  const distribution = zeroTopicScores();
  const scores = decision.scores ?? zeroTopicScores();
  const rest = Math.max(0, 1 - decision.confidence);
  const others = TOPICS.filter((topic) => topic !== decision.topic);
  const total = others.reduce((sum, topic) => sum + Math.max(0, scores[topic]), 0);
  for (const topic of others)
    distribution[topic] = total > 0 ? (rest * Math.max(0, scores[topic])) / total : rest / others.length;
  distribution[decision.topic] = Math.min(1, decision.confidence);
  return distribution;
}

/**
 * The lexicon and the trained linear model (topicModel.ts) averaged (equal shares, fixed before any
 * held-out run). The topic is the average's argmax; only when it is also the lexicon's own decision can the
 * confidence reach the routing threshold (0.5), so where the two disagree a person triages the message.
 */
export class CombinedTopicClassifier implements TopicClassifier {
  constructor(
    private readonly lexicon: LexiconTopicClassifier,
    private readonly model: TopicModelData,
    private readonly modelShare = MODEL_SHARE,
  ) {}

  classify(input: TopicInput): TopicDecision {
    const lexical = this.lexicon.classify(input);
    const folded =
      input.folded?.text ??
      `${foldForMatching(cleanSubject(input.subject))}\n${input.matchText ?? foldForMatching(input.text)}`;
    const prediction = predictTopic(this.model, folded);
    const fromLexicon = lexiconDistribution(lexical);
    const combined = zeroTopicScores();
    let topic: Topic = 'other';
    let best = -1;
    for (const candidate of [...TIE_ORDER, 'other' as const]) {
      const value =
        this.modelShare * prediction.probabilities[candidate] +
        (1 - this.modelShare) * fromLexicon[candidate];
      combined[candidate] = value;
      if (value > best) {
        best = value;
        topic = candidate;
      }
    }
    // No cue at all (an unsupported language, noise): the model alone names a topic only when it is more
    // likely right than not.
    const noCue = TOPICS.every((each) => (lexical.scores?.[each] ?? 0) <= 0);
    if (noCue && topic !== 'other' && prediction.probabilities[topic] < MODEL_ALONE) {
      topic = 'other';
      best = combined.other;
    }
    // The lexicon decided otherwise (or found nothing): a person triages it, however sure the model is.
    const agreed = lexical.topic === topic && !noCue;
    let ceiling = agreed ? 1 : DISAGREEMENT_CAP;
    // `other` means no topic was recognized: the model being sure of that does not make a message clearer.
    if (topic === 'other') ceiling = Math.min(ceiling, Math.max(lexical.confidence, 0));
    const confidence = Math.round(Math.min(best, ceiling) * 1000) / 1000;
    const evidence = [
      `${topic}: model ${formatProbability(prediction.probabilities[topic])}, lexicon ${formatProbability(fromLexicon[topic])}`,
      ...this.modelEvidence(prediction.features, topic),
      ...(lexical.topic === topic ? lexical.evidence : []),
    ];
    return { topic, confidence, evidence, scores: combined };
  }

  /** The words of the message that pulled the model most towards the topic. */
  private modelEvidence(features: Features, topic: Topic): string[] {
    const { words, wordBuckets } = features;
    const column = this.model.topics.indexOf(topic);
    const top: { word: string; lean: number }[] = [];
    for (let index = 0; index < words.length; index++) {
      const lean = featureLean(this.model, wordBuckets[index] ?? 0, column);
      if (lean <= 0 || (top.length === MODEL_EVIDENCE && lean <= (top[MODEL_EVIDENCE - 1]?.lean ?? 0)))
        continue;
      const word = words[index] ?? '';
      // Short words ("de", "una", "my") lean by accident of the corpus and tell a person nothing; a CJK word
      // of one or two characters is a real word.
      if (word.length < MIN_EVIDENCE_WORD && !CJK_WORD.test(word)) continue;
      // A word the message repeats is one piece of evidence.
      if (top.some((entry) => entry.word === word)) continue;
      top.push({ word, lean });
      top.sort((a, b) => b.lean - a.lean);
      if (top.length > MODEL_EVIDENCE) top.pop();
    }
    return top.map(({ word, lean }) => `${topic}: model "${word}" (+${lean.toFixed(2)})`);
  }
}

/** How much more one feature pulls towards a topic (column) than towards the topics on average (0 if unknown: its weights are zero). */
function featureLean(model: TopicModelData, bucket: number, column: number): number {
  if (column < 0) return 0;
  const classes = model.topics.length;
  const base = bucket * classes;
  let total = 0;
  for (let index = 0; index < classes; index++) total += model.weights[base + index] ?? 0;
  return ((model.weights[base + column] ?? 0) - total / classes) * model.scale;
}

function formatProbability(value: number): string {
  return value.toFixed(2);
}

let defaultClassifier: LexiconTopicClassifier | undefined;
let combinedClassifier: CombinedTopicClassifier | undefined;

/** The default (lexicon) classifier, built once per cold start. */
export function lexiconTopicClassifier(): LexiconTopicClassifier {
  defaultClassifier ??= new LexiconTopicClassifier();
  return defaultClassifier;
}

/** The lexicon combined with the trained model, built once per cold start (decodes the bundled weights). */
export function combinedTopicClassifier(): CombinedTopicClassifier {
  combinedClassifier ??= new CombinedTopicClassifier(
    lexiconTopicClassifier(),
    decodeTopicModel(rawTopicModel),
  );
  return combinedClassifier;
}

/** Classify a message into the topic taxonomy with the default (combined lexicon + model) classifier. */
export function classifyTopic(
  subject: string,
  text: string,
  matchText?: string,
  folded?: FoldedMessage,
  language?: string,
): TopicDecision {
  return combinedTopicClassifier().classify({
    subject,
    text,
    ...(matchText === undefined ? {} : { matchText }),
    ...(folded === undefined ? {} : { folded }),
    ...(language === undefined ? {} : { language }),
  });
}
