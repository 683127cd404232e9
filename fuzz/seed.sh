#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs taken from the repository's own data: hostile
# URLs from the indexer's tests, the publiccode.yml fixtures and real files of the indexer's tests,
# the READMEs of the README tests and of the project, and queries from the search tests.
# Idempotent: a seed is named by the SHA-1 of its content, as libFuzzer names its finds, so
# reruns add nothing twice and keep what fuzzing found. Usage: fuzz/seed.sh
set -euo pipefail

fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$fuzz_dir")"
corpus="$fuzz_dir/corpus"
# The publiccode.yml files of the indexer's tests (fixtures, the standard's examples, real files).
publiccode_data="$repo/indexer/tests/data/publiccode"

# add TARGET: stores standard input as one seed of TARGET.
add() {
    local target="$1" tmp
    mkdir -p "$corpus/$target"
    tmp="$(mktemp "$corpus/$target/.seed.XXXXXX")"
    cat >"$tmp"
    if [ -s "$tmp" ]; then
        mv "$tmp" "$corpus/$target/$(sha1sum "$tmp" | cut -c1-40)"
    else
        rm -f "$tmp"
    fi
}

# add_lines TARGET: each line of standard input is one seed.
add_lines() {
    local line
    while IFS= read -r line; do
        printf '%s' "$line" | add "$1"
    done
}

# --- url_policy: URLs quoted in the URL policy's and the fetcher's tests, and a few more.
grep -ohE '"(https?://|git://|ssh://|file:|ext::|git@|/|-)[^"]*"' \
    "$repo/indexer/src/url_policy.rs" "$repo/indexer/tests/fetch.rs" \
    "$repo/indexer/src/readme/tests.rs" |
    sed -e 's/^"//' -e 's/"$//' | grep -v '[{}]' | sort -u | add_lines url_policy
add_lines url_policy <<'EOF'
https://gitlab.adullact.net/openmairie/openelec.git
https://github.com/IMIO/Products.PloneMeeting
https://codeberg.org/commune/outil.git
https://forge.example.org:8443/groupe/projet.git?ref=main#readme
https://8.8.8.8/repo.git
https://[2a00:1450:4007::1]/repo.git
https://[::ffff:8.8.8.8]/x.git
https://[64:ff9b::808:808]/x.git
https://[2002:808:808::1]/x.git
https://xn--mairie-6ua.fr/depot.git
https://mairie.localhost./x.git
https://0x7f000001/x.git
https://0177.0.0.1/x.git
https://127.1/x.git
https://[::1]:22/x.git
https://%6c%6fcalhost/x.git
http://192.168.1.10/x.git
git://10.0.0.2/x.git
file:///srv/git/repo
file://localhost/srv/git/repo
/srv/git/repo.git
EOF

# --- publiccode: every fixture and real file of the indexer's tests.
while IFS= read -r -d '' file; do
    add publiccode <"$file"
done < <(find "$publiccode_data" -type f \( -name '*.yml' -o -name '*.yaml' \) -print0)
add publiccode <<'EOF'
publiccodeYmlVersion: "0"
name: Exemple
url: "https://forge.example.org/exemple.git"
softwareVersion: 1.10
releaseDate: "2024-03-31"
platforms: [web]
categories: [it-development]
developmentStatus: stable
softwareType: standalone/web
description:
  fr:
    shortDescription: Un exemple.
    longDescription: &long >
      Un exemple de publiccode.yml assez long pour passer la longueur minimale demandée par
      le standard pour une description longue, avec des caractères accentués : é, è, à.
    features: [Exemple]
legal:
  license: AGPL-3.0-or-later
maintenance:
  type: community
  contacts:
    - name: Julien
      email: julien@agglo.fr
localisation:
  localisationReady: true
  availableLanguages: [fr]
it:
  countryExtensionVersion: "1.0"
EOF

# --- readme: first byte = selector (bits 0-1: 0 Markdown, 2 reStructuredText, 3 plain;
# bit 2: GitHub link base; bits 3 and 4: repeat mode), then the README.
readme_seed() {
    { printf "\\x$(printf %02x "$1")"; cat; } | add readme
}
# The READMEs quoted in the README tests (raw strings between r#" and "#).
awk '/r#"/ { inside = 1; sub(/.*r#"/, ""); buf = "" }
     inside && /"#/ { sub(/"#.*/, ""); buf = buf $0; printf "%s%c", buf, 0; inside = 0; next }
     inside { buf = buf $0 "\n" }' "$repo/indexer/src/readme/tests.rs" |
    while IFS= read -r -d '' source; do
        printf '%s' "$source" | readme_seed 4
        printf '%s' "$source" | readme_seed 0
    done
for file in "$repo"/README.md "$repo"/docs/*.md; do
    [ -f "$file" ] && readme_seed 4 <"$file"
done
readme_seed 2 <<'EOF'
Titre
=====

Un *README* en reStructuredText : <script>alert(1)</script> & "guillemets".
EOF
printf '# Pr\xe9sentation\n\nFichier en Windows-1252 : \x80 \x9c\n' | readme_seed 0
# Repeat mode: a count (little-endian u16) and a unit, for deep nesting.
printf '\x40\x00> - ' | readme_seed 24
printf '\x40\x00<div>' | readme_seed 24
printf '\x40\x00**a' | readme_seed 24

# --- search_query: queries from the search tests and a few more.
add_lines search_query <<'EOF'
état civil "listes électorales" -cimetière
name:openelec
a AND b OR c
"unterminated phrase
(brackets] {braces} [x TO y]
title:"x"^3 +must -
~2 fuzzy~ \
---
l'état-civil
« marchés publics » -« ressources humaines »
“urbanisme” SIG
Œuf-en-Ternois Berre-l'Étang
EOF

for target in url_policy publiccode readme search_query; do
    echo "seed.sh: $target: $(find "$corpus/$target" -type f | wc -l) inputs in fuzz/corpus/$target"
done
