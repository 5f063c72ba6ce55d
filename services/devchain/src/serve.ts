import { DevChain } from './chain/model';
import { loadConfig, type DevchainConfig } from './config';
import { BlockLog, readBlockLog } from './persistence';
import { startDevchainServer, type RunningDevchain } from './server';

/** Build the chain (reloading DEVCHAIN_DATA_FILE when set) and serve it. */
export async function serve(config: DevchainConfig = loadConfig(), log: (line: string) => void = (l) => console.log(l)): Promise<RunningDevchain> {
  const blocks = config.dataFile ? readBlockLog(config.dataFile) : [];
  const chain = new DevChain({ reorgMode: config.reorgMode, appsAddress: config.appsAddress }, blocks);
  let blockLog: BlockLog | undefined;
  if (config.dataFile) {
    blockLog = new BlockLog(config.dataFile);
    // a fresh file starts with the genesis block
    if (blocks.length === 0) blockLog.append(chain.blockAt(0)!);
    const logRef = blockLog;
    chain.onBlock((block) => logRef.append(block));
    log(`devchain: ${blocks.length ? `reloaded ${blocks.length} block line(s) from` : 'persisting blocks to'} ${config.dataFile}`);
  }
  const running = await startDevchainServer({
    chain,
    host: config.host,
    port: config.port,
    blockIntervalMs: config.blockIntervalMs,
    ...(config.auth ? { auth: config.auth } : {}),
    log,
  });
  log(
    `devchain: JSON-RPC and /control on ${running.url} (height ${chain.height}, ${config.blockIntervalMs > 0 ? `a block every ${config.blockIntervalMs} ms` : 'no auto-mining'}, reorg mode ${config.reorgMode})`,
  );
  const close = running.close;
  return {
    ...running,
    close: async () => {
      await close();
      blockLog?.flush();
    },
  };
}
