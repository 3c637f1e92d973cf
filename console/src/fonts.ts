/** Han, kana and Hangul (with their punctuation and full-width forms). */
const CJK = /[\u3000-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/;

let requested = false;

/**
 * Loads the CJK font faces the first time the page shows Chinese, Japanese or Korean text. Their
 * stylesheet is large (one face rule per unicode-range slice), so pages without CJK never fetch it.
 */
export function ensureFontsFor(...texts: (string | undefined)[]) {
  if (requested || !texts.some((text) => text !== undefined && CJK.test(text))) return;
  const href = document.querySelector<HTMLMetaElement>('meta[name="cjk-stylesheet"]')?.content;
  if (!href) return;
  requested = true;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.append(link);
}
