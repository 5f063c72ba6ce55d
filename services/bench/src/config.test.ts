import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@fluxplane/service-kit';
import { BenchConfig } from './config';

describe('bench config', () => {
  it('refuses a BENCH_DIR that is not a writable directory (every disk test would fail, no node ever benchmarked)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-cfg-'));
    try {
      expect(loadConfig(BenchConfig, { BENCH_DIR: dir }).BENCH_DIR).toBe(dir);
      expect(() => loadConfig(BenchConfig, { BENCH_DIR: join(dir, 'missing') })).toThrow(ConfigError);
      writeFileSync(join(dir, 'file'), 'x');
      expect(() => loadConfig(BenchConfig, { BENCH_DIR: join(dir, 'file') })).toThrow(/BENCH_DIR/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
