import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import * as acme from 'acme-client';

/** Where an HTTP-01 answer is published while the CA validates it (HAProxy's challenge map). */
export interface ChallengeResponder {
  put(token: string, keyAuthorization: string): Promise<void>;
  remove(token: string): Promise<void>;
}

export interface IssuedCertificate {
  /** Leaf then intermediates. */
  chainPem: string;
  keyPem: string;
}

/** Obtains a certificate for one DNS name. The certificate manager knows only this. */
export interface CertificateIssuer {
  issue(name: string, challenges: ChallengeResponder): Promise<IssuedCertificate>;
}

export interface AcmeIssuerOptions {
  directoryUrl: string;
  /** Extra CA (PEM) to trust for the ACME API's own TLS, e.g. pebble's; added to Node's roots. */
  caPem?: string;
  email?: string;
  /** The account key (PEM), kept by the caller so a restart keeps the account. */
  accountKey: () => Promise<string>;
  /** Polling of orders and authorizations: acme-client's backoff (its default waits ~5 s first). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Bound on one whole issuance. */
  timeoutMs?: number;
}

/**
 * ACME (RFC 8555) with `acme-client`, HTTP-01 only: the CA fetches
 * `http://<name>/.well-known/acme-challenge/<token>`, which HAProxy answers from its challenge map.
 * acme-client's own pre-check of the challenge is skipped: it would fetch the name on port 80
 * through the system resolver, which says nothing about what the CA sees (infra-notes §3).
 */
export class AcmeIssuer implements CertificateIssuer {
  private client?: acme.Client;

  constructor(private readonly o: AcmeIssuerOptions) {
    // acme-client (v5) talks through its axios instance; the agent is the only way to pass a CA.
    if (o.caPem) acme.axios.defaults.httpsAgent = new Agent({ ca: [...rootCertificates, o.caPem] });
    acme.axios.defaults.timeout = 30_000;
  }

  async issue(name: string, challenges: ChallengeResponder): Promise<IssuedCertificate> {
    const client = await this.getClient();
    const [key, csr] = await acme.crypto.createCsr({ commonName: name, altNames: [name] }, await acme.crypto.createPrivateEcdsaKey('P-256'));
    const timeoutMs = this.o.timeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`ACME order for ${name} did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const chainPem = await Promise.race([client.auto({
        csr,
        email: this.o.email,
        termsOfServiceAgreed: true,
        challengePriority: ['http-01'],
        skipChallengeVerification: true,
        challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
          if (challenge.type !== 'http-01') throw new Error(`only http-01 is answered, not ${challenge.type}`);
          await challenges.put(challenge.token, keyAuthorization);
        },
        challengeRemoveFn: async (_authz, challenge) => challenges.remove(challenge.token),
      }), timeout]);
      return { chainPem, keyPem: key.toString() };
    } catch (err) {
      // A CA that restarted (pebble keeps nothing) no longer knows the account: make it again next time.
      this.client = undefined;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async getClient(): Promise<acme.Client> {
    this.client ??= new acme.Client({
      directoryUrl: this.o.directoryUrl,
      accountKey: await this.o.accountKey(),
      backoffMin: this.o.backoffMinMs ?? 200,
      backoffMax: this.o.backoffMaxMs ?? 5000,
      backoffAttempts: 12,
    });
    return this.client;
  }
}

/** A new ACME account key (PEM). */
export async function newAccountKey(): Promise<string> {
  return (await acme.crypto.createPrivateKey()).toString();
}
