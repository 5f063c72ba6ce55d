/**
 * FluxOS answers every route with `{status, data}`; errors carry `{code, name, message}` in data and,
 * like FluxOS, an HTTP 200, so existing Flux clients (which read `status`) keep working. Transport
 * failures (body too large, rate limited) keep their HTTP status.
 */
export interface ErrorData { code: number; name: string; message: string }

export const success = <T>(data: T) => ({ status: 'success' as const, data });
export const failure = (code: number, name: string, message: string) => ({ status: 'error' as const, data: { code, name, message } as ErrorData });

/** An error that a route handler throws to answer with the Flux error envelope. */
export class ApiError extends Error {
  constructor(readonly code: number, override readonly name: string, message: string, readonly httpStatus = 200) {
    super(message);
  }
}
