#!/bin/sh
# The aiworker service of compose.yaml: loads what the setup service made (the bot's token,
# password and webhook secret), sets the demo repository up for AiWorker (webhook, labels,
# project board; safe to repeat), says where to go, then runs the bot.
#   usage: start-aiworker.sh OWNER/NAME
set -eu

SETUP_DIR=${SETUP_DIR:-/setup}
REPO=$1

set -a
. "$SETUP_DIR/aiworker.env"
set +a

node bin/aiworker.js setup --repo "$REPO"

ADMIN_USER=$(awk '$1 == "user" { print $2 }' "$SETUP_DIR/login")
ADMIN_PASSWORD=$(awk '$1 == "password" { print $2 }' "$SETUP_DIR/login")
cat <<BANNER

  AiWorker is starting. Try it:
    1. Open http://localhost:3000/$REPO/issues
       and sign in as $ADMIN_USER, password $ADMIN_PASSWORD
    2. Open the issue there (or a new one) and add the label "ai".
    3. The bot answers in the issue with its questions; reply with /answer.
  Logs: docker compose logs -f aiworker

BANNER

exec node bin/aiworker.js start
