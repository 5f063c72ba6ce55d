import { describe, expect, it } from 'vitest';
import { FailureBackoff } from './backoff';

describe('FailureBackoff', () => {
  it('doubles the wait per failure of the same spec, up to the maximum, and restarts for a new spec', () => {
    const b = new FailureBackoff({ initialMs: 100, maxMs: 300 });
    expect(b.record('demo', 'h1', 'e', 0).retryAt).toBe(100);
    expect(b.blocked('demo', 'h1', 99)).toBe(true);
    expect(b.blocked('demo', 'h1', 100)).toBe(false);
    expect(b.blocked('demo', 'h2', 50)).toBe(false);
    expect(b.record('demo', 'h1', 'e', 100).retryAt).toBe(300);
    expect(b.record('demo', 'h1', 'e', 300).retryAt).toBe(600);
    expect(b.record('demo', 'h2', 'e2', 600)).toMatchObject({ attempts: 1, retryAt: 700 });
    expect(b.failure('demo')).toEqual({ specHash: 'h2', error: 'e2' });
    b.retain(new Set(['other']));
    expect(b.failure('demo')).toBeUndefined();
  });
});
