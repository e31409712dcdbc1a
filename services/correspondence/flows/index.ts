/**
 * The correspondence runtime's process managers; see runner.ts for how each one is exactly-once in effect.
 */
import { agencyReplyFlow, letterAcknowledgementFlow } from './complaint-updates';
import type { FlowDeps } from './deps';
import { letterDeliveryFlow } from './delivery';
import { followUpDraftsFlow } from './follow-up';
import { followUpReminderFlow, type ReminderFlow } from './reminders';
import { type Flow, FlowRunner } from '../../shared/workers/flow-runner';
import { every, type Work } from '../../shared/workers/registry';
import { describeError } from '../../shared/workers/log-runner';

export { followUpLetterId, FLOW_ACTOR } from './follow-up';
export { letterMessageId } from './delivery';
export { reminderLetterId, FOLLOW_UP_CHASES, type FollowUpChaseDoc } from './reminders';
export { FlowRunner, handleOnce, effectEventId, type Flow } from '../../shared/workers/flow-runner';
export type { FlowDeps } from './deps';

export interface CorrespondenceFlows extends Work {
  readonly runner: FlowRunner;
  readonly reminders: ReminderFlow;
  readonly flows: readonly Flow[];
  stop(): Promise<void>;
}

export async function startCorrespondenceFlows(
  deps: FlowDeps,
  options: { maxAttempts?: number; retryDelayMs?: number } = {},
): Promise<CorrespondenceFlows> {
  const reminders = followUpReminderFlow(deps);
  const flows: Flow[] = [
    followUpDraftsFlow(deps),
    letterAcknowledgementFlow(deps),
    agencyReplyFlow(deps),
    letterDeliveryFlow(deps),
    reminders,
  ];
  const runner = new FlowRunner({
    store: deps.store,
    readModels: deps.readModels,
    flows,
    logger: deps.logger,
    service: 'correspondence',
    ...options,
  });
  await runner.start();
  const timer = every(
    deps.config.reminderTickMs,
    () => reminders.tick(),
    (err) => deps.logger.warn(describeError(err), 'reminder tick failed; the next one retries'),
  );
  return {
    runner,
    reminders,
    flows,
    followers: runner.followers,
    async stop() {
      await timer.stop();
      await runner.stop();
    },
  };
}
