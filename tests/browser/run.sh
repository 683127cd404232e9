#!/usr/bin/env bash
# Browser tests: builds civiforge, seeds a small catalogue (a real git repository, an
# account, an adoption), serves it on loopback, and runs the journeys in headless Chromium.
# Screenshots land in tests-output/screenshots/ (not committed).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/civiforge-target}"

if ! command -v chromium >/dev/null; then
  echo "== installing Debian's chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
npm ci --no-audit --no-fund --silent

(cd "$ROOT" && cargo build -q -p civiforge)
BIN="$CARGO_TARGET_DIR/debug/civiforge"
WORK=$(mktemp -d /tmp/civiforge-browser.XXXXXX)
SERVER=""
SMTP=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
  [ -n "$SMTP" ] && kill "$SMTP" 2>/dev/null
  wait 2>/dev/null; rm -rf "$WORK"
}
trap cleanup EXIT

# A real repository with a README and a tag.
REPO="$WORK/opencimetiere"
mkdir -p "$REPO"
git -C "$REPO" init -q -b main
printf '# openCimetière\n\nGestion des **cimetières**, des concessions et des défunts.\n\n## Installation\n\nVoir la documentation.\n' > "$REPO/README.md"
git -C "$REPO" add -A
git -C "$REPO" -c user.name="Équipe openMairie" -c user.email=contact@openmairie.org commit -qm "Version initiale"
git -C "$REPO" -c user.name="Équipe openMairie" -c user.email=contact@openmairie.org tag -a 4.1.0 -m "4.1.0"

cd "$WORK"
export CIVIFORGE_TEST_EMAIL="agent@mairie-istres.fr" CIVIFORGE_TEST_PASSWORD="un mot de passe solide"
echo "$CIVIFORGE_TEST_PASSWORD" | "$BIN" admin create-user --email "$CIVIFORGE_TEST_EMAIL" --name "Agent d'Istres" >/dev/null
TOKEN=$("$BIN" admin create-token --email "$CIVIFORGE_TEST_EMAIL")
export CIVIFORGE_TEST_MODERATOR_EMAIL="moderation@civiforge.test"
echo "$CIVIFORGE_TEST_PASSWORD" | "$BIN" admin create-user --email "$CIVIFORGE_TEST_MODERATOR_EMAIL" --name "Modération" --moderator >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export CIVIFORGE_BASE_URL="http://127.0.0.1:$PORT"
# Mail goes to a capture server on loopback, whose messages the journeys read.
SMTP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export CIVIFORGE_TEST_MAIL_DIR="$WORK/mail"
node "$ROOT/tests/browser/smtp-capture.mjs" "$SMTP_PORT" "$CIVIFORGE_TEST_MAIL_DIR" &
SMTP=$!
CIVIFORGE_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --allow-local-repositories \
  --smtp-url "smtp://127.0.0.1:$SMTP_PORT" --public-url "$CIVIFORGE_BASE_URL" 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "$CIVIFORGE_BASE_URL/healthz" >/dev/null && break; sleep 0.2; done
api() { curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
api -d "{\"repository_url\": \"$REPO\", \"name\": \"openCimetière\", \"summary\": \"Gestion des cimetières et des concessions funéraires.\", \"categories\": [\"cimetieres\"]}" "$CIVIFORGE_BASE_URL/api/v1/projects" >/dev/null
api -d '{"project": "opencimetiere", "organisation": "commune-13047", "version": "4.1.0", "since": "2015-05-04"}' "$CIVIFORGE_BASE_URL/api/v1/adoptions" >/dev/null
# A request to act for Arles, waiting for a moderator.
api -d '{"organisation": "commune-13004"}' "$CIVIFORGE_BASE_URL/api/v1/claims" >/dev/null
for _ in $(seq 1 150); do
  curl -s "$CIVIFORGE_BASE_URL/api/v1/projects/opencimetiere" | grep -q '"state":"ok"' && curl -sf "$CIVIFORGE_BASE_URL/readyz" >/dev/null && break
  sleep 0.2
done

cd "$ROOT/tests/browser"
SCREENSHOT_DIR="$ROOT/tests-output/screenshots" node --test --test-concurrency=1 journeys.test.mjs
