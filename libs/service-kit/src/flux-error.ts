import type { ErrorBody, Refusal, RefusalCodes } from '@fluxplane/contracts';

/**
 * An answer in Flux's error body `{code, name, message}`, as an exception: what an edge throws to
 * answer an error (a malformed request, a failed login) and what a client throws when a service
 * answered one. Domain decisions throw `Refusal` instead; `refusalBody` turns one into this body.
 */
export class FluxError extends Error {
  constructor(readonly code: number, override readonly name: string, message: string) {
    super(message);
  }

  get body(): ErrorBody {
    return { code: this.code, name: this.name, message: this.message };
  }
}

/** The Flux error body of a refusal, with the codes its command declares. */
export function refusalBody(refusal: Refusal, codes: RefusalCodes): ErrorBody {
  const named = Object.prototype.hasOwnProperty.call(codes.named, refusal.rule) ? codes.named[refusal.rule] : undefined;
  if (named !== undefined) return { code: named, name: refusal.rule, message: refusal.message };
  return { code: codes.otherwise.code, name: codes.otherwise.name, message: `${refusal.message} [${refusal.rule}]` };
}
