import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthService } from './auth.service';
import { ZELIDAUTH_HEADER } from './zelidauth';

/** Routes with FluxOS's `user` privilege: a valid `zelidauth` header or nothing runs (401 in the Flux envelope). */
@Injectable()
export class UserGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { zelid?: string }>();
    const auth = await this.auth.authorizeUser(req.headers[ZELIDAUTH_HEADER]);
    req.zelid = auth.zelid;
    return true;
  }
}
