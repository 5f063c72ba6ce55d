import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorText } from '@fluxplane/observability';
import type { Block } from './chain/types';

/*
 * DEVCHAIN_DATA_FILE: one JSON line per connected block (the devchain's compact form, see
 * chain/types.ts), in connection order. A line whose height is not above the previous line's marks a
 * reorganisation: on reload the active chain is cut back to that height and continues from the line,
 * so replaced blocks stay known as a stale branch. The mempool is not persisted.
 */

export function readBlockLog(file: string): Block[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const blocks: Block[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const block = JSON.parse(line) as Block;
      if (typeof block.hash !== 'string' || typeof block.height !== 'number' || !Array.isArray(block.tx)) throw new Error('not a block');
      blocks.push(block);
    } catch (error) {
      // a torn last line (crash mid-write) is dropped; anything else is corruption
      if (i === lines.length - 1 || (i === lines.length - 2 && lines[lines.length - 1] === '')) return;
      throw new Error(`${file}:${i + 1}: unreadable block line: ${errorText(error)}`, { cause: error });
    }
  });
  return blocks;
}

/** Buffered appender: lines are written when 4 MB are pending, on `flush()`, and at the latest on the next tick. */
export class BlockLog {
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  append(block: Block): void {
    const line = `${JSON.stringify(block)}\n`;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes > 4 * 1024 * 1024) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    appendFileSync(this.file, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }
}
