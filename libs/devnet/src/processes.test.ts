import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeFlagsOf, ProcessGroup } from './processes';

const REPO = join(__dirname, '..', '..', '..');

describe('a service runs with the Node flags of its package.json', () => {
  const roots: string[] = [];
  afterEach(() => { for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true }); });

  /** A repository root holding one service `x` whose main prints the flags it was started with. */
  function rootWith(nodeFlags: unknown): string {
    const root = mkdtempSync(join(tmpdir(), 'fp-flags-'));
    roots.push(root);
    mkdirSync(join(root, 'services/x/dist'), { recursive: true });
    writeFileSync(join(root, 'services/x/package.json'), JSON.stringify({ name: 'x', ...(nodeFlags === undefined ? {} : { nodeFlags }) }));
    writeFileSync(join(root, 'services/x/dist/main.js'), 'console.log(JSON.stringify(process.execArgv));\n');
    return root;
  }

  it("the scheduler's memory and JIT settings; none for a service that sets none", () => {
    expect(nodeFlagsOf(REPO, 'services/scheduler/dist/main.js')).toEqual(expect.arrayContaining(['--max-semi-space-size=4', '--heap-growing-percent=100']));
    expect(nodeFlagsOf(REPO, 'services/gateway/dist/main.js')).toEqual([]);
  });

  it('the devnet starts the process with them', async () => {
    const root = rootWith(['--max-semi-space-size=4', '--stack-size=900']);
    const group = new ProcessGroup({ root, logDir: join(root, 'logs'), detached: false });
    const p = group.start({ name: 'x', script: 'services/x/dist/main.js', env: {} });
    await new Promise((resolve) => p.child!.once('exit', resolve));
    expect(JSON.parse(readFileSync(p.log, 'utf8'))).toEqual(['--max-semi-space-size=4', '--stack-size=900']);
  });

  it('refuses flags that are not a list of --flags, naming the file', () => {
    const root = rootWith('--max-semi-space-size=4');
    expect(() => nodeFlagsOf(root, 'services/x/dist/main.js')).toThrow(/services\/x\/package\.json: nodeFlags must be a list of --flags/);
  });
});
