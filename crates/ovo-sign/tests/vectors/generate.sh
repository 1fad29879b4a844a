#!/usr/bin/env bash
# Regenerates vectors.json from independent implementations (Python cryptography/hmac, OpenSSL,
# DOKU's jokul-nodejs-library), in throw-away environments. Needs python3, node/npm and openssl.
#   ./generate.sh           rewrite vectors.json
#   ./generate.sh --check   fail if the committed vectors.json differs from a fresh generation
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check 'cryptography>=42'
(cd "$work" && npm install --silent --no-audit --no-fund jokul-nodejs-library@2.0.1 >/dev/null)
cp "$here/doku.js" "$work/doku.js"
# doku.js must resolve the library from the work dir.
sed -i "s|\"jokul-nodejs-library\"|\"$work/node_modules/jokul-nodejs-library\"|" "$work/doku.js"
DOKU_JS="$work/doku.js" "$work/venv/bin/python" "$here/generate.py" > "$work/vectors.json"
if [ "${1:-}" = "--check" ]; then
  # Versions of the tools may differ; the vectors themselves must not.
  strip() { grep -v '"python-cryptography\|"openssl ' "$1"; }
  diff <(strip "$here/vectors.json") <(strip "$work/vectors.json") && echo "vectors.json reproduces"
else
  cp "$work/vectors.json" "$here/vectors.json"
  echo "wrote $here/vectors.json"
fi
