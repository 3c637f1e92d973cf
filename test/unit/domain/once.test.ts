import { describe, expect, it } from 'vitest';
import { once } from '../../../lambdas/domain/once.js';

describe('once', () => {
  it('builds nothing until the first read', () => {
    let builds = 0;

    once(() => ++builds);

    expect(builds).toBe(0);
  });

  it('builds on the first read and returns the same value afterwards', () => {
    let builds = 0;
    const value = once(() => ({ build: ++builds }));

    const first = value();
    const second = value();

    expect(first).toEqual({ build: 1 });
    expect(second).toBe(first);
    expect(builds).toBe(1);
  });

  it('keeps a built undefined instead of building again', () => {
    let builds = 0;
    const value = once(() => {
      builds++;
      return undefined;
    });

    value();
    value();

    expect(builds).toBe(1);
  });

  it('throws the build error on every read until a build succeeds', () => {
    let attempts = 0;
    const value = once(() => {
      attempts++;
      if (attempts < 3) throw new Error(`attempt ${attempts} failed`);
      return 'built';
    });

    expect(() => value()).toThrow('attempt 1 failed');
    expect(() => value()).toThrow('attempt 2 failed');
    expect(value()).toBe('built');
    expect(value()).toBe('built');
  });
});
