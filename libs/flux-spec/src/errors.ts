/**
 * Rejections and warnings. A rejection carries a stable machine id (`rule`, e.g.
 * `ports.banned`) so callers can branch on it, and a sentence for humans that starts
 * with the offending field's path, so the two never drift apart.
 */

export interface RuleViolation {
  /** Stable id, `<field>.<problem>`. */
  rule: string;
  /** Human sentence naming the field and the problem. */
  message: string;
}

export interface SpecWarning {
  rule: string;
  message: string;
  /** Path of the field concerned, e.g. `compose[1].containerData`. */
  path: string;
}

/** Thrown inside the library only; the public functions turn it into a result object. */
export class SpecRuleError extends Error {
  readonly rule: string;
  constructor(rule: string, message: string) {
    super(message);
    this.name = 'SpecRuleError';
    this.rule = rule;
  }
  toViolation(): RuleViolation {
    return { rule: this.rule, message: this.message };
  }
}

/** Reject: `path` is prefixed to the sentence so the message always names the field. */
export function reject(rule: string, path: string, sentence: string): never {
  throw new SpecRuleError(rule, `${path}: ${sentence}`);
}

export function warning(rule: string, path: string, sentence: string): SpecWarning {
  return { rule, path, message: `${path}: ${sentence}` };
}

/** Turns anything thrown into a violation, so no caller ever sees an exception. */
export function toViolation(err: unknown, fallbackRule = 'spec.invalid'): RuleViolation {
  if (err instanceof SpecRuleError) return err.toViolation();
  // flux-spec stays dependency-free (no metrics library) for the clients that embed it.
  const text = err instanceof Error ? err.message : String(err);
  return { rule: fallbackRule, message: `spec: the specification could not be processed (${fallbackRule}: ${text})` };
}

/** Short printable form of an arbitrary value for messages. */
export function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
  } catch {
    s = Object.prototype.toString.call(value);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
