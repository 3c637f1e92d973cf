/** Whitespace-insensitive text as OCR is scored: runs of spaces and line breaks count as one space. */
export function normalizeForScoring(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Levenshtein distance in code points, two rows of memory. */
export function editDistance(left: string, right: string): number {
  const a = [...left];
  const b = [...right];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Character error rate: edits to turn the OCR text into the reference, over the reference's length. */
export function characterErrorRate(
  reference: string,
  recognized: string,
): { errors: number; length: number; rate: number } {
  const expected = normalizeForScoring(reference);
  const errors = editDistance(expected, normalizeForScoring(recognized));
  return { errors, length: [...expected].length, rate: errors / Math.max(1, [...expected].length) };
}
