import type { z } from 'zod';
import { ErrorBody, Reply } from '@fluxplane/contracts';

/**
 * Reading Flux envelopes (`{status:'success', data}` / `{status:'error', data:{code, name, message}}`)
 * in tests, typed. The envelope is checked with the contracts' `Reply` schema, so a body that is not
 * one fails the test where it is read. The success data is checked with `data` when a schema is given;
 * otherwise `T` is what the test expects to find there, and its assertions check it.
 */
export function fluxReply<T = unknown>(body: unknown, data?: z.ZodType<T>): Reply<T> {
  const parsed = Reply.safeParse(body);
  if (!parsed.success) throw new Error(`not a Flux reply (${parsed.error.message}): ${JSON.stringify(body)}`);
  if (parsed.data.status === 'success' && data) data.parse(parsed.data.data);
  // The checked body itself, not zod's copy: the copy drops keys the schemas do not name, and a test's
  // `toEqual` must still see them. Its envelope was checked above; its data too when a schema was given,
  // else `T` is the caller's word (see above).
  return body as Reply<T>;
}

/** The Flux reply a response carries, with its HTTP status and the gateway's warnings header. */
export async function readReply<T = unknown>(res: Response, data?: z.ZodType<T>): Promise<{ http: number; body: Reply<T>; warnings: string | null }> {
  return { http: res.status, body: fluxReply(await res.json(), data), warnings: res.headers.get('x-flux-warnings') };
}

/** GETs `url` and returns the Flux reply it answers. */
export async function getReply<T = unknown>(url: string, data?: z.ZodType<T>): Promise<Reply<T>> {
  return (await readReply(await fetch(url), data)).body;
}

/** The data of a success reply; throws (failing the test) with the error when it is one. */
export function successData<T>(reply: Reply<T>): T {
  if (reply.status !== 'success') throw new Error(`expected a success reply, got error ${reply.data.code} ${reply.data.name}: ${reply.data.message}`);
  return reply.data;
}

/** The `{code, name, message}` of an error reply; throws (failing the test) when it is a success. */
export function errorData(reply: Reply<unknown>): ErrorBody {
  if (reply.status !== 'error') throw new Error(`expected an error reply, got success: ${JSON.stringify(reply.data)}`);
  return reply.data;
}

/**
 * A JSON body that is not a Flux envelope (a health report, an OpenAPI document), typed as the test
 * expects it: the test's assertions are what check it.
 */
export async function readJson<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
