import type { Topic } from './taxonomy.js';
import type { TopicDecision } from './types.js';

// Walking-skeleton lexicon (English and Spanish cues). Issue #3 replaces it.
const CUES: [Topic, RegExp][] = [
  ['appeal', /\b(appeal|redetermination|reconsideration|apelaci[oó]n)\b/i],
  ['coverage', /\b(prior auth(orization)?|formulary|tier|covered|cobertura)\b/i],
  ['lost_damaged', /\b(damaged|missing package|never arrived|stolen|broken|da[ñn]ad[oa])\b/i],
  ['delivery', /\b(tracking|shipment|shipped|delivery|deliver|env[ií]o|entrega)\b/i],
  ['refill', /\b(refill|renewal|new prescription|resurtido)\b/i],
  ['billing', /\b(bill|charge|charged|copay|refund|invoice|statement|factura|cobro)\b/i],
  ['account', /\b(address|password|login|log in|insurance card|direcci[oó]n)\b/i],
  ['clinical', /\b(side effects?|interaction|dose|dosage|pharmacist)\b/i],
  ['privacy_fraud', /\b(scam|phishing|identity theft|fraud)\b/i],
  ['complaint', /\b(complaint|rude|unacceptable|queja)\b/i],
];

export function classifyTopic(subject: string, text: string): TopicDecision {
  const haystack = `${subject}\n${text}`;
  const hits: { topic: Topic; cue: string }[] = [];
  for (const [topic, pattern] of CUES) {
    const match = haystack.match(pattern);
    if (match) hits.push({ topic, cue: match[0] });
  }
  const first = hits[0];
  if (!first) return { topic: 'other', confidence: 0.3, evidence: [] };
  return {
    topic: first.topic,
    confidence: hits.length === 1 ? 0.8 : 0.6,
    evidence: hits.map((hit) => `${hit.topic}: "${hit.cue}"`),
  };
}
