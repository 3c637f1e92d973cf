/** Which view the location hash names. */
export type Route =
  | { view: 'queues' }
  | { view: 'mine' }
  | { view: 'supervisor' }
  | { view: 'case'; caseId: string };

/** The view of a location hash; anything unknown or malformed is the board. */
export function routeOf(hash: string): Route {
  const caseMatch = /^#\/cases\/([^/]+)$/.exec(hash);
  if (caseMatch?.[1]) {
    // A hand-edited or cut link (`#/cases/%E0`) is no case: the board, not a console that fails to start.
    try {
      return { view: 'case', caseId: decodeURIComponent(caseMatch[1]) };
    } catch {
      return { view: 'queues' };
    }
  }
  if (hash === '#/mine') return { view: 'mine' };
  if (hash === '#/supervisor') return { view: 'supervisor' };
  return { view: 'queues' };
}
