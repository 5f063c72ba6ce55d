/**
 * The `zelidauth` header. FluxOS reads it with `serviceHelper.ensureObject`: JSON first, and when
 * that fails a query string (`zelid=…&signature=…&loginPhrase=…`, URL-encoded, as FluxOS's own UI
 * sends it). Both forms are accepted here.
 */
import { FluxError } from '@fluxplane/service-kit';
import { ZelidAuth } from '../api/schemas';

export const ZELIDAUTH_HEADER = 'zelidauth';

const unauthorized = (message: string) => new FluxError(401, 'Unauthorized', message);

function decode(header: string): unknown {
  try {
    return JSON.parse(header);
  } catch {
    return Object.fromEntries(new URLSearchParams(header));
  }
}

/** The decoded header, or a 401 naming what is missing or malformed. */
export function parseZelidAuth(header: string | string[] | undefined): ZelidAuth {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw || !raw.trim()) {
    throw unauthorized(`${ZELIDAUTH_HEADER} header is required: log in with GET /id/loginphrase and POST /id/verifylogin, then send {zelid, signature, loginPhrase}`);
  }
  const parsed = ZelidAuth.safeParse(decode(raw.trim()));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${[ZELIDAUTH_HEADER, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
    throw unauthorized(problems);
  }
  return parsed.data;
}

/** The header value a client sends (JSON form). */
export function formatZelidAuth(auth: ZelidAuth): string {
  return JSON.stringify({ zelid: auth.zelid, signature: auth.signature, loginPhrase: auth.loginPhrase });
}
