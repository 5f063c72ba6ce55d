import type { IncomingMessage } from 'node:http';

/**
 * Reads a whole HTTP request body (a JSON-RPC call) as UTF-8, for the small JSON-RPC servers that
 * stand in for fluxd. Over `maxBytes` the promise rejects with `tooLarge` and the request is destroyed.
 */
export function readRequestBody(req: IncomingMessage, maxBytes: number, tooLarge = `request body over ${maxBytes} bytes`): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(new Error(tooLarge));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
