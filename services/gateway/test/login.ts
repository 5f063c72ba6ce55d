import { addressFromPrivateKey, signMessage } from '@fluxplane/flux-spec';

/** Logs `key` in through the gateway's /id routes and returns the `zelidauth` header value. */
export async function login(base: string, key: Uint8Array | string): Promise<string> {
  const phrase = ((await (await fetch(`${base}/id/loginphrase`)).json()) as { data: string }).data;
  const body = { zelid: addressFromPrivateKey(key), signature: signMessage(phrase, key), loginPhrase: phrase };
  const reply = (await (await fetch(`${base}/id/verifylogin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as { status: string; data: unknown };
  if (reply.status !== 'success') throw new Error(`login failed: ${JSON.stringify(reply.data)}`);
  return JSON.stringify(body);
}

/** A `zelidauth` for a phrase the key made up itself (FluxOS accepts those for 16 h without a login). */
export function selfSignedAuth(key: Uint8Array | string, issuedAt = Date.now()): string {
  const phrase = `${issuedAt}${'fluxplanetestphrase'.repeat(2)}`;
  return JSON.stringify({ zelid: addressFromPrivateKey(key), signature: signMessage(phrase, key), loginPhrase: phrase });
}
