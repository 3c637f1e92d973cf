import { type CueMatch, CueMatcher, type FoldedMessage } from './cueMatcher.js';
import { TOPIC_LEXICONS } from './lexicon/index.js';
import { cleanSubject, foldForMatching } from './prepareText.js';
import { TOPICS, type Topic } from './taxonomy.js';
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
    const scores = emptyScores();
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
    const standalone = emptyScores();
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

function emptyScores(): Record<Topic, number> {
  return {
    appeal: 0,
    coverage: 0,
    refill: 0,
    delivery: 0,
    lost_damaged: 0,
    billing: 0,
    account: 0,
    clinical: 0,
    international: 0,
    complaint: 0,
    privacy_fraud: 0,
    other: 0,
  };
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

let defaultClassifier: LexiconTopicClassifier | undefined;

/** The default (lexicon) classifier, built once per cold start. */
export function lexiconTopicClassifier(): LexiconTopicClassifier {
  defaultClassifier ??= new LexiconTopicClassifier();
  return defaultClassifier;
}

/** Classify a message into the topic taxonomy with the default classifier. */
export function classifyTopic(
  subject: string,
  text: string,
  matchText?: string,
  folded?: FoldedMessage,
  language?: string,
): TopicDecision {
  return lexiconTopicClassifier().classify({
    subject,
    text,
    ...(matchText === undefined ? {} : { matchText }),
    ...(folded === undefined ? {} : { folded }),
    ...(language === undefined ? {} : { language }),
  });
}
