import { compareRecords, recordKey, type DesiredZone, type DnsRecordSet, type DnsType } from './dns-records';

/** The changes of one zone, sent to the provider as one batch. */
export interface ZoneChanges {
  zone: string;
  /** rrsets to create or replace (whole: every value of the name and type). */
  upserts: DnsRecordSet[];
  /** rrsets fluxplane owns that nothing wants any more. */
  deletes: Array<{ name: string; type: DnsType }>;
}

/**
 * Desired vs actual, per zone: the rrsets to write and the stale ones to remove. `actual` holds only
 * what fluxplane owns (the provider filters by its marker), so records an operator added by hand are
 * never touched. Only zones with a change are returned, each once (one batch per zone per pass).
 */
export function planDns(desired: readonly DesiredZone[], actual: ReadonlyMap<string, readonly DnsRecordSet[]>): ZoneChanges[] {
  const out: ZoneChanges[] = [];
  for (const { zone, records } of desired) {
    const have = new Map((actual.get(zone) ?? []).map((r) => [recordKey(r), r]));
    const want = new Map(records.map((r) => [recordKey(r), r]));
    const upserts = records.filter((r) => !sameRecordSet(r, have.get(recordKey(r))));
    const deletes = [...have.values()].filter((r) => !want.has(recordKey(r))).map((r) => ({ name: r.name, type: r.type })).sort(compareRecords);
    if (upserts.length || deletes.length) out.push({ zone, upserts: [...upserts].sort(compareRecords), deletes });
  }
  return out;
}

export function sameRecordSet(a: DnsRecordSet, b: DnsRecordSet | undefined): boolean {
  if (!b || a.ttl !== b.ttl || a.contents.length !== b.contents.length) return false;
  const bs = [...b.contents].sort();
  return [...a.contents].sort().every((c, i) => c === bs[i]);
}

/** What a zone holds after its changes: used by the property tests and the in-memory provider. */
export function applyChanges(records: readonly DnsRecordSet[], changes: Pick<ZoneChanges, 'upserts' | 'deletes'>): DnsRecordSet[] {
  const m = new Map(records.map((r) => [recordKey(r), r]));
  for (const d of changes.deletes) m.delete(recordKey(d));
  for (const u of changes.upserts) m.set(recordKey(u), u);
  return [...m.values()].sort(compareRecords);
}
