/** How a writer waits before trying again after losing a race (a changed case, a transaction conflict). */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  attempts: number;
}

/**
 * Concurrent writers of one case (a burst of replies, parallel Lambdas) spread out within a few
 * hundred milliseconds and all get through; ten attempts wait at most about five seconds in all.
 */
export const WRITE_RACE_BACKOFF: BackoffPolicy = { baseMs: 20, capMs: 1_000, attempts: 10 };

/**
 * "Full jitter" (AWS Architecture Blog, Exponential Backoff and Jitter): a random delay in
 * [0, min(cap, base × 2^attempt)), so writers that collided once do not collide again in step.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
