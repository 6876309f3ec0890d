import type { GiteaEvent } from '../domain/events.ts';

/**
 * Loop prevention (docs/architecture.md §3): the bot's own actions fire webhooks too, and a reply to one of
 * its own comments would answer itself forever. Every comment the bot writes carries this
 * marker, so a marked comment is the bot's even when written through another account.
 */
export const AIWORKER_MARKER_PREFIX = '<!-- aiworker:';

export function hasAiworkerMarker(text: string): boolean {
  return text.includes(AIWORKER_MARKER_PREFIX);
}

/** Why the event must be dropped, or null when it may be handled. Logins compare case-insensitively, like Gitea's. */
export function loopPreventionReason(event: GiteaEvent, botLogin: string): string | null {
  const bot = botLogin.trim().toLowerCase();
  if (bot !== '' && event.sender?.login.toLowerCase() === bot) {
    return `sent by the bot itself (${event.sender.login})`;
  }
  if (event.comment && hasAiworkerMarker(event.comment.comment.body)) {
    return 'the comment carries an aiworker marker';
  }
  return null;
}
