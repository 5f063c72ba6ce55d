/**
 * Signed text and message hash (fluxos.md §2).
 *
 * Both are computed over `JSON.stringify` of the spec object *as received*: key order
 * and every value's exact JSON form matter, so never re-format a spec before hashing a
 * message that was already signed.
 */
import { createHash } from 'node:crypto';

export interface MessageParts {
  type: string;
  version: number;
  appSpecifications: unknown;
  timestamp: number;
}

/** `type + version + JSON(spec) + timestamp`: the text the owner signs. */
export function signedText(type: string, version: number, spec: unknown, timestamp: number): string {
  return `${type}${version}${JSON.stringify(spec)}${timestamp}`;
}

/** sha256 hex of the signed text followed by the signature; the value put on chain. */
export function messageHash(type: string, version: number, spec: unknown, timestamp: number, signature: string): string {
  return createHash('sha256').update(signedText(type, version, spec, timestamp) + signature).digest('hex');
}
