import type { StrippedPart } from './prepareText.js';
import type { LanguageCode, PiiType, Program, Topic } from './taxonomy.js';

export interface LanguageHints {
  contentLanguage?: string;
  preferredLanguage?: string;
  country?: string;
}

export interface LanguageDetection {
  language: LanguageCode;
  /** 0..1 */
  confidence: number;
  /** Chinese script, recorded because Hans and Hant readers are different staff. */
  script?: 'Hans' | 'Hant';
}

export interface TopicDecision {
  topic: Topic;
  /** 0..1 */
  confidence: number;
  /** Human-readable reasons: the matched cues that decided it. */
  evidence: string[];
  /** Score per topic before calibration, for `explain`. */
  scores?: Record<Topic, number>;
}

export interface PiiFinding {
  type: PiiType;
  start: number;
  end: number;
}

export interface Redaction {
  findings: PiiFinding[];
  /** The text with each finding replaced by a typed placeholder such as `[SSN]`. */
  redactedText: string;
}

/**
 * What the channel knows besides the text: a form's or a faxed form's own answers (see
 * `InboundHintsSchema`). Triage weighs them with the text; it never trusts a member's choice blindly.
 */
export interface TriageHints extends LanguageHints {
  /** `true`: an expedited box was checked. `false`: a recognised form's expedited section was left unchecked. */
  expedited?: boolean;
  topic?: Topic;
  /** `document`: a recognised form's title (strong); `member`: a topic the sender picked (a hint). */
  topicSource?: 'document' | 'member';
  /** An e-mail claiming the desk's own domain (or a look-alike) failed DMARC. */
  possibleSpoofing?: boolean;
}

export interface TriageInput {
  channel: 'email' | 'fax' | 'chat' | 'form';
  subject: string;
  text: string;
  hints?: TriageHints;
}

export interface TriageResult {
  language: LanguageCode;
  languageConfidence: number;
  script?: 'Hans' | 'Hant';
  topic: Topic;
  topicConfidence: number;
  expedited: boolean;
  programs: Program[];
  pii: { type: PiiType }[];
  /** Redacted member text: what previews, logs and queues show. */
  redactedText: string;
  /** Redacted subject. */
  redactedSubject: string;
  evidence: string[];
  /** The language the member asked to be answered in (a form's field), when it differs from nothing. */
  preferredLanguage?: string;
  /** Carried from the channel: routing sends these to the privacy team. */
  possibleSpoofing?: boolean;
}

/** Every intermediate decision of one triage, for a person reading `explain`. */
export interface TriageExplanation {
  result: TriageResult;
  /** What text preparation cut (quotes, signatures, disclaimers), itself redacted. */
  stripped: StrippedPart[];
  language: LanguageDetection;
  topic: TopicDecision;
  expedited: { expedited: boolean; evidence: string[] };
  programs: { programs: Program[]; evidence: string[] };
}
