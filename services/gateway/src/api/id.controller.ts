import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AuthService } from '../auth/auth.service';
import { parseBody } from './body';
import { success } from './envelope';
import { VerifyLoginBody } from './schemas';

/** FluxOS's `/id/*` login routes. */
@ApiTags('id')
@Controller('id')
export class IdController {
  constructor(private readonly auth: AuthService) {}

  @Get('loginphrase')
  @ApiOperation({ summary: 'A phrase to sign: 13-digit ms timestamp + random characters, valid 15 minutes' })
  async loginPhrase() {
    return success(await this.auth.issuePhrase());
  }

  @Post('verifylogin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in: {zelid, signature, loginPhrase} — the ZelID\'s message signature of an issued phrase; opens a 14-day session' })
  @ApiBody({ schema: z.toJSONSchema(VerifyLoginBody, { io: 'input' }) as Record<string, unknown> })
  async verifyLogin(@Body() body: unknown) {
    return success(await this.auth.login(parseBody(body, VerifyLoginBody, 'body')));
  }
}
