import { Body } from '@nestjs/common';
import { z } from 'zod';
import { AuthService } from '../auth/auth.service';
import { parseBody } from './body';
import { success } from './envelope';
import { VerifyLoginBody } from './schemas';
import { FluxController, FluxGet, FluxPost } from './openapi';
import { LoggedIn } from './replies';

/** FluxOS's `/id/*` login routes. */
@FluxController('id')
export class IdController {
  constructor(private readonly auth: AuthService) {}

  @FluxGet('loginphrase', { summary: 'A phrase to sign: 13-digit ms timestamp + random characters, valid 15 minutes', reply: z.string() })
  async loginPhrase() {
    return success(await this.auth.issuePhrase());
  }

  @FluxPost('verifylogin', {
    summary: 'Log in: {zelid, signature, loginPhrase} — the ZelID\'s message signature of an issued phrase; opens a 14-day session',
    body: VerifyLoginBody, reply: LoggedIn,
  })
  async verifyLogin(@Body() body: unknown) {
    return success(await this.auth.login(parseBody(body, VerifyLoginBody, 'body')));
  }
}
