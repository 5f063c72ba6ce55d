import { messageHash, signedText } from './hash';
import { SignatureScheme, signMessage } from './signature';
import type { AppMessage } from './message';

/**
 * Signs a spec into a register or update message exactly as a Flux client does: the signature is
 * over `type + version + JSON.stringify(spec) + timestamp`, the hash over that plus the signature.
 * The spec is signed as given, so pass it canonically formatted (`formatSpec`).
 */
export function buildAppMessage(
  type: 'fluxappregister' | 'fluxappupdate',
  spec: Record<string, unknown>,
  privateKey: string | Uint8Array,
  opts: { timestamp?: number; scheme?: SignatureScheme } = {},
): AppMessage & { type: typeof type; version: 1; appSpecifications: Record<string, unknown> } {
  const timestamp = opts.timestamp ?? Date.now();
  const signature = signMessage(signedText(type, 1, spec, timestamp), privateKey, opts.scheme);
  return { type, version: 1, appSpecifications: spec, timestamp, signature, hash: messageHash(type, 1, spec, timestamp, signature) };
}
