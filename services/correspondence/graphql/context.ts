import type { RequestContext } from '../../shared/http/server';
import type { CorrespondenceService } from '../service';

/** A request's context in the correspondence subgraph: the shared one plus this subgraph's service. */
export interface CorrespondenceContext extends RequestContext {
  readonly correspondence: CorrespondenceService;
}
