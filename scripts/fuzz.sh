#!/usr/bin/env bash
# Runs civiforge's fuzz targets (fuzz/, cargo fuzz with libFuzzer), each for a given time:
# installs cargo-fuzz when missing, seeds the corpora from the repository's data, then fuzzes
# one target after the other. Not part of the test run (.ci/run): see docs/fuzzing.md.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   SECONDS_PER_TARGET  default 60
#   TARGET              url_policy, publiccode, readme, search_query (default: all four)
# Environment:
#   FUZZ_SANITIZER      address (default) or none; with none, execs run about twice as fast
#   FUZZ_TARGET_DIR     build folder (default ~/.cache/civiforge-target-fuzz, apart from the
#                       main build's, since instrumented builds share nothing with it)
#
# Only a stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets it take the -Z flags that
# cargo fuzz passes (-Zsanitizer=address among them).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(url_policy publiccode readme search_query)
fi
sanitizer="${FUZZ_SANITIZER:-address}"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/civiforge-target-fuzz}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    nice -n 10 cargo install --locked cargo-fuzz
fi

echo "== seeding fuzz/corpus"
fuzz/seed.sh

# Per-target libFuzzer options: dictionary, longest input, time limit of one input.
options_for() {
    case "$1" in
        url_policy) echo "-dict=fuzz/dicts/url.dict -max_len=4096" ;;
        publiccode) echo "-dict=fuzz/dicts/yaml.dict -max_len=16384" ;;
        readme) echo "-dict=fuzz/dicts/markdown.dict -max_len=16384" ;;
        search_query) echo "-dict=fuzz/dicts/query.dict -max_len=2048" ;;
        *)
            echo "unknown fuzz target: $1" >&2
            return 1
            ;;
    esac
}

for target in "${targets[@]}"; do
    options_for "$target" >/dev/null
done

echo "== building ${targets[*]} (sanitizer: $sanitizer)"
for target in "${targets[@]}"; do
    nice -n 10 cargo fuzz build -O -a --sanitizer "$sanitizer" "$target"
done

failed=()
for target in "${targets[@]}"; do
    log="fuzz/artifacts/$target.log"
    mkdir -p "fuzz/artifacts/$target"
    echo "== fuzzing $target for ${seconds}s (log: $log)"
    # shellcheck disable=SC2046 # the options are words on purpose
    if nice -n 10 cargo fuzz run -O -a --sanitizer "$sanitizer" "$target" -- \
        $(options_for "$target") -timeout=60 -rss_limit_mb=4096 \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        # The last coverage line (cov: edges, ft: features, corp: corpus) and the totals.
        grep -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED)' "$log" | tail -n 1 || true
        grep -E '^Done [0-9]+ runs|^stat::average_exec_per_sec' "$log" || true
    else
        failed+=("$target")
        echo "!! $target failed; the end of its log:" >&2
        tail -n 40 "$log" >&2
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "== findings in: ${failed[*]} (inputs in fuzz/artifacts/<target>/; see docs/fuzzing.md)" >&2
    exit 1
fi
echo "== no finding"
