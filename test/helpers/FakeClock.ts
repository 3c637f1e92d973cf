import type { Clock } from '../../lambdas/domain/ports.js';

/** A clock tests move by hand (SLA time, leases, windows): never a sleep. */
export class FakeClock implements Clock {
  constructor(public current: Date) {}

  now(): Date {
    return this.current;
  }
}
