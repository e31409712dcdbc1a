import type { RequestContext } from '../../shared/http/server';
import type { EvaluationService } from '../service';

/** A request's context in the evaluation subgraph: the shared one plus this subgraph's service. */
export interface EvaluationContext extends RequestContext {
  readonly evaluation: EvaluationService;
}
