#!/usr/bin/env bash
# Our SHA256withRSA signing rate against `openssl speed` on this machine, in one run, per backend:
#   crates/ovo-sign/benches/compare.sh [ring|aws-lc-rs ...]   (default: both)
# Prints each rate and ours over OpenSSL's. Needs `openssl` on PATH; takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/../../.."
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(ring aws-lc-rs)

ours() { # backend bits -> signatures per second (the floor bench's --rsa-only line)
  cargo bench --quiet -p ovo-sign --no-default-features --features "$1" --bench floor -- \
    --rsa-only --measurement-time 5 2>/dev/null | awk -v bits="$2" '$1 == "rsa" bits {print $4}'
}
declare -A rate
for backend in "${backends[@]}"; do
  for bits in 2048 4096; do
    rate[$backend,$bits]=$(ours "$backend" "$bits")
  done
done

# `openssl speed` ends with a table: "rsa 2048 bits 0.000681s 0.000020s 1468.2 49000.1".
speed=$(openssl speed -seconds 5 rsa2048 rsa4096 2>/dev/null)
openssl_rate() { echo "$speed" | awk -v bits="$1" '$1 == "rsa" && $2 == bits && $3 == "bits" {print $6}' | tail -n 1; }

echo "$(openssl version) on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
for bits in 2048 4096; do
  theirs=$(openssl_rate "$bits")
  for backend in "${backends[@]}"; do
    mine=${rate[$backend,$bits]}
    awk -v b="$backend" -v bits="$bits" -v o="$mine" -v t="$theirs" \
      'BEGIN { printf "rsa%s sign/s: ovo-sign (%s) %.0f, openssl %.0f, ratio = %.2f\n", bits, b, o, t, o / t }'
  done
done
