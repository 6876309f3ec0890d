#!/usr/bin/env bash
# The AiWorker agent: clone, let Claude Code do the subtask through the bot's MCP tools,
# push the branch, open the pull request. See README.md for the contract and exit codes.
set -euo pipefail

AGENT_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$AGENT_HOME/lib.sh"

readonly EXIT_CONFIG=2 EXIT_CHECKOUT=3 EXIT_NO_CHANGES=4 EXIT_PUSH=5 EXIT_PULL_REQUEST=6

aiw_check_env || exit "$EXIT_CONFIG"
if [ -z "${ANTHROPIC_API_KEY:-}${CLAUDE_CODE_OAUTH_TOKEN:-}${ANTHROPIC_AUTH_TOKEN:-}" ]; then
  aiw_log "warning: no ANTHROPIC_API_KEY, CLAUDE_CODE_OAUTH_TOKEN or ANTHROPIC_AUTH_TOKEN; Claude Code may not be able to sign in"
fi

export GIT_AUTHOR_NAME="${AGENT_GIT_NAME:-AiWorker Agent}"
export GIT_AUTHOR_EMAIL="${AGENT_GIT_EMAIL:-aiworker-agent@localhost}"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME"
export GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"

if aiw_in_clone; then
  aiw_log "working in the existing clone $(pwd -P)"
else
  workspace="${AIWORKER_WORKSPACE:-/workspace}/repo"
  aiw_log "cloning $(aiw_clone_url) into $workspace"
  aiw_git clone --quiet --depth 1 -- "$(aiw_clone_url)" "$workspace" || {
    aiw_log "could not clone $(aiw_clone_url)"
    exit "$EXIT_CHECKOUT"
  }
  cd "$workspace"
fi

base_commit=$(git rev-parse HEAD)
aiw_checkout_branch || exit "$EXIT_CHECKOUT"

mcp_config=$(aiw_write_mcp_config)
trap 'rm -f "$mcp_config"' EXIT

aiw_log "running Claude Code on $AIWORKER_TASK (branch $AIWORKER_BRANCH)"
claude_status=0
aiw_run_claude "$mcp_config" || claude_status=$?
aiw_log "Claude Code exited with $claude_status"

aiw_commit_remaining || exit "$EXIT_CHECKOUT"

if [ "$(git rev-parse HEAD)" = "$base_commit" ]; then
  aiw_log "no changes to propose: the branch has no commits"
  if [ "$claude_status" -ne 0 ]; then exit "$claude_status"; fi
  exit "$EXIT_NO_CHANGES"
fi

# Pushed even when Claude failed, so the work is not lost and a retry continues from it.
aiw_log "pushing $AIWORKER_BRANCH"
aiw_git push --quiet origin "HEAD:refs/heads/$AIWORKER_BRANCH" || {
  aiw_log "pushing $AIWORKER_BRANCH failed"
  exit "$EXIT_PUSH"
}

if [ "$claude_status" -ne 0 ]; then
  aiw_log "Claude Code failed; the work so far is on $AIWORKER_BRANCH, no pull request opened"
  exit "$claude_status"
fi

body_file=$(mktemp "${TMPDIR:-/tmp}/aiworker-pr.XXXXXX")
trap 'rm -f "$mcp_config" "$body_file"' EXIT
aiw_pr_body "$base_commit" >"$body_file"
node "$AGENT_HOME/open-pr.mjs" --title "$(aiw_pr_title "$base_commit")" --body-file "$body_file" || exit "$EXIT_PULL_REQUEST"
