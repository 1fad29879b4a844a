#!/usr/bin/env bash
# Our SHA256withRSA signing rate against `openssl speed` on this machine, in one run, per backend:
#   crates/ovo-sign/benches/compare.sh [ring|aws-lc-rs ...]   (default: both)
# Ours and OpenSSL's are measured in alternating rounds (ROUNDS, 3 by default), so that a drift of
# the machine's speed during the run hits both alike; each rate printed is the median of its
# rounds, with ours over OpenSSL's. Needs `openssl` on PATH; takes about a minute per round.
set -euo pipefail
cd "$(dirname "$0")/../../.."
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(ring aws-lc-rs)
rounds=${ROUNDS:-3}

ours() { # backend -> "bits rate" lines (the floor bench's --rsa-only output)
  cargo bench --quiet -p ovo-sign --no-default-features --features "$1" --bench floor -- \
    --rsa-only --measurement-time 5 2>/dev/null |
    awk '$1 ~ /^rsa[0-9]+$/ {sub("rsa", "", $1); print $1, $4}'
}
# `openssl speed` ends with a table: "rsa 2048 bits 0.000681s 0.000020s 1468.2 49000.1".
theirs() {
  openssl speed -seconds 5 rsa2048 rsa4096 2>/dev/null |
    awk '$1 == "rsa" && $3 == "bits" {print $2, $6}'
}
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
for round in $(seq "$rounds"); do
  for backend in "${backends[@]}"; do
    ours "$backend" | sed "s/^/$backend /" >>"$samples"
  done
  theirs | sed 's/^/openssl /' >>"$samples"
  echo "round $round of $rounds done" >&2
done

rate() { awk -v who="$1" -v bits="$2" '$1 == who && $2 == bits {print $3}' "$samples" | median; }
echo "$(openssl version) on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), median of $rounds alternating rounds"
for bits in 2048 4096; do
  openssl=$(rate openssl "$bits")
  for backend in "${backends[@]}"; do
    mine=$(rate "$backend" "$bits")
    awk -v b="$backend" -v bits="$bits" -v o="$mine" -v t="$openssl" \
      'BEGIN { printf "rsa%s sign/s: ovo-sign (%s) %.0f, openssl %.0f, ratio = %.2f\n", bits, b, o, t, o / t }'
  done
done
