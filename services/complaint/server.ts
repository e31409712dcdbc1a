/** The complaint subgraph over a runtime: tests start it in-process; index.ts only listens. */
import { createSubgraphServer, type SubgraphServer } from '../shared/graphql/subgraph';
import { type SubgraphRuntime, startRuntime, type RuntimeOptions } from '../shared/runtime';
import type { ComplaintContext } from './graphql/context';
import { complaintProjection } from './projection';
import { buildComplaintSubgraph } from './schema';
import { ComplaintService } from './service';

export const COMPLAINT_PROJECTIONS = [complaintProjection];

export function startComplaintRuntime(options: Omit<RuntimeOptions, 'name' | 'projections'> = {}) {
  return startRuntime({ ...options, name: 'complaint', projections: COMPLAINT_PROJECTIONS });
}

export async function createComplaintServer(
  runtime: SubgraphRuntime,
  options: Partial<Parameters<typeof createSubgraphServer<ComplaintContext>>[0]> = {},
): Promise<SubgraphServer<ComplaintContext>> {
  const { schema } = await buildComplaintSubgraph();
  const complaints = new ComplaintService(runtime);
  return createSubgraphServer<ComplaintContext>({
    name: 'complaint',
    schema,
    logger: runtime.logger,
    context: (base) => ({ ...base, complaints }),
    ready: () => true,
    ...options,
  });
}
