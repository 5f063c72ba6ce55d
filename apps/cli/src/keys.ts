import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { addressFromPrivateKey, randomPrivateKey } from '@fluxplane/flux-spec';
import { errorText } from '@fluxplane/observability';

/** A key is given as a WIF/hex string or a path to a file holding one. */
export function readKey(keyOrPath: string): string {
  const isFile = existsSync(keyOrPath);
  const value = isFile ? readFileSync(keyOrPath, 'utf8').trim() : keyOrPath.trim();
  try {
    addressFromPrivateKey(value); // validates
  } catch (err) {
    // A mistyped key file path used to answer only "Non-base58 character". The value is named only
    // when it looks like a path, never when it may be key material.
    const what = isFile ? `${keyOrPath} does not hold a private key (WIF or hex)`
      : /[/\\.]/.test(keyOrPath) ? `no key file at ${keyOrPath}` : 'the key is neither a key file nor a private key (WIF or hex)';
    throw new Error(`--key: ${what}: ${errorText(err)}`, { cause: err });
  }
  return value;
}

export function newKeyFile(path: string): { address: string } {
  const hex = Buffer.from(randomPrivateKey()).toString('hex');
  writeFileSync(path, `${hex}\n`, { mode: 0o600 });
  return { address: addressFromPrivateKey(hex) };
}
