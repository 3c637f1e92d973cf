/** A failure worth retrying later (throttling, a network error, contention that did not settle). */
export class CaseStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CaseStoreError';
  }
}
