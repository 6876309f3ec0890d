#!/bin/sh
# The one-shot "setup" service of compose.yaml, in Gitea's image, against the running Gitea:
# a Gitea administrator for you, the bot account and its access token (Gitea's own CLI, as
# docs/deploying.md shows for any Gitea), a demo repository the bot administers, with an
# issue to label. What AiWorker needs goes to $SETUP_DIR/aiworker.env, read by the aiworker
# service (start-aiworker.sh); that file also marks the setup as done. A second run changes
# nothing; a run that finds half a setup refuses, rather than guess.
set -eu

SETUP_DIR=${SETUP_DIR:-/setup}
GITEA_URL=${GITEA_URL:-http://gitea:3000}
ADMIN_USER=${ADMIN_USER:-demo}
BOT_USER=${BOT_USER:-aiworker}
REPO_NAME=${REPO_NAME:-todo}
ENV_FILE="$SETUP_DIR/aiworker.env"
LOGIN_FILE="$SETUP_DIR/login"

if [ -f "$ENV_FILE" ]; then
  echo "setup: already done ($ENV_FILE exists); nothing changed."
  echo "setup: to start over with a new Gitea: docker compose down --volumes && docker compose up"
  exit 0
fi

if [ "$(id -u)" = 0 ]; then
  # Gitea's CLI refuses to run as root: hand the output directory to Gitea's "git" user
  # (uid 1000 in Gitea's image, as the aiworker image's user is) and go on as that user.
  chown 1000:1000 "$SETUP_DIR"
  exec su-exec git sh "$0" "$@"
fi

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
user_exists() { gitea admin user list | awk 'NR > 1 { print $2 }' | grep -qx "$1"; }

for user in "$ADMIN_USER" "$BOT_USER"; do
  if user_exists "$user"; then
    echo "setup: Gitea already has a user \"$user\" but $ENV_FILE is missing: an earlier setup stopped halfway." >&2
    echo "setup: refusing to guess; start over with: docker compose down --volumes && docker compose up" >&2
    exit 1
  fi
done

ADMIN_PASSWORD=$(random_hex 12)
BOT_PASSWORD=$(random_hex 24)
WEBHOOK_SECRET=$(random_hex 32)
umask 077

# You, a Gitea administrator.
gitea admin user create --username "$ADMIN_USER" --email "$ADMIN_USER@example.com" --password "$ADMIN_PASSWORD" --admin --must-change-password=false
printf 'user %s\npassword %s\n' "$ADMIN_USER" "$ADMIN_PASSWORD" > "$LOGIN_FILE"

# The bot account, with a password (web login for the project board, per-run agent tokens).
gitea admin user create --username "$BOT_USER" --email "$BOT_USER@example.com" --password "$BOT_PASSWORD" --must-change-password=false
# Its access token: the scopes of the API calls AiWorker makes.
GITEA_TOKEN=$(gitea admin user generate-access-token --username "$BOT_USER" --token-name aiworker --scopes write:repository,write:issue,read:user --raw | tail -n 1)

# The demo repository, yours; the bot administers it (webhooks need a repository admin).
api() {
  curl -fsS -o /dev/null -X "$1" -u "$ADMIN_USER:$ADMIN_PASSWORD" -H 'Content-Type: application/json' --data "$3" "$GITEA_URL/api/v1$2"
}
api POST /user/repos "{\"name\":\"$REPO_NAME\",\"description\":\"A demo repository for AiWorker\",\"auto_init\":true,\"readme\":\"Default\",\"default_branch\":\"main\"}"
api PUT "/repos/$ADMIN_USER/$REPO_NAME/collaborators/$BOT_USER" '{"permission":"admin"}'
api POST "/repos/$ADMIN_USER/$REPO_NAME/issues" '{"title":"Tasks should have a due date","body":"Each task should get an optional due date, and overdue tasks should stand out in the list."}'

printf 'GITEA_TOKEN=%s\nGITEA_BOT_PASSWORD=%s\nWEBHOOK_SECRET=%s\n' "$GITEA_TOKEN" "$BOT_PASSWORD" "$WEBHOOK_SECRET" > "$ENV_FILE.partial"
mv "$ENV_FILE.partial" "$ENV_FILE"
echo "setup: Gitea users \"$ADMIN_USER\" and \"$BOT_USER\", the bot's token and $ADMIN_USER/$REPO_NAME are ready."
