import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Commands, Queries } from '../subjects';
import { Rpc } from './index';

describe('the Rpc catalogue', () => {
  const defs = Object.values(Rpc);

  it('defines every command and query subject once, each with a request and a reply schema', () => {
    const subjects = defs.map((d) => d.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect([...subjects].sort()).toEqual([...Object.values(Commands), ...Object.values(Queries)].sort());
    for (const d of defs) {
      expect(d.request).toBeInstanceOf(z.ZodType);
      expect(d.reply).toBeInstanceOf(z.ZodType);
      expect(d.kind).toBe(d.subject.startsWith('cmd.') ? 'command' : 'query');
    }
  });

  it('writes every reply schema out as JSON Schema (the gateway documents them)', () => {
    for (const d of defs) expect(() => z.toJSONSchema(d.reply)).not.toThrow();
  });

  it('keeps the fields of a registered spec that the schema does not list', () => {
    const spec = { name: 'a', owner: 'o', hash: 'f'.repeat(64), height: 1, version: 8, compose: [] };
    expect(Rpc.appSpecs.reply.parse([spec])).toEqual([spec]);
  });
});
