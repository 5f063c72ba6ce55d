import { z } from 'zod';
import { ExplorerHeight, ExplorerHeightQuery, ExplorerNode, ExplorerNodesQuery, ExplorerPayment, ExplorerPaymentsQuery } from '../explorer';
import { Queries } from '../subjects';
import { defineQuery } from './define';

export const explorerHeight = defineQuery(Queries.explorerHeight, ExplorerHeightQuery, ExplorerHeight);
export const explorerNodes = defineQuery(Queries.explorerNodes, ExplorerNodesQuery, z.array(ExplorerNode));
export const explorerPayments = defineQuery(Queries.explorerPayments, ExplorerPaymentsQuery, z.array(ExplorerPayment));
