import { addressFromPrivateKey, signMessage } from '@fluxplane/flux-spec';
import { errorText } from '@fluxplane/observability';

/** A small client of the FluxOS-compatible REST API (ours or a real FluxOS node). */
export class GatewayError extends Error {
  constructor(readonly code: number | undefined, readonly errorName: string | undefined, message: string) {
    super(message);
  }
}

export class GatewayClient {
  /** The `zelidauth` header value once logged in; sent with every request after that. */
  private zelidauth?: string;

  constructor(readonly baseUrl: string, private readonly timeoutMs = 15_000) {}

  /**
   * Logs in as FluxOS clients do: sign a phrase from `/id/loginphrase` with the key (Bitcoin message
   * signature) and confirm it with `/id/verifylogin`, which opens a session. Returns the ZelID.
   */
  async login(key: string): Promise<string> {
    const zelid = addressFromPrivateKey(key);
    const loginPhrase = await this.get<string>('/id/loginphrase');
    const auth = { zelid, signature: signMessage(loginPhrase, key), loginPhrase };
    await this.post('/id/verifylogin', auth);
    this.zelidauth = JSON.stringify(auth);
    return zelid;
  }

  get authHeader(): string | undefined {
    return this.zelidauth;
  }

  private async call<T>(path: string, init?: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new GatewayError(undefined, 'Unreachable', `cannot reach ${this.baseUrl}: ${errorText(err)}`);
    }
    let body: { status?: string; data?: unknown };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new GatewayError(res.status, 'BadResponse', `${path} answered HTTP ${res.status} without JSON`);
    }
    if (body.status !== 'success') {
      const d = (body.data ?? {}) as { code?: number; name?: string; message?: string };
      throw new GatewayError(d.code, d.name, d.message ?? `${path} failed`);
    }
    return body.data as T;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>(path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(this.zelidauth ? { zelidauth: this.zelidauth } : {}) };
    return this.call<T>(path, { method: 'POST', headers, body: JSON.stringify(body) });
  }
}
