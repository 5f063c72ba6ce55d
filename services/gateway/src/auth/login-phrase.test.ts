import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { newLoginPhrase, phraseProblem, PHRASE_VALID_MS, SIGNED_PHRASE_VALID_MS, zelidProblem } from './login-phrase';
import { parseZelidAuth } from './zelidauth';

describe('login phrases', () => {
  it('are a 13-digit timestamp and 40 random base36 characters, never repeated', () => {
    const now = 1_700_000_000_000;
    const phrases = Array.from({ length: 200 }, () => newLoginPhrase(now));
    for (const p of phrases) expect(p).toMatch(/^1700000000000[0-9a-z]{40}$/);
    expect(new Set(phrases).size).toBe(phrases.length);
    expect(phraseProblem(phrases[0]!, PHRASE_VALID_MS, now)).toBeUndefined();
  });

  it('are usable only within their lifetime, with FluxOS\'s length bounds', () => {
    fc.assert(fc.property(fc.integer({ min: -2 * SIGNED_PHRASE_VALID_MS, max: 2 * SIGNED_PHRASE_VALID_MS }), (age) => {
      const now = 1_700_000_000_000;
      const problem = phraseProblem(newLoginPhrase(now - age), SIGNED_PHRASE_VALID_MS, now);
      expect(problem === undefined).toBe(age >= 0 && age <= SIGNED_PHRASE_VALID_MS);
    }));
    expect(phraseProblem('1700000000000abc', PHRASE_VALID_MS, 1_700_000_000_000)).toMatch(/40-70 characters/);
    expect(phraseProblem(`abcdefghijklm${'x'.repeat(40)}`, PHRASE_VALID_MS)).toMatch(/13-digit/);
  });
});

describe('ZelIDs', () => {
  it('accept Bitcoin and Ethereum addresses and name what is wrong otherwise', () => {
    expect(zelidProblem('1CbErtneaX2QVyUfwU7JGB7VzvPgrgc3uC')).toBeUndefined();
    expect(zelidProblem(`0x${'ab'.repeat(20)}`)).toBeUndefined();
    expect(zelidProblem('1CbErtneaX2QVyUfwU7JGB7VzvPgrgc3u0')).toMatch(/ZelID/); // 0 is not base58
    expect(zelidProblem('0x1234')).toMatch(/Ethereum/);
    expect(zelidProblem('t1abc')).toMatch(/ZelID/);
  });
});

describe('the zelidauth header', () => {
  const auth = { zelid: '1CbErtneaX2QVyUfwU7JGB7VzvPgrgc3uC', signature: 'H+ab/cd==', loginPhrase: `1700000000000${'a'.repeat(40)}` };

  it('is read as JSON or as a URL-encoded query string', () => {
    expect(parseZelidAuth(JSON.stringify(auth))).toEqual(auth);
    expect(parseZelidAuth(new URLSearchParams(auth).toString())).toEqual(auth);
  });

  it('is refused with a 401 naming the missing part', () => {
    expect(() => parseZelidAuth(undefined)).toThrow(/zelidauth header is required/);
    expect(() => parseZelidAuth(JSON.stringify({ ...auth, signature: '' }))).toThrow(/zelidauth\.signature: is required/);
    expect(() => parseZelidAuth('zelid=1abc')).toThrow(/zelidauth\.loginPhrase/);
    let thrown: unknown;
    try {
      parseZelidAuth('');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 401, name: 'Unauthorized' });
  });
});
