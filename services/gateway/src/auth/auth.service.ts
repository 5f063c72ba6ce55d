/**
 * FluxOS's `user` privilege (ZelBack `idService`, `verificationHelperUtils.verifyUserSession`):
 * a ZelID proves itself by signing a login phrase (Bitcoin message signature, or Ethereum
 * personal-sign for `0x` ZelIDs). A phrase this gateway issued and that was signed within 15 minutes
 * opens a 14-day session; a signed phrase without a session is accepted while it is under 16 hours old.
 */
import { Injectable } from '@nestjs/common';
import { verifySignature } from '@fluxplane/flux-spec';
import { FluxError } from '@fluxplane/service-kit';
import type { VerifyLoginBody, ZelidAuth } from '../api/schemas';
import { AuthStore, Session } from './auth-store';
import {
  newLoginPhrase, phraseProblem, phraseTimestamp, PHRASE_VALID_MS, SESSION_VALID_MS, SIGNED_PHRASE_VALID_MS, zelidProblem,
} from './login-phrase';
import { parseZelidAuth } from './zelidauth';

const unauthorized = (message: string) => new FluxError(401, 'Unauthorized', message);

export interface LoggedIn extends Session { message: string; signature: string; privilage: 'user' }

@Injectable()
export class AuthService {
  constructor(private readonly store: AuthStore) {}

  async issuePhrase(now = new Date()): Promise<string> {
    const phrase = newLoginPhrase(now.getTime());
    await this.store.savePhrase(phrase, now);
    return phrase;
  }

  /** `POST /id/verifylogin`: a phrase we issued, signed by the ZelID, becomes a session. */
  async login(body: VerifyLoginBody, now = new Date()): Promise<LoggedIn> {
    const zelid = (body.zelid ?? body.address)!;
    const phrase = (body.loginPhrase ?? body.message)!;
    const badId = zelidProblem(zelid);
    if (badId) throw new FluxError(400, 'BadRequest', `zelid: ${badId}`);
    const badPhrase = phraseProblem(phrase, PHRASE_VALID_MS, now.getTime());
    if (badPhrase) throw unauthorized(`loginPhrase: ${badPhrase}; request a new one from /id/loginphrase`);
    // The signature is checked before the phrase is consumed, so a forged attempt cannot burn someone's phrase.
    if (!verifySignature(phrase, zelid, body.signature)) throw unauthorized(`signature: not a signature of loginPhrase by ${zelid}`);
    if (!(await this.store.consumePhrase(phrase))) {
      throw unauthorized('loginPhrase: was not issued by /id/loginphrase, has expired or was already used; request a new one');
    }
    const createdAt = new Date(phraseTimestamp(phrase)!);
    const session: Session = { zelid, loginPhrase: phrase, createdAt: createdAt.toISOString(), expireAt: new Date(createdAt.getTime() + SESSION_VALID_MS).toISOString() };
    await this.store.saveSession(session);
    return { message: 'Successfully logged in', ...session, signature: body.signature, privilage: 'user' };
  }

  /** The ZelID a `zelidauth` header proves, or a 401 that names what is wrong with it. */
  async authorizeUser(header: string | string[] | undefined, now = new Date()): Promise<ZelidAuth> {
    const auth = parseZelidAuth(header);
    const session = await this.store.session(auth.zelid, auth.loginPhrase, now);
    if (!session) {
      const problem = phraseProblem(auth.loginPhrase, SIGNED_PHRASE_VALID_MS, now.getTime());
      if (problem) throw unauthorized(`zelidauth.loginPhrase: ${problem} and no session was opened with it; log in again`);
    }
    if (!verifySignature(auth.loginPhrase, auth.zelid, auth.signature)) {
      throw unauthorized(`zelidauth.signature: not a signature of loginPhrase by ${auth.zelid}`);
    }
    return auth;
  }
}
