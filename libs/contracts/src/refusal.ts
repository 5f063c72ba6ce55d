/**
 * A domain decision not to do what was asked: which rule refused, and why. Deciders throw it; they
 * know nothing of transports. The edges (service-kit's Responder, the gateway's error filter) turn it
 * into Flux's error body `{code, name, message}` with the codes a contract declares for it
 * (`RefusalCodes`).
 *
 * A rule is either a decision's own name (`NameTaken`, `DuplicateMessage`, `AppNotFound`) or a
 * flux-spec rule id (`instances.tooMany`, `message.signature`).
 */
export class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(readonly rule: string, message: string) {
    super(message);
  }
}

/**
 * How the refusals of one command travel in Flux's error body. FluxOS puts HTTP-like codes in
 * `data.code`; that is wire format, declared here once per command rather than in the deciders.
 */
export interface RefusalCodes {
  /** Rules answered under their own name, with this code (e.g. `NameTaken: 409`). */
  readonly named: Readonly<Record<string, number>>;
  /** Every other rule: this code and name, and the rule in brackets after the message. */
  readonly otherwise: { readonly code: number; readonly name: string };
}
