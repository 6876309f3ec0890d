import { requireCodeWriter, requireIssueWriter } from './domain/access.ts';
import { createComment, deleteComment, editComment } from './domain/comments.ts';
import { addDependency } from './domain/dependencies.ts';
import { createIssue, editIssue } from './domain/issues.ts';
import { addIssueLabels, labelByName, removeIssueLabel } from './domain/labels.ts';
import { createPullRequest, mergePullRequest } from './domain/pulls.ts';
import { addReaction } from './domain/reactions.ts';
import { changeFiles, defaultChangeMessage, pushFiles } from './domain/repos.ts';
import { submitReview } from './domain/reviews.ts';
import { ApiError } from './errors.ts';
import { commentSnapshot, issueSnapshot } from './snapshots.ts';
import type { CommentRecord, IssueRecord, LabelRecord, RepoRecord, UserRecord } from './state.ts';
import type { FakeUserActions } from './types.ts';
import type { World } from './world.ts';

/**
 * A person acting in Gitea's UI: the same state changes, permission rules and webhooks as the
 * API, without going through HTTP (so these never appear in `calls` or meet injected failures).
 */
export function userActions(world: World, login: string): FakeUserActions {
  const { state } = world;
  const actor = (): UserRecord => state.mustUser(login);

  /** Runs an action; Gitea's refusals surface as errors that name the status and message. */
  const act = async <T>(what: string, fn: () => T): Promise<T> => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ApiError) {
        throw new Error(`Gitea fake: ${login} cannot ${what}: HTTP ${error.status} ${error.message}`);
      }
      throw error;
    }
  };

  const issueIn = (repo: RepoRecord, n: number): IssueRecord => state.mustIssue(repo, n);

  const labelsNamed = (repo: RepoRecord, names: readonly string[]): LabelRecord[] =>
    names.map((name) => {
      const label = labelByName(repo, name);
      if (!label)
        throw new Error(`Gitea fake: ${state.fullName(repo)} has no label "${name}"; create it first`);
      return label;
    });

  const commentIn = (repo: RepoRecord, id: number): CommentRecord => {
    const comment = state.comments.get(id);
    if (!comment || state.issuesById.get(comment.issueId)?.repoId !== repo.id) {
      throw new Error(`Gitea fake: ${state.fullName(repo)} has no comment ${id}`);
    }
    return comment;
  };

  return {
    openIssue: (repoName, o) =>
      act('open an issue', () => {
        const repo = state.mustRepo(repoName);
        const labels = labelsNamed(repo, o.labels ?? []);
        return issueSnapshot(
          state,
          createIssue(world, repo, actor(), { title: o.title, body: o.body, labels }),
        );
      }),

    editIssue: (repoName, n, o) =>
      act(`edit #${n}`, () => {
        const repo = state.mustRepo(repoName);
        return issueSnapshot(state, editIssue(world, repo, issueIn(repo, n), actor(), o));
      }),

    close: (repoName, n) =>
      act(`close #${n}`, () => {
        const repo = state.mustRepo(repoName);
        editIssue(world, repo, issueIn(repo, n), actor(), { state: 'closed' });
      }),

    reopen: (repoName, n) =>
      act(`reopen #${n}`, () => {
        const repo = state.mustRepo(repoName);
        editIssue(world, repo, issueIn(repo, n), actor(), { state: 'open' });
      }),

    addLabels: (repoName, n, names) =>
      act(`label #${n}`, () => {
        const repo = state.mustRepo(repoName);
        const issue = issueIn(repo, n);
        const labels = labelsNamed(repo, names);
        addIssueLabels(world, repo, issue, requireIssueWriter(repo, actor()), labels);
      }),

    removeLabel: (repoName, n, name) =>
      act(`unlabel #${n}`, () => {
        const repo = state.mustRepo(repoName);
        const issue = issueIn(repo, n);
        const [label] = labelsNamed(repo, [name]);
        if (label) removeIssueLabel(world, repo, issue, requireIssueWriter(repo, actor()), label);
      }),

    comment: (repoName, n, body) =>
      act(`comment on #${n}`, () => {
        const repo = state.mustRepo(repoName);
        return commentSnapshot(state, createComment(world, repo, issueIn(repo, n), actor(), body));
      }),

    editComment: (repoName, commentId, body) =>
      act(`edit comment ${commentId}`, () => {
        const repo = state.mustRepo(repoName);
        return commentSnapshot(state, editComment(world, repo, commentIn(repo, commentId), actor(), body));
      }),

    deleteComment: (repoName, commentId) =>
      act(`delete comment ${commentId}`, () => {
        const repo = state.mustRepo(repoName);
        deleteComment(world, repo, commentIn(repo, commentId), actor());
      }),

    react: (repoName, target, content) =>
      act('react', () => {
        const repo = state.mustRepo(repoName);
        if ('issue' in target) {
          addReaction(world, { issueId: issueIn(repo, target.issue).id, commentId: 0 }, actor(), content);
        } else {
          const comment = commentIn(repo, target.comment);
          addReaction(world, { issueId: comment.issueId, commentId: comment.id }, actor(), content);
        }
      }),

    openPullRequest: (repoName, o) =>
      act('open a pull request', () => {
        const repo = state.mustRepo(repoName);
        const user = actor();
        if (!repo.branches.has(o.head)) {
          const files = o.files ?? { [`changes/${o.head.replace(/[^\w.-]+/g, '-')}.md`]: `${o.title}\n` };
          pushFiles(world, repo, user, files, { branch: o.head, message: o.title });
        }
        const issue = createPullRequest(world, repo, user, {
          head: o.head,
          base: o.base ?? repo.defaultBranch,
          title: o.title,
          body: o.body,
          labels: labelsNamed(repo, o.labels ?? []),
        });
        return issueSnapshot(state, issue);
      }),

    pushToPullRequest: (repoName, n, files) =>
      act(`push to #${n}`, () => {
        const repo = state.mustRepo(repoName);
        const issue = issueIn(repo, n);
        if (!issue.pull) throw new Error(`Gitea fake: #${n} is not a pull request`);
        const change = files ?? {
          [`changes/${issue.pull.headBranch.replace(/[^\w.-]+/g, '-')}.md`]: `update ${repo.commits.size}\n`,
        };
        return pushFiles(world, repo, actor(), change, {
          branch: issue.pull.headBranch,
          message: `Update #${n}`,
        }).sha;
      }),

    review: (repoName, n, o) =>
      act(`review #${n}`, () => {
        const repo = state.mustRepo(repoName);
        const issue = issueIn(repo, n);
        if (!issue.pull) throw new Error(`Gitea fake: #${n} is not a pull request`);
        return submitReview(world, repo, issue, actor(), o).id;
      }),

    mergePullRequest: (repoName, n) =>
      act(`merge #${n}`, () => {
        const repo = state.mustRepo(repoName);
        mergePullRequest(world, repo, issueIn(repo, n), actor(), { style: 'merge' });
      }),

    writeFile: (repoName, path, content, o = {}) =>
      act(`edit ${path}`, () => {
        const repo = state.mustRepo(repoName);
        requireCodeWriter(repo, actor());
        const branch = o.branch ?? repo.defaultBranch;
        const head = repo.commits.get(repo.branches.get(branch) ?? '');
        if (!head) throw new Error(`Gitea fake: ${repoName} has no branch ${branch}`);
        // The editor sends the commit it opened at as last_commit_id: no blob sha to compare.
        const exists = head.files.has(path.replace(/^\/+/, ''));
        const operation = content === null ? 'delete' : exists ? 'update' : 'create';
        const change = { operation, path, content: content ?? undefined };
        return changeFiles(world, repo, actor(), [change], {
          branch,
          message: o.message || defaultChangeMessage([change]),
        }).sha;
      }),

    closePullRequest: (repoName, n) =>
      act(`close #${n}`, () => {
        const repo = state.mustRepo(repoName);
        editIssue(world, repo, issueIn(repo, n), actor(), { state: 'closed' });
      }),

    addDependency: (repoName, n, dependsOn) =>
      act(`make #${n} depend on #${dependsOn}`, () => {
        const repo = state.mustRepo(repoName);
        requireIssueWriter(repo, actor());
        // AddDependency (routers/web/repo/issue_dependency.go) refuses this; the API does not.
        if (n === dependsOn) {
          throw new Error(
            `Gitea fake: ${login} cannot make #${n} depend on #${dependsOn}: You cannot make an issue depend on itself.`,
          );
        }
        addDependency(issueIn(repo, n), issueIn(repo, dependsOn));
      }),
  };
}
