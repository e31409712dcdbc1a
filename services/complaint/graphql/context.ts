import type { RequestContext } from '../../shared/http/server';
import type { ComplaintService } from '../service';

/** A request's context in the complaint subgraph: the shared one plus this subgraph's service. */
export interface ComplaintContext extends RequestContext {
  readonly complaints: ComplaintService;
}
