import { z } from 'zod';

/**
 * Bodies and query strings of the routes, one zod schema each. The spec itself is only required to
 * be a JSON object here: its rules are flux-spec's, which name the offending field and rule.
 */
export const SpecBody = z.record(z.string(), z.unknown()).describe('A Flux app specification (v1–v8), raw or formatted');

/** `?height=`: the rules height to judge a spec at, instead of the current one (an operator checking a coming fork). */
export const RulesHeightQuery = z.object({
  // `?height=` (empty) is no height: z.coerce made it 0, judging the spec by the rules of the genesis block.
  height: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().nonnegative().max(1e9).optional()),
}).passthrough();

/**
 * `POST /id/verifylogin`. FluxOS also accepts `address` for `zelid` and `message` for `loginPhrase`
 * (`idService.verifyLogin`); both spellings are kept.
 */
export const VerifyLoginBody = z.object({
  zelid: z.string().min(1).max(200).optional(),
  address: z.string().min(1).max(200).optional(),
  signature: z.string().min(1, 'is required').max(1000),
  loginPhrase: z.string().min(1).max(200).optional(),
  message: z.string().min(1).max(200).optional(),
}).refine((b) => b.zelid ?? b.address, { message: 'zelid is required', path: ['zelid'] })
  .refine((b) => b.loginPhrase ?? b.message, { message: 'loginPhrase is required', path: ['loginPhrase'] });
export type VerifyLoginBody = z.infer<typeof VerifyLoginBody>;

/** The `zelidauth` header once decoded (JSON or query-string form). */
export const ZelidAuth = z.object({
  zelid: z.string({ error: 'is required' }).min(1, 'is required').max(200),
  signature: z.string({ error: 'is required' }).min(1, 'is required').max(1000),
  loginPhrase: z.string({ error: 'is required' }).min(1, 'is required').max(200),
});
export type ZelidAuth = z.infer<typeof ZelidAuth>;
