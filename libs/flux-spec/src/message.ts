/**
 * Registration and update messages (fluxos.md §2): `{type, version, appSpecifications,
 * hash, timestamp, signature}`.
 *
 * `verifyMessage` checks the envelope, the hash over the spec as received, the spec
 * rules (at the given height), and the signature: over the formatted spec, with the
 * legacy key orders FluxOS still accepts, by the spec's owner for a registration and
 * by the previous owner for an update.
 */
import { isPlainObject } from './coerce';
import { reject, RuleViolation, SpecWarning, toViolation } from './errors';
import { formatSpecDetailed } from './format';
import { messageHash, signedText } from './hash';
import { MESSAGE_TYPES_REGISTER, MESSAGE_TYPES_UPDATE } from './limits';
import { verifySignature } from './signature';
import type { FluxAppSpec, Loose } from './types';
import { verifyAppSpec, VerifyAppSpecOptions } from './validate';

export interface AppMessage {
  type: string;
  version: number;
  appSpecifications: unknown;
  hash: string;
  timestamp: number;
  signature: string;
}

export interface VerifyMessageOptions extends Omit<VerifyAppSpecOptions, 'mode' | 'previous'> {
  /** Update messages: owner of the app before this update; the signature must be theirs. */
  previousOwner?: string;
  /** Update messages: the current spec, for the update-compatibility rules. */
  previousSpec?: unknown;
  /** If set (ms), enforce the API's window: at most 1 h old and at most 5 min ahead. */
  now?: number;
  /** Skip the spec rules (hash and signature only), e.g. for archived permanent messages. */
  skipSpecRules?: boolean;
}

export type VerifyMessageResult =
  | { ok: true; spec: FluxAppSpec; hash: string; mode: 'register' | 'update'; warnings: SpecWarning[] }
  | { ok: false; error: RuleViolation; warnings: SpecWarning[] };

const HOUR_MS = 3_600_000;
const FUTURE_MS = 300_000;

/** The JSON texts FluxOS will accept a signature or hash over, canonical first. */
export function acceptedSpecOrders(spec: Loose): Loose[] {
  const out: Loose[] = [spec];
  const version = Number(spec.version);
  if (version <= 3 && 'repotag' in spec) {
    // Before the formatter existed, repotag came before owner.
    const { version: v, name, description, repotag, owner, ...rest } = spec;
    out.push({ version: v, name, description, repotag, owner, ...rest });
  }
  if (version === 7 && Array.isArray(spec.compose)) {
    // Early v7 clients put secrets before repoauth in components.
    out.push({
      ...spec,
      compose: spec.compose.map((c: unknown) => {
        if (!isPlainObject(c)) return c;
        const { secrets, repoauth, ...rest } = c;
        return { ...rest, secrets, repoauth };
      }),
    });
  }
  return out;
}

function checkEnvelope(m: unknown, opts: VerifyMessageOptions): asserts m is AppMessage {
  if (!isPlainObject(m)) reject('message.invalid', 'message', 'must be an object');
  if (typeof m.type !== 'string' || ![...MESSAGE_TYPES_REGISTER, ...MESSAGE_TYPES_UPDATE].includes(m.type)) {
    reject('message.type', 'message.type', `${JSON.stringify(m.type)} is not an app register or update message type`);
  }
  if (m.version !== 1) reject('message.version', 'message.version', 'only message version 1 exists');
  if (typeof m.timestamp !== 'number' || !Number.isFinite(m.timestamp)) reject('message.timestamp', 'message.timestamp', 'must be a number of milliseconds');
  if (opts.now !== undefined) {
    if (m.timestamp < opts.now - HOUR_MS) reject('message.timestamp', 'message.timestamp', 'is more than 1 hour old');
    if (m.timestamp > opts.now + FUTURE_MS) reject('message.timestamp', 'message.timestamp', 'is more than 5 minutes in the future');
  }
  if (typeof m.signature !== 'string' || !m.signature) reject('message.signature', 'message.signature', 'must be a non-empty string');
  if (typeof m.hash !== 'string') reject('message.hash', 'message.hash', 'must be a string');
  if (!isPlainObject(m.appSpecifications)) reject('message.spec', 'message.appSpecifications', 'must be an object');
}

/** Verifies a register/update message completely. Never throws. */
export function verifyMessage(message: unknown, options: VerifyMessageOptions): VerifyMessageResult {
  const warnings: SpecWarning[] = [];
  try {
    // Legacy messages carried the spec under `zelAppSpecifications`.
    if (isPlainObject(message) && message.appSpecifications === undefined && message.zelAppSpecifications !== undefined) {
      message = { ...message, appSpecifications: message.zelAppSpecifications };
    }
    checkEnvelope(message, options);
    const m = message;
    const mode = MESSAGE_TYPES_UPDATE.includes(m.type) ? 'update' : 'register';
    const received = m.appSpecifications as Loose;

    const hashOk = acceptedSpecOrders(received).some((s) => messageHash(m.type, m.version, s, m.timestamp, m.signature) === m.hash);
    if (!hashOk) reject('message.hash', 'message.hash', 'does not match sha256(type + version + spec + timestamp + signature)');

    let spec: FluxAppSpec;
    if (options.skipSpecRules) {
      const f = formatSpecDetailed(received);
      warnings.push(...f.warnings);
      if (!f.ok) return { ok: false, error: f.error, warnings };
      spec = f.spec as unknown as FluxAppSpec;
    } else {
      const v = verifyAppSpec(received, { ...options, mode, previous: options.previousSpec });
      warnings.push(...v.warnings);
      if (!v.ok) return { ok: false, error: v.error, warnings };
      spec = v.spec;
    }

    let signer = spec.owner;
    if (mode === 'update') {
      if (!options.previousOwner) reject('message.previousOwner', 'message.previousOwner', 'an update is signed by the previous owner, which must be given');
      signer = options.previousOwner;
    }
    // FluxOS verifies over the formatted spec (plus legacy orders). We also accept the spec
    // exactly as received: the hash already covers that JSON, and old permanent messages
    // (e.g. v2 with numeric ports, signed before the formatter stringified them) were
    // signed over it.
    const texts = new Set<string>();
    for (const s of [...acceptedSpecOrders(spec as unknown as Loose), ...acceptedSpecOrders(received)]) {
      texts.add(signedText(m.type, m.version, s, m.timestamp));
    }
    let signatureOk = false;
    for (const text of texts) {
      if (verifySignature(text, signer, m.signature, { timestamp: m.timestamp })) {
        signatureOk = true;
        break;
      }
    }
    if (!signatureOk) reject('message.signature', 'message.signature', `is not a valid signature by ${signer} of the formatted spec`);
    return { ok: true, spec, hash: m.hash, mode, warnings };
  } catch (err) {
    return { ok: false, error: toViolation(err, 'message.invalid'), warnings };
  }
}
