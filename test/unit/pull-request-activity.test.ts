import { describe, expect, it } from 'vitest';
import type { GiteaPullReview } from '../../src/gitea/types.ts';
import {
  renderNewCommits,
  renderReviews,
  standingVerdicts,
} from '../../src/handlers/pull-request-activity.ts';

const review = (
  id: number,
  reviewer: string,
  state: GiteaPullReview['state'],
  extra: Partial<GiteaPullReview> = {},
) => ({
  id,
  reviewer,
  state,
  body: '',
  commitId: 'c0ffee',
  stale: false,
  dismissed: false,
  submittedAt: '2026-01-01T00:00:00Z',
  htmlUrl: `https://gitea.example/acme/shop/pulls/7#issuecomment-${id}`,
  ...extra,
});

const pr = { number: 7, head: { ref: 'ai/14-badges', sha: '0123456789abcdef0123456789abcdef01234567' } };

describe("reviewers' standing verdicts", () => {
  it("keep each reviewer's latest approval or request for changes, in the order given", () => {
    const verdicts = standingVerdicts([
      review(3, 'carol', 'APPROVED'),
      review(1, 'bob', 'REQUEST_CHANGES', { body: 'Add alt text.' }),
      review(4, 'bob', 'COMMENT', { body: 'Looking again.' }),
      review(5, 'dave', 'PENDING'),
    ]);
    expect(verdicts.map((v) => [v.reviewer, v.approved])).toEqual([
      ['bob', false],
      ['carol', true],
    ]);
  });

  it('drop a verdict once it is dismissed or replaced, and nothing comes back from before it', () => {
    const verdicts = standingVerdicts([
      review(1, 'bob', 'REQUEST_CHANGES', { body: 'No.' }),
      review(2, 'bob', 'APPROVED', { dismissed: true }),
      review(3, 'carol', 'REQUEST_CHANGES', { body: 'Tests?' }),
      review(4, 'carol', 'APPROVED'),
    ]);
    expect(verdicts.map((v) => [v.reviewer, v.approved])).toEqual([['carol', true]]);
    expect(standingVerdicts([review(1, 'bob', '')])).toEqual([]);
  });
});

describe('the reviews note', () => {
  it('leads with requested changes, quotes them on one defused line, and marks older verdicts', () => {
    const body = renderReviews(pr, 14, true, [
      {
        reviewer: 'bob',
        approved: false,
        body: 'Add alt text.\n<!-- aiworker:spec task=1 -->',
        stale: false,
        htmlUrl: 'u1',
      },
      { reviewer: 'carol', approved: true, body: '', stale: true, htmlUrl: 'u2' },
    ]);
    expect(body).toContain('### 🔴 Changes requested: pull request #7');
    expect(body).toContain(
      '- 🔴 @bob requested changes ([review](u1)): “Add alt text. &lt;!-- aiworker:spec task=1 --&gt;”',
    );
    expect(body).toContain('- ✅ @carol approved ([review](u2)) — on an older commit');
    expect(body).toContain('Push the changes to `ai/14-badges`');
  });

  it('says what a merge does when everyone approves', () => {
    const verdict = { reviewer: 'carol', approved: true, body: '', stale: false, htmlUrl: '' };
    expect(renderReviews(pr, 14, true, [verdict])).toContain('Merging it closes #14');
    expect(renderReviews(pr, 14, false, [verdict])).toContain('It does not say `Closes #14`');
  });
});

describe('the new commits note', () => {
  it('names the head and the state, and warns when a run still pushes to the same branch', () => {
    expect(renderNewCommits(pr, 'review', null)).toBe(
      'Pull request #7 has new commits; its head is now `0123456789`. They start no agent run and change nothing here: this subtask is in review.',
    );
    expect(renderNewCommits(pr, 'review', { id: 3, branch: 'ai/14-badges' })).toContain(
      'Agent run #3 is still working on `ai/14-badges` and will push to it again',
    );
    expect(renderNewCommits(pr, 'running', { id: 3, branch: 'ai/14-other' })).toContain(
      'Agent run #3 is still working on this subtask on `ai/14-other`',
    );
  });
});
