import { z } from 'zod';
import { subjectToken } from '../subjects';
import { AppName } from '../define-event';
import { defineCommand, defineQuery } from './define';

/**
 * What a node agent answers about the instances it runs, for the owner's routes of the gateway
 * (FluxOS's `/apps/applog`, `/apps/appstats`, `/apps/appinspect`, `/apps/apprestart|appstop|appstart`).
 * Each agent serves its own subjects (`qry.node-agent.<node>.*`, `cmd.node-agent.<node>.*`): the
 * gateway asks the nodes the scheduler placed the app on, one by one. The gateway checks who asks;
 * agents trust the bus.
 */
const AppRequest = z.object({ app: AppName });

export const AppLogRequest = AppRequest.extend({
  /** Lines from the end of each component's log (FluxOS's `lines`); default 100. */
  lines: z.number().int().min(1).max(10_000).default(100),
});
/** One component's container on the node. */
const ComponentRef = { component: z.string(), container: z.string() };
export const AppLogReply = z.array(z.object({ ...ComponentRef, log: z.string() }));
/** Docker's own records (stats: one sample of `GET /containers/:id/stats`; inspect: `GET /containers/:id/json`). */
export const AppStatsReply = z.array(z.object({ ...ComponentRef, stats: z.record(z.string(), z.unknown()) }));
export const AppInspectReply = z.array(z.object({ ...ComponentRef, inspect: z.record(z.string(), z.unknown()) }));

export const AppControlAction = z.enum(['restart', 'stop', 'start']);
export type AppControlAction = z.infer<typeof AppControlAction>;
export const AppControlRequest = AppRequest.extend({ action: AppControlAction });
export const AppControlReply = z.object({
  app: z.string(),
  action: AppControlAction,
  containers: z.array(z.object({ ...ComponentRef, state: z.string() })),
});
export type AppControlReply = z.infer<typeof AppControlReply>;

const refusals = { named: { AppNotFound: 404 }, otherwise: { code: 422, name: 'Refused' } };

/** The request/reply definitions of one node's agent. */
export function nodeAgentRpc(nodeId: string) {
  const node = subjectToken(nodeId);
  return {
    appLog: defineQuery(`qry.node-agent.${node}.app-log`, AppLogRequest, AppLogReply),
    appStats: defineQuery(`qry.node-agent.${node}.app-stats`, AppRequest, AppStatsReply),
    appInspect: defineQuery(`qry.node-agent.${node}.app-inspect`, AppRequest, AppInspectReply),
    appControl: defineCommand(`cmd.node-agent.${node}.app-control`, AppControlRequest, AppControlReply, refusals),
  };
}
export type NodeAgentRpc = ReturnType<typeof nodeAgentRpc>;
