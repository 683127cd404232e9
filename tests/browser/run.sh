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
MODERATOR_TOKEN=$("$BIN" admin create-token --email "$CIVIFORGE_TEST_MODERATOR_EMAIL")
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
# A pooling structure with members declaring for them, and a working group.
moderate() { curl -sf -X "$1" -H "Authorization: Bearer $MODERATOR_TOKEN" -H 'Content-Type: application/json' -d "$2" "$CIVIFORGE_BASE_URL/api/v1/$3" >/dev/null; }
moderate POST '{"name": "IMIO", "kind": "intercommunale", "country": "BE"}' organisations
moderate PUT '{"members": ["commune-be-92094", "commune-be-58001", "cpas-be-58001"]}' organisations/org-imio/members
moderate POST '{"project": "opencimetiere", "version": "4.1.0", "members": ["commune-be-92094", "cpas-be-58001"]}' organisations/org-imio/adoptions
moderate POST '{"name": "Atreal", "kind": "company"}' organisations
moderate POST '{"organisation": "org-atreal", "services": ["support", "development"], "departements": ["13", "33"]}' projects/opencimetiere/providers
moderate POST '{"name": "Cimetières des Bouches-du-Rhône", "slug": "cimetieres-13", "theme": "Cimetières", "projects": ["opencimetiere"], "lead": "commune-13047", "members": ["commune-13047", "commune-13004"], "providers": ["org-atreal"], "status": "active", "actions": [{"text": "Version 4.2 avec la reprise des concessions", "target_version": "4.2", "due": "2027-06-30"}]}' groups
# Shared documents: minutes of the group (a file) and a study about the project (a link).
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' > "$WORK/compte-rendu.pdf"
curl -sf -H "Authorization: Bearer $MODERATOR_TOKEN" -F "title=Compte rendu de la réunion du 3 mars" -F kind=minutes \
  -F date=2026-03-03 -F organisation=commune-13047 -F "file=@$WORK/compte-rendu.pdf;filename=compte-rendu.pdf" \
  "$CIVIFORGE_BASE_URL/api/v1/groups/cimetieres-13/documents" >/dev/null
moderate POST '{"title": "Étude comparative des logiciels de cimetières", "kind": "study", "url": "https://adullact.org/etudes/cimetieres.pdf"}' projects/opencimetiere/documents
# A request to act for Arles, waiting for a moderator.
api -d '{"organisation": "commune-13004"}' "$CIVIFORGE_BASE_URL/api/v1/claims" >/dev/null
for _ in $(seq 1 150); do
  curl -s "$CIVIFORGE_BASE_URL/api/v1/projects/opencimetiere" | grep -q '"state":"ok"' && curl -sf "$CIVIFORGE_BASE_URL/readyz" >/dev/null && break
  sleep 0.2
done

cd "$ROOT/tests/browser"
SCREENSHOT_DIR="$ROOT/tests-output/screenshots" node --test --test-concurrency=1 journeys.test.mjs
