import { z } from 'zod';
import { defineEvent } from '../define-event';

/** HAProxy now routes these hosts to these servers (the domain manager's record of effect). */
export const RoutesApplied = defineEvent('RoutesApplied', 1, z.object({
  domain: z.string().min(1),
  routes: z.array(z.object({ host: z.string(), servers: z.array(z.string()) })),
  reloaded: z.boolean(),
}));
