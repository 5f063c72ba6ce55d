import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FluxBenchBenchmarks, FluxBenchStatus, NodeId, type NodeAddress } from '@fluxplane/contracts';
import { FluxError } from '@fluxplane/service-kit';
import { NodeBenchBackend } from '../adapters/node-bench.backend';
import { success } from './envelope';
import { ApiFluxReply } from './openapi';

/** An IPv4 address, optionally with FluxOS's `:port` (as node lists write it): the port is dropped. */
const IPV4_WITH_PORT = /^((25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3})(:\d{1,5})?$/;

/** `?node=`: a node id (collateral outpoint `txid:n`) or the node's IPv4 address. */
export function parseNode(node: unknown): NodeAddress {
  if (typeof node !== 'string' || node.length === 0) throw new FluxError(400, 'BadRequest', 'query.node: is required (a node id or the IPv4 address of a node)');
  const ip = IPV4_WITH_PORT.exec(node);
  if (ip) return { ip: ip[1]! };
  const id = NodeId.safeParse(node);
  if (!id.success) throw new FluxError(400, 'BadRequest', 'query.node: must be a node id (1-140 characters) or an IPv4 address');
  return { nodeId: id.data };
}

const NODE_QUERY = {
  name: 'node', required: true,
  description: "the node to ask: its id (collateral outpoint `txid:n`) or its IPv4 address (a `:port` suffix is ignored). FluxOS answers for the node it runs on; the gateway fronts every node, so it asks which.",
  schema: { type: 'string' as const, minLength: 1, maxLength: 140 },
};

/**
 * FluxOS's `/benchmark/*` routes, answered by the node's own FluxBench (its node-agent) over the bus,
 * in FluxOS's envelope: `data` is what fluxbenchd's JSON-RPC answers.
 */
@ApiTags('benchmark')
@Controller('benchmark')
export class BenchmarkController {
  constructor(private readonly nodes: NodeBenchBackend) {}

  @Get('getbenchmarks')
  @ApiOperation({ summary: "A node's last FluxBench measurement and verdict (`status`: its tier on a pass)" })
  @ApiQuery(NODE_QUERY)
  @ApiFluxReply(FluxBenchBenchmarks)
  async getBenchmarks(@Query('node') node?: string) {
    return success(await this.nodes.getBenchmarks(parseNode(node)));
  }

  @Get('getstatus')
  @ApiOperation({ summary: "Whether a node's FluxBench is online and where its benchmarking stands" })
  @ApiQuery(NODE_QUERY)
  @ApiFluxReply(FluxBenchStatus)
  async getStatus(@Query('node') node?: string) {
    return success(await this.nodes.getStatus(parseNode(node)));
  }
}
