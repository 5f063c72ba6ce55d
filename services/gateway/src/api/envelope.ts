import type { ErrorBody, RefusalCodes } from '@fluxplane/contracts';

/**
 * FluxOS answers every route with `{status, data}`; errors carry `{code, name, message}` in data and,
 * like FluxOS, an HTTP 200, so existing Flux clients (which read `status`) keep working. Transport
 * failures (body too large, rate limited) and unavailable backends (503) keep their HTTP status.
 */
export type ErrorData = ErrorBody;

export const success = <T>(data: T) => ({ status: 'success' as const, data });
export const failure = (code: number, name: string, message: string) => ({ status: 'error' as const, data: { code, name, message } as ErrorData });

/** The HTTP status of an error answer: 200 as FluxOS does, except when a backing service is unavailable. */
export const httpStatusOf = (code: number): number => (code === 503 ? 503 : 200);

/** How the gateway's own refusals (spec verification) travel: FluxOS's names for them. */
export const GATEWAY_REFUSALS: RefusalCodes = {
  named: { AppNotFound: 404, DomainTaken: 409 },
  otherwise: { code: 422, name: 'InvalidSpecification' },
};
