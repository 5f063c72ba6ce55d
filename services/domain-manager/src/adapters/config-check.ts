import { execFile } from 'node:child_process';

export class ConfigCheckError extends Error {
  override readonly name = 'ConfigCheckError';
}

/**
 * `haproxy -c -f <file>`: exit 0 when HAProxy accepts the config. Never reload without it: a
 * failed reload keeps the old worker running, but the config file on disk would stay broken.
 */
export function checkConfig(bin: string, file: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, ['-c', '-f', file], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const detail = `${stderr}${stdout}`.trim() || err.message;
      reject(new ConfigCheckError(`haproxy -c rejected ${file}: ${detail}`));
    });
  });
}
