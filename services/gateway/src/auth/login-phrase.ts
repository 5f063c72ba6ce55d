/**
 * FluxOS login phrases and ZelIDs (ZelBack `idService`, `verificationHelperUtils`): a phrase is a
 * 13-digit millisecond timestamp followed by random characters, 40–70 characters in all; the
 * timestamp is what bounds how long it may be used.
 */
import { randomBytes } from 'node:crypto';

/** An issued phrase must be signed and sent to /id/verifylogin within this time. */
export const PHRASE_VALID_MS = 15 * 60 * 1000;
/** A login (session) lasts this long from the phrase's timestamp. */
export const SESSION_VALID_MS = 14 * 24 * 60 * 60 * 1000;
/** Without a session, a signed phrase alone authorises a `user` route for this long. */
export const SIGNED_PHRASE_VALID_MS = 16 * 60 * 60 * 1000;
export const PHRASE_MIN_LENGTH = 40;
export const PHRASE_MAX_LENGTH = 70;

const RANDOM_CHARS = 40;
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Timestamp + 40 base36 characters from the CSPRNG (FluxOS uses Math.random; a phrase must not be guessable). */
export function newLoginPhrase(now = Date.now()): string {
  let random = '';
  while (random.length < RANDOM_CHARS) {
    // 252 = 7·36: bytes from 252 up are skipped, so every character is equally likely.
    for (const b of randomBytes(RANDOM_CHARS)) if (b < 252 && random.length < RANDOM_CHARS) random += BASE36[b % 36];
  }
  return `${String(now).padStart(13, '0')}${random}`;
}

/** The phrase's timestamp (ms), or undefined when it does not start with 13 digits. */
export function phraseTimestamp(phrase: string): number | undefined {
  return /^\d{13}/.test(phrase) ? Number(phrase.slice(0, 13)) : undefined;
}

/**
 * Why `phrase` cannot be used at `now` with a lifetime of `validMs`, or undefined when it can:
 * right length, a timestamp not in the future and not older than the lifetime.
 */
export function phraseProblem(phrase: string, validMs: number, now = Date.now()): string | undefined {
  if (phrase.length < PHRASE_MIN_LENGTH || phrase.length > PHRASE_MAX_LENGTH) {
    return `must be ${PHRASE_MIN_LENGTH}-${PHRASE_MAX_LENGTH} characters long (got ${phrase.length})`;
  }
  const issuedAt = phraseTimestamp(phrase);
  if (issuedAt === undefined) return 'must start with a 13-digit millisecond timestamp';
  if (issuedAt > now) return 'is timestamped in the future';
  if (issuedAt < now - validMs) return `is older than ${Math.round(validMs / 60_000)} minutes`;
  return undefined;
}

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;
const ETH_ADDRESS = /^0x[a-fA-F0-9]{40}$/;

/** FluxOS's ZelID check: a `1…` Bitcoin address (25–34 base58 characters) or an `0x` Ethereum address. */
export function zelidProblem(zelid: string): string | undefined {
  if (zelid.startsWith('1')) {
    return BASE58.test(zelid) && zelid.length >= 25 && zelid.length <= 34 ? undefined : 'is not a valid ZelID (a 1… Bitcoin address)';
  }
  if (zelid.startsWith('0x')) return ETH_ADDRESS.test(zelid) ? undefined : 'is not a valid Ethereum address';
  return 'is not a valid ZelID (a 1… Bitcoin address or an 0x… Ethereum address)';
}
