import { createConnection } from 'node:net';

export class SocketError extends Error {
  override readonly name = 'SocketError';
}

/**
 * Sends one command to an HAProxy CLI socket and returns the whole reply. HAProxy closes the
 * connection after answering a non-interactive command, so "end of stream" is "end of reply".
 * A fresh connection per command costs ~0.2 ms (infra-notes §1), far below a spawned socat.
 */
export function sendCommand(path: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = createConnection(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SocketError(`'${command}' on ${path}: no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new SocketError(`'${command}' on ${path}: ${err.message}`));
    });
    socket.once('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
