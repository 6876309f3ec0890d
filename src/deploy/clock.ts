/**
 * Time as the deployers see it while they wait for a rollout or a sync. Production uses the
 * wall clock; tests hand in the Kubernetes fake's clock, so waiting moves the fake's
 * controllers forward and a five-minute timeout takes no real time.
 */
export interface DeployClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const wallClock: DeployClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
