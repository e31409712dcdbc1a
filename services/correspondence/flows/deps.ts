import type { Clock } from '../../shared/clock';
import type { EventStore } from '../../shared/eventstore/types';
import type { Logger } from '../../shared/logger';
import type { ReadModelStore } from '../../shared/projections/types';
import type { WorkingCalendar } from '../../shared/calendar/calendar';
import type { BlobStore } from '../../shared/blobs';
import type { CorrespondenceConfig } from '../../shared/config';
import type { DeliveryAdapter } from '../../shared/mail/delivery';

/** What the flows work with; all of it is the correspondence runtime's. */
export interface FlowDeps {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly config: CorrespondenceConfig;
  readonly calendar: WorkingCalendar;
  readonly blobs: BlobStore;
  readonly delivery: DeliveryAdapter;
}
