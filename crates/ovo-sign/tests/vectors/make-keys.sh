#!/usr/bin/env bash
# Writes the TEST-ONLY RSA keys the known-answer vectors are signed with, using OpenSSL alone.
# Run once; the keys are committed so the vectors stay fixed. Never use these keys for anything real.
set -euo pipefail
cd "$(dirname "$0")/keys"
for bits in 2048 3072 4096; do
  [ -f "rsa$bits-pkcs1.pem" ] && continue
  openssl genrsa -traditional -out "rsa$bits-pkcs1.pem" "$bits"
  openssl pkcs8 -topk8 -nocrypt -in "rsa$bits-pkcs1.pem" -out "rsa$bits-pkcs8.pem"
  openssl rsa -in "rsa$bits-pkcs1.pem" -RSAPublicKey_out -out "rsa$bits-public-pkcs1.pem"
  openssl rsa -in "rsa$bits-pkcs1.pem" -pubout -out "rsa$bits-public-spki.pem"
  openssl req -new -x509 -key "rsa$bits-pkcs1.pem" -subj "/CN=ovo-rs TEST ONLY $bits" -days 36500 \
    -out "rsa$bits-cert.pem"
done
[ -f rsa1024-pkcs1.pem ] || openssl genrsa -traditional -out rsa1024-pkcs1.pem 1024
[ -f ec-p256-pkcs8.pem ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec-p256-pkcs8.pem
[ -f ec-p256-spki.pem ] || openssl pkey -in ec-p256-pkcs8.pem -pubout -out ec-p256-spki.pem
[ -f rsa2048-encrypted-pkcs8.pem ] || openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:test-only \
  -in rsa2048-pkcs1.pem -out rsa2048-encrypted-pkcs8.pem
