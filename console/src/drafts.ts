/**
 * Reply and note drafts, per staff member and case, in `sessionStorage`: a reload, or a session that
 * ended and was signed into again in the same tab, finds the text where it was. (The access token
 * lives 15 minutes; after a reload it cannot be renewed, since the refresh token is kept in memory
 * only, so the console asks for a new sign-in, and the draft must outlive that.) Signing out removes
 * every draft; closing the tab does too. Where storage is unavailable or full, a draft lives in the
 * page only, as before.
 */
export type DraftKind = 'reply' | 'note';

/** The part of the Web Storage API drafts use (tests pass their own). */
export interface DraftStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const PREFIX = 'contact-router.console.draft.';

function keyOf(staffId: string, caseId: string, kind: DraftKind): string {
  // encodeURIComponent leaves dots alone but encodes '/': ids cannot run into one another.
  return `${PREFIX}${encodeURIComponent(staffId)}/${encodeURIComponent(caseId)}/${kind}`;
}

function browserStorage(): DraftStorage | undefined {
  try {
    // Reading the property throws where storage is disabled (some privacy settings).
    return (globalThis as { sessionStorage?: DraftStorage }).sessionStorage;
  } catch {
    return undefined;
  }
}

export function loadDraft(
  staffId: string,
  caseId: string,
  kind: DraftKind,
  storage: DraftStorage | undefined = browserStorage(),
): string {
  try {
    return storage?.getItem(keyOf(staffId, caseId, kind)) ?? '';
  } catch {
    return '';
  }
}

/** Keeps `text` as the draft; blank text (sent, or cleared) removes it. */
export function saveDraft(
  staffId: string,
  caseId: string,
  kind: DraftKind,
  text: string,
  storage: DraftStorage | undefined = browserStorage(),
): void {
  try {
    if (text.trim()) storage?.setItem(keyOf(staffId, caseId, kind), text);
    else storage?.removeItem(keyOf(staffId, caseId, kind));
  } catch {
    // Storage full or refused: the draft stays in the page.
  }
}

/** Removes every draft of every staff member (sign-out: the next person at this tab sees none). */
export function clearDrafts(storage: DraftStorage | undefined = browserStorage()): void {
  if (!storage) return;
  try {
    const keys: string[] = [];
    for (let index = 0; index < storage.length; index++) {
      const key = storage.key(index);
      if (key?.startsWith(PREFIX)) keys.push(key);
    }
    for (const key of keys) storage.removeItem(key);
  } catch {
    // Nothing stored, or storage refused: nothing to remove.
  }
}
