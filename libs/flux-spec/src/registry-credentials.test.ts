import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exampleSpec } from './examples';
import { componentRepoauth, registryCredentials } from './registry-credentials';
import { componentOnTier, runtimeView } from './runtime';

describe('registryCredentials', () => {
  it('splits "user:password" at the first colon (the password may hold colons)', () => {
    expect(registryCredentials('alice:s3cret')).toEqual({ username: 'alice', password: 's3cret' });
    expect(registryCredentials('alice:a:b:c')).toEqual({ username: 'alice', password: 'a:b:c' });
    expect(registryCredentials('alice:')).toEqual({ username: 'alice', password: '' });
  });

  it('is undefined without a user before a colon, or for a non-string', () => {
    for (const v of ['', 'alice', ':pw', undefined, null, 42, { username: 'a' }]) expect(registryCredentials(v)).toBeUndefined();
  });

  it('round-trips any user without a colon and any password', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }).filter((u) => !u.includes(':')), fc.string(), (username, password) => {
      expect(registryCredentials(`${username}:${password}`)).toEqual({ username, password });
    }));
  });
});

/** A v7 spec whose second component (web1) pulls a private image. */
function v7() {
  const s = exampleSpec(7, 2);
  (s.compose as Array<Record<string, unknown>>)[1]!.repoauth = 'bob:pw';
  return s;
}

describe('componentRepoauth', () => {
  it('reads the named compose component of a v7+ spec', () => {
    expect(componentRepoauth(v7(), 'web1')).toBe('bob:pw');
    expect(componentRepoauth(v7(), 'web0')).toBe('');
    expect(componentRepoauth(exampleSpec(8), 'web0')).toBe('');
  });

  it('is undefined for a component the spec does not have', () => {
    expect(componentRepoauth(v7(), 'db')).toBeUndefined();
    expect(componentRepoauth(exampleSpec(2), 'other')).toBeUndefined();
    expect(componentRepoauth(null, 'web0')).toBeUndefined();
  });

  it('v1–v3 (one component named after the app) and v4–v6 components have no credentials', () => {
    expect(componentRepoauth(exampleSpec(2), 'Example2')).toBe('');
    const v6 = exampleSpec(6);
    (v6.compose as Array<Record<string, unknown>>)[0]!.repoauth = 'x:y';
    expect(componentRepoauth(v6, 'web0')).toBe('');
  });
});

describe('privateImage on a component run', () => {
  it('is set only for a component with repoauth, and carries no credentials', () => {
    const view = runtimeView(v7());
    const [pub, priv] = view.components.map((c) => componentOnTier(c, 'CUMULUS'));
    expect(pub).not.toHaveProperty('privateImage');
    expect(priv).toMatchObject({ name: 'web1', privateImage: true });
    expect(JSON.stringify(priv)).not.toContain('pw');
  });
});

