import { defaultImage, movingTag } from './container-image.ts';
import { repoUrls } from './convert.ts';
import { finishJob, jobOf, queueRun, startJob } from './domain/actions.ts';
import { pushContainerImage } from './domain/packages.ts';
import type { ActionJobRecord, ActionRunRecord, RepoRecord } from './state.ts';
import type { FakeActions, FakeActionsRun, FakeJobResult, FakeQueuedJob, FakeRunTrigger } from './types.ts';
import type { World } from './world.ts';

/**
 * The test side of simulated Gitea Actions: a runner taking a job and reporting its result,
 * and — for a successful build — the image it pushed to Gitea's registry, named as
 * actions/build-image/build-image.sh names it (docs/builds.md, What a build does).
 */

const DEFAULT_RUNNER = { id: 1, name: 'runner-1' };

function pullNumberOf(run: ActionRunRecord): number | undefined {
  const match = /^refs\/pull\/(\d+)\/head$/.exec(run.ref);
  return match ? Number(match[1]) : undefined;
}

/** The build's push: `<image>:<sha>` and the moving tag, with the registry user's token. */
function pushImage(world: World, repo: RepoRecord, run: ActionRunRecord, image: FakeJobResult['image']) {
  if (image === false) return { tags: [] as string[] };
  const { state } = world;
  const name = image?.name ?? defaultImage(repoUrls(state, repo).html, state.fullName(repo));
  const moving = movingTag({
    prNumber: pullNumberOf(run),
    refName: run.ref.replace(/^refs\/heads\//, ''),
  });
  const tags = moving ? [run.commitSha, moving] : [run.commitSha];
  const creator = image?.registryUser ? state.mustUser(image.registryUser) : state.repoOwner(repo);
  pushContainerImage(state, creator, name, tags);
  return { image: `${name}:${run.commitSha}`, tags };
}

function summary(run: ActionRunRecord, job: ActionJobRecord, pushed: { image?: string; tags: string[] }) {
  const out: FakeActionsRun = {
    runId: run.id,
    runNumber: run.index,
    jobId: job.id,
    sha: run.commitSha,
    tags: pushed.tags,
  };
  if (pushed.image) out.image = pushed.image;
  return out;
}

export function actionsControls(world: World): FakeActions {
  const queueJob = (repoName: string, o: FakeRunTrigger): FakeQueuedJob => {
    const repo = world.state.mustRepo(repoName);
    const run = queueRun(world, repo, o);
    const job = jobOf(run, o.job);
    if (job.status !== 'waiting') {
      throw new Error(
        `Gitea fake: job ${job.jobId} waits for other jobs (needs), which the fake does not run`,
      );
    }
    return {
      ...summary(run, job, { tags: [] }),
      start: () => startJob(world, repo, run, job, o.runner ?? DEFAULT_RUNNER),
      finish: (result) => {
        // The image is pushed while the job runs, before the runner reports success.
        const pushed = result.result === 'success' ? pushImage(world, repo, run, result.image) : { tags: [] };
        finishJob(world, repo, run, job, result.result, result.durationSeconds);
        return summary(run, job, pushed);
      },
    };
  };
  return {
    queueJob,
    runJob: (repoName, o) => {
      const queued = queueJob(repoName, o);
      queued.start();
      return queued.finish(o);
    },
  };
}
