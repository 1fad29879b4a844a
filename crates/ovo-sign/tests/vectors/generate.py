#!/usr/bin/env python3
"""Generates vectors.json: known answers for ovo-sign from implementations independent of it.

Every expected value is computed here with Python's `cryptography`, `hmac` and `hashlib`, then
recomputed by a second implementation, and the script stops unless both agree:
  - RSA (SHA256withRSA, PKCS#1 v1.5 is deterministic): `openssl dgst -sha256 -sign`;
  - HMAC-SHA512: `openssl dgst -sha512 -hmac`;
  - DOKU POST: DOKU's own npm library `jokul-nodejs-library@2.0.1` (`getSignature`), run by doku.js.
Minified bodies are Python's `json.dumps(json.loads(b), separators=(',', ':'), ensure_ascii=False)`,
except for the cases that pin escapes, whose expected bytes are written out below by hand.

Usage (see generate.sh, which sets up the tools): python3 generate.py > vectors.json
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import cryptography
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

HERE = Path(__file__).resolve().parent
KEYS = HERE / "keys"
OPENSSL = subprocess.run(["openssl", "version"], capture_output=True, text=True, check=True).stdout.split()[1]
PY = f"python-cryptography {cryptography.__version__}"

TS = "2022-10-24T13:42:13.092+07:00"

BINDING_PRETTY = """{
    "phoneNo": "6281234567890",
    "merchantId": "oamerchantg",
    "redirectUrl": "https://merchant.example/ovo/callback?x=1&y=two words",
    "additionalInfo": {"deviceId": "dev 01", "channel": "mobile"}
}
"""
PAYMENT_PRETTY = """{
  "partnerReferenceNo" : "INV-2024-0001",
  "amount" : { "value" : "10000.00", "currency" : "IDR" },
  "urlParams" : [ { "url" : "https://merchant.example/return", "type" : "PAY_RETURN", "isDeeplink" : "N" } ],
  "payOptionDetails" : [ { "payMethod" : "CASH", "payOption" : "OVO", "transAmount" : { "value" : "10000.00", "currency" : "IDR" } } ],
  "additionalInfo" : { "subTransactionType" : "AUTO", "note" : "  two  spaces  ", "n" : null, "ok" : true }
}"""
UNICODE_BODY = '{ "name": "Setya Wardana", "city": "Yogyakarta 日本", "note": "café" }'
FAQ_BODY = '{"partnerReferenceNo":"085718159655","authCode":null}'

# Bodies whose minified form Python would re-escape differently: expected bytes written by hand.
ESCAPES_BODY = '{\n\t"a" : "caf\\u00e9 \\" \\\\ \\/ \\n",\r\n\t"b" : [ 1 , 2.50 , -0e+3 ]\n}'
ESCAPES_MINIFIED = '{"a":"caf\\u00e9 \\" \\\\ \\/ \\n","b":[1,2.50,-0e+3]}'


def minified(body: str, hand_written: str | None = None) -> str:
    if hand_written is not None:
        return hand_written
    if body.strip() == "":
        return ""
    return json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def private_key(name: str):
    return serialization.load_pem_private_key((KEYS / name).read_bytes(), password=None)


def rsa_sign(key_file: str, message: str) -> str:
    python = base64.b64encode(
        private_key(key_file).sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    ).decode()
    openssl = base64.b64encode(
        subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", str(KEYS / key_file)],
            input=message.encode("utf-8"), capture_output=True, check=True,
        ).stdout
    ).decode()
    if python != openssl:
        sys.exit(f"RSA disagreement for {key_file}: python {python} openssl {openssl}")
    return python


def hmac_sha512(secret: str, message: str) -> bytes:
    python = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha512).digest()
    openssl = subprocess.run(
        ["openssl", "dgst", "-sha512", "-hmac", secret, "-binary"],
        input=message.encode("utf-8"), capture_output=True, check=True,
    ).stdout
    if python != openssl:
        sys.exit("HMAC-SHA512 disagreement between python and openssl")
    return python


def doku_component(client_id, request_id, timestamp, target, body, label="Request-Timestamp"):
    text = f"Client-Id:{client_id}\nRequest-Id:{request_id}\n{label}:{timestamp}\nRequest-Target:{target}"
    if body is not None:
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        text += f"\nDigest:{digest}"
    return text


def doku_sign(secret: str, component: str) -> str:
    tag = hmac.new(secret.encode("utf-8"), component.encode("utf-8"), hashlib.sha256).digest()
    return "HMACSHA256=" + base64.b64encode(tag).decode()


def jokul(cases):
    """Recomputes the POST cases with DOKU's jokul-nodejs-library; returns their signatures."""
    request = [
        {"header": {"client-id": c["client_id"], "request-id": c["request_id"],
                    "request-timestamp": c["timestamp"], "request-target": c["target"]},
         "body": c["body"], "key": c["secret"]}
        for c in cases
    ]
    out = subprocess.run(["node", os.environ.get("DOKU_JS", str(HERE / "doku.js"))], input=json.dumps(request).encode(),
                         capture_output=True, check=True).stdout
    return json.loads(out)


def main():
    cases = []

    for bits in (2048, 3072, 4096):
        for form in ("pkcs1", "pkcs8"):
            for client_id, ts in (("oamerchantg", TS), ("CLIENT-ID_01", "2024-02-29T23:59:59+07:00")):
                key = f"rsa{bits}-{form}.pem"
                sts = f"{client_id}|{ts}"
                cases.append({
                    "name": f"snap-token/rsa{bits}-{form}/{client_id}",
                    "scheme": "snap-token",
                    "private_key": key, "public_keys": [f"rsa{bits}-public-pkcs1.pem", f"rsa{bits}-public-spki.pem", f"rsa{bits}-cert.pem"],
                    "client_id": client_id, "timestamp": ts,
                    "string_to_sign": sts, "signature": rsa_sign(key, sts),
                    "confirmed_by": [PY, f"openssl {OPENSSL}"],
                })

    binding_path = "/OVOSNAP/v2.0/oauth/account/registration-account-binding"
    for bits, body, label in ((2048, BINDING_PRETTY, "binding-pretty"), (4096, BINDING_PRETTY, "binding-pretty"),
                              (2048, FAQ_BODY, "faq-body"), (3072, UNICODE_BODY, "unicode")):
        key = f"rsa{bits}-pkcs8.pem"
        body_min = minified(body)
        sts = f"POST:{binding_path}:{sha256_hex(body_min)}:{TS}"
        cases.append({
            "name": f"snap-rsa-service/rsa{bits}/{label}",
            "scheme": "snap-rsa-service",
            "private_key": key, "public_keys": [f"rsa{bits}-public-pkcs1.pem"],
            "method": "POST", "path": binding_path, "timestamp": TS, "body": body,
            "minified_body": body_min, "string_to_sign": sts, "signature": rsa_sign(key, sts),
            "confirmed_by": [PY, f"openssl {OPENSSL}"],
        })

    service = [
        ("payment-pretty", "POST", "/OVOSNAP/v2.0/debit/payment-host-to-host", PAYMENT_PRETTY, None),
        ("faq-body", "POST", "/OVOSNAP/v1.0/oauth/account/registration-account-unbinding", FAQ_BODY, None),
        ("unicode", "POST", "/OVOSNAP/v2.0/balance-inquiry", UNICODE_BODY, None),
        ("escapes-kept", "POST", "/OVOSNAP/v2.0/debit/status", ESCAPES_BODY, ESCAPES_MINIFIED),
        ("empty-object", "POST", "/OVOSNAP/v2.0/balance-inquiry", "{}", None),
        ("no-body", "GET", "/user/v2/account/lookup?phone=6281234567890", "", None),
    ]
    for label, method, path, body, hand in service:
        for encoding in ("base64", "hex"):
            secret, token = "0f1e2d3c-client-secret+/=", "eyJhbGciOi.b2b-token.sig"
            body_min = minified(body, hand)
            sts = f"{method}:{path}:{token}:{sha256_hex(body_min)}:{TS}"
            tag = hmac_sha512(secret, sts)
            cases.append({
                "name": f"snap-service/{label}/{encoding}",
                "scheme": "snap-service",
                "client_secret": secret, "access_token": token,
                "method": method, "path": path, "timestamp": TS, "body": body, "encoding": encoding,
                "minified_body": body_min, "string_to_sign": sts,
                "signature": base64.b64encode(tag).decode() if encoding == "base64" else tag.hex(),
                "confirmed_by": ["python hmac", f"openssl {OPENSSL}"],
            })

    doku_post = [
        ("published-input-balance-empty", "MCH-0001-10791114622547", "15022aab-444f-4b04-afa8-ddfce89432ec",
         "2020-08-11T08:45:42Z", "/ovo-open-api/v1/balance", "", "SK-9sCrJ1kdYUJAYlsJKlqz"),
        ("binding", "BRN-0201-1612345678901", "b1f3c6a0-7d7e-4f55-9d4b-1a2b3c4d5e6f", "2024-03-01T01:02:03Z",
         "/ovo-open-api/v1/token",
         '{"customer":{"id":"CUST-1","name":"Setya Wardana","phone":"6281234567890"},'
         '"ovo_account":{"success_registration_url":"https://m.example/ok","failed_registration_url":"https://m.example/ko"}}',
         "SK-ab12CD34ef56GH78ij90"),
        ("payment-pretty-body", "BRN-0201-1612345678901", "req-0002", "2024-03-01T01:02:04Z",
         "/ovo-open-api/v1/payment-recurring",
         '{\n  "order": { "invoice_number": "INV-2024_0001", "amount": 15000 },\n  "payment": { "payment_use_ovo_point": true }\n}\n',
         "SK-ab12CD34ef56GH78ij90"),
        ("unicode-body", "BRN-0201-1612345678901", "req-0003", "2024-03-01T01:02:05Z",
         "/ovo-open-api/v1/payment-refund", '{"refund":{"reason":"barang rusak — café 日本"}}',
         "SK-ab12CD34ef56GH78ij90"),
        ("notification-target", "MCH-0001-10791114622547", "notif-7a8b9c", "2024-03-01T01:05:00Z",
         "/payments/notifications", '{"transaction":{"status":"SUCCESS"}}', "SK-9sCrJ1kdYUJAYlsJKlqz"),
    ]
    jokul_input = [dict(zip(("label", "client_id", "request_id", "timestamp", "target", "body", "secret"), row))
                   for row in doku_post]
    jokul_signatures = jokul(jokul_input)
    for row, by_jokul in zip(jokul_input, jokul_signatures):
        component = doku_component(row["client_id"], row["request_id"], row["timestamp"], row["target"], row["body"])
        signature = doku_sign(row["secret"], component)
        if signature != by_jokul:
            sys.exit(f"DOKU disagreement for {row['label']}: python {signature} jokul {by_jokul}")
        cases.append({
            "name": f"doku/post/{row['label']}", "scheme": "doku", "method": "POST",
            "timestamp_label": "Request-Timestamp",
            **{k: row[k] for k in ("client_id", "request_id", "timestamp", "target", "body", "secret")},
            "string_to_sign": component, "signature": signature,
            "confirmed_by": ["python hmac", "jokul-nodejs-library 2.0.1 (DOKU)"],
        })
    if cases[-len(doku_post)]["signature"] != "HMACSHA256=OQ6oQjPrc9Rt11JGTQyeh9n+dRFdlAB43B0AZj6kwz4=":
        sys.exit("the published-input DOKU row does not reproduce")

    for label, ts_label, body in (("get-status", "Request-Timestamp", None), ("response-post", "Response-Timestamp", '{"ovo_account":{"status":"SUCCESS"}}')):
        args = ("MCH-0001-10791114622547", "d895fb53-479c-4f77-a76a-ab81b40d77cb", "2020-08-11T08:45:42Z",
                "/orders/v1/status/INV-123123-12313")
        component = doku_component(*args, body, ts_label)
        cases.append({
            "name": f"doku/{label}", "scheme": "doku", "method": "GET" if body is None else "POST",
            "timestamp_label": ts_label,
            "client_id": args[0], "request_id": args[1], "timestamp": args[2], "target": args[3],
            "body": body, "secret": "SK-9sCrJ1kdYUJAYlsJKlqz",
            "string_to_sign": component, "signature": doku_sign("SK-9sCrJ1kdYUJAYlsJKlqz", component),
            "confirmed_by": ["python hmac"],
        })

    json.dump({"generated_by": "tests/vectors/generate.sh", "cases": cases}, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
