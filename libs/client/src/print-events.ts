import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Subjects } from '@fluxplane/contracts';
import type { FluxplaneClient } from './client';
import type { Subscription } from './subscribe';

/** Reads the stored sequence (0 when the file does not exist yet). */
export async function readSequence(file: string): Promise<number> {
  try {
    const n = Number((await readFile(file, 'utf8')).trim());
    if (!Number.isInteger(n) || n < 0) throw new Error(`${file} does not hold a stream sequence`);
    return n;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

async function writeSequence(file: string, seq: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${seq}\n`);
  await rename(`${file}.tmp`, file); // never a half-written file after a crash
}

export interface PrintEventsOptions {
  app: string;
  /** where the last handled sequence is kept between runs */
  stateFile: string;
  print?: (line: string) => void;
}

/**
 * The example consumer: prints AppRegistered and InstanceStarted of one app, storing the sequence
 * of each event it printed, and on a restart goes on after the stored one.
 */
export async function printEvents(client: FluxplaneClient, opts: PrintEventsOptions): Promise<Subscription> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const afterSeq = await readSequence(opts.stateFile);
  const app = Subjects.app(opts.app);
  const instances = Subjects.instance(opts.app, '_').replace(/\._$/, '.');
  const mine = (subject: string) => subject === app || subject.startsWith(instances);
  return client.subscribe({
    types: ['AppRegistered', 'InstanceStarted'],
    from: { afterSeq },
    async onEvent(event, { seq, subject }) {
      if (!mine(subject)) return;
      if (event.type === 'AppRegistered') {
        print(`#${seq} ${event.time} AppRegistered ${event.data.name} height ${event.data.height} hash ${event.data.hash}`);
      } else {
        print(`#${seq} ${event.time} InstanceStarted ${event.data.app} on ${event.data.nodeId}`);
      }
      await writeSequence(opts.stateFile, seq);
    },
    onInvalid: (bad) => {
      if (mine(bad.subject)) print(`#${bad.seq} invalid message on ${bad.subject}: ${bad.reason}`);
    },
  });
}
