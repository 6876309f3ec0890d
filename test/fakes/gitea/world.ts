import type { Notifier } from './notifier.ts';
import type { FakeState } from './state.ts';
import type { WebhookDispatcher } from './webhooks.ts';

/** Everything a domain operation touches: the data, and the notifier that fires webhooks. */
export interface World {
  state: FakeState;
  notify: Notifier;
  webhooks: WebhookDispatcher;
}
