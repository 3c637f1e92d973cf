import { describe, expect, it } from 'vitest';
import { clearDrafts, type DraftStorage, loadDraft, saveDraft } from '../../../console/src/drafts.js';

/** A Web Storage over a Map, in the order keys were first set (as browsers keep them). */
function memoryStorage(): DraftStorage & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get length() {
      return entries.size;
    },
    key: (index) => [...entries.keys()][index] ?? null,
    getItem: (key) => entries.get(key) ?? null,
    setItem: (key, value) => void entries.set(key, value),
    removeItem: (key) => void entries.delete(key),
  };
}

describe('console drafts', () => {
  it('keeps a reply and a note per staff member and case, apart from one another', () => {
    const storage = memoryStorage();
    saveDraft('alice', 'case-1', 'reply', 'Dear Maria,', storage);
    saveDraft('alice', 'case-1', 'note', 'Called the prescriber.', storage);
    saveDraft('bob', 'case-1', 'reply', 'Hello', storage);
    expect(loadDraft('alice', 'case-1', 'reply', storage)).toBe('Dear Maria,');
    expect(loadDraft('alice', 'case-1', 'note', storage)).toBe('Called the prescriber.');
    expect(loadDraft('bob', 'case-1', 'reply', storage)).toBe('Hello');
    expect(loadDraft('alice', 'case-2', 'reply', storage)).toBe('');
  });

  it('removes a draft once it is blank (sent or cleared) instead of keeping whitespace', () => {
    const storage = memoryStorage();
    saveDraft('alice', 'case-1', 'reply', 'Dear Maria,', storage);
    saveDraft('alice', 'case-1', 'reply', '  \n', storage);
    expect(storage.entries.size).toBe(0);
    expect(loadDraft('alice', 'case-1', 'reply', storage)).toBe('');
  });

  it('clears every draft at sign-out and leaves the rest of the storage alone', () => {
    const storage = memoryStorage();
    storage.setItem('contact-router.console.session', '{}');
    saveDraft('alice', 'case-1', 'reply', 'one', storage);
    saveDraft('alice', 'case-2', 'note', 'two', storage);
    saveDraft('bob', 'case-3', 'reply', 'three', storage);
    clearDrafts(storage);
    expect([...storage.entries.keys()]).toEqual(['contact-router.console.session']);
  });

  it('keeps ids with dots and slashes from colliding with one another', () => {
    const storage = memoryStorage();
    saveDraft('a.b', 'c', 'reply', 'first', storage);
    saveDraft('a', 'b.c', 'reply', 'second', storage);
    expect(loadDraft('a.b', 'c', 'reply', storage)).toBe('first');
    expect(loadDraft('a', 'b.c', 'reply', storage)).toBe('second');
  });

  it('lives in the page only when storage refuses writes, and reads nothing when there is none', () => {
    const full: DraftStorage = {
      ...memoryStorage(),
      setItem: () => {
        throw new DOMException('quota', 'QuotaExceededError');
      },
    };
    expect(() => saveDraft('alice', 'case-1', 'reply', 'text', full)).not.toThrow();
    expect(loadDraft('alice', 'case-1', 'reply', undefined)).toBe('');
    expect(() => clearDrafts(undefined)).not.toThrow();
  });
});
