import type { LanguageCode } from './taxonomy.js';
import type { LanguageDetection, LanguageHints } from './types.js';

// Walking-skeleton detector: script ranges plus common function words. Issue #3 replaces it.
const STOPWORDS: Record<string, string[]> = {
  en: ['the', 'and', 'my', 'is', 'to', 'of', 'you', 'for', 'please', 'have', 'was', 'not'],
  es: ['el', 'la', 'de', 'que', 'y', 'mi', 'por', 'para', 'no', 'es', 'con', 'los', 'una'],
  fr: ['le', 'la', 'de', 'et', 'je', 'mon', 'est', 'pas', 'pour', 'vous', 'une', 'les'],
  de: ['der', 'die', 'und', 'ich', 'ist', 'nicht', 'mein', 'ein', 'das', 'mit', 'bitte'],
  pt: ['o', 'a', 'de', 'que', 'e', 'meu', 'não', 'para', 'com', 'uma', 'os', 'por'],
};

export function detectLanguage(text: string, _hints: LanguageHints = {}): LanguageDetection {
  if (/[\u3040-\u30ff]/.test(text)) return { language: 'ja', confidence: 0.9 };
  if (/[\uac00-\ud7af]/.test(text)) return { language: 'ko', confidence: 0.9 };
  if (/[\u4e00-\u9fff]/.test(text)) return { language: 'zh', confidence: 0.8, script: 'Hans' };
  if (/[\u0400-\u04ff]/.test(text)) return { language: 'ru', confidence: 0.8 };
  if (/[\u0600-\u06ff]/.test(text)) return { language: 'ar', confidence: 0.9 };
  if (/[\u0900-\u097f]/.test(text)) return { language: 'hi', confidence: 0.9 };
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  let best: LanguageCode = 'und';
  let bestCount = 0;
  let total = 0;
  for (const [language, list] of Object.entries(STOPWORDS)) {
    const count = words.filter((word) => list.includes(word)).length;
    total += count;
    if (count > bestCount) {
      best = language as LanguageCode;
      bestCount = count;
    }
  }
  if (bestCount === 0) return { language: 'und', confidence: 0 };
  return { language: best, confidence: bestCount / total };
}
