//! OVO direct over SNAP: request checks shared by every endpoint, and the error envelope.
//!
//! Checks run in the provider's order: the headers the signature needs, known partner,
//! signature, timestamp window, `CHANNEL-ID` and `X-DEVICE-ID`, `X-EXTERNAL-ID` uniqueness, then
//! the body's field rules.

use http::StatusCode;
use ovo_model::endpoint::header;
use ovo_model::snap::{DeviceId, ErrorEnvelope, ExternalId};
use ovo_model::{Case, FieldError, ModelError, ResponseCode, ServiceCode, Validate};
use ovo_sign::{SignatureEncoding, snap as signing};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::config::AcceptedEncoding;
use crate::provider::Env;
use crate::provider::exchange::{Incoming, Reply};
use crate::provider::state::{Partner, State};

pub(crate) mod linking;
pub(crate) mod payment;
pub(crate) mod tokens;

/// An answer with this code and message; the HTTP status is the code's first three digits.
pub(crate) fn envelope(code: ResponseCode, message: &str) -> Reply {
    answer(
        code,
        &ErrorEnvelope {
            response_code: code,
            response_message: message.to_owned(),
        },
    )
}

/// A typed answer of `ovo-model`, serialized; the HTTP status is the code's first three digits.
pub(crate) fn answer(code: ResponseCode, body: &impl Serialize) -> Reply {
    let status =
        StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Reply::json(status, body)
}

/// The code and message of a success: `Successful`, or `Transaction still on process` for 202.
pub(crate) fn succeeded(status: u16, service: ServiceCode) -> (ResponseCode, String) {
    let message = if status == 202 {
        "Transaction still on process"
    } else {
        "Successful"
    };
    (ResponseCode::new(status, service, 0), message.to_owned())
}

/// A body whose `ovo-model` type has no `responseCode`/`responseMessage` (the lookup, Generate
/// Token, the Top Up Instruction: OVO-signed APIs outside SNAP whose envelopes are not public),
/// sent with SNAP's code and message as well \[I\].
#[derive(Debug, Serialize)]
pub(crate) struct WithCode<T> {
    #[serde(flatten)]
    pub(crate) code: ErrorEnvelope,
    #[serde(flatten)]
    pub(crate) body: T,
}

/// An error answer for a case of the SNAP table, with a detail after the standard message.
pub(crate) fn fail(service: ServiceCode, case: Case, detail: &str) -> Reply {
    let (status, case_code) = case.code().unwrap_or((500, 0));
    let message = if detail.is_empty() {
        case.message().to_owned()
    } else {
        format!("{}. {detail}", case.message())
    };
    envelope(ResponseCode::new(status, service, case_code), &message)
}

/// A success answer of a body without SNAP's code and message of its own ([`WithCode`]).
pub(crate) fn success(status: u16, service: ServiceCode, body: impl Serialize) -> Reply {
    let (response_code, response_message) = succeeded(status, service);
    answer(
        response_code,
        &WithCode {
            code: ErrorEnvelope {
                response_code,
                response_message,
            },
            body,
        },
    )
}

/// `400xx01 Invalid Field Format {field}` or `400xx02 Invalid Mandatory Field {field}`.
pub(crate) fn field_error(service: ServiceCode, error: &FieldError) -> Reply {
    let case = if error.is_mandatory() {
        Case::InvalidMandatoryField
    } else {
        Case::InvalidFieldFormat
    };
    let (status, case_code) = case.code().unwrap_or((400, 0));
    envelope(
        ResponseCode::new(status, service, case_code),
        &format!("{} {}", case.message(), error.path),
    )
}

/// Parses and validates a SNAP body, answering field errors the SNAP way.
pub(crate) fn parse<T: DeserializeOwned + Validate>(
    service: ServiceCode,
    body: &[u8],
) -> Result<T, Reply> {
    ovo_model::from_json(body).map_err(|error| match error {
        ModelError::Field(field) => field_error(service, &field),
        _ => fail(service, Case::BadRequest, "malformed JSON body"),
    })
}

/// A mandatory header's value.
fn header<'a>(request: &'a Incoming, service: ServiceCode, name: &str) -> Result<&'a str, Reply> {
    match request.header(name) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(field_error(
            service,
            &FieldError::new(name, ovo_model::FieldErrorKind::Missing),
        )),
    }
}

/// `X-TIMESTAMP`'s form.
fn parse_timestamp(service: ServiceCode, timestamp: &str) -> Result<OffsetDateTime, Reply> {
    ovo_sign::parse_snap_timestamp(timestamp).map_err(|_| {
        field_error(
            service,
            &FieldError::new(
                header::X_TIMESTAMP,
                ovo_model::FieldErrorKind::Pattern {
                    expected: "RFC 3339, as yyyy-MM-ddTHH:mm:ss.SSS+07:00",
                },
            ),
        )
    })
}

/// `X-TIMESTAMP` within the window of the sandbox clock, either way.
fn check_window(env: &Env<'_>, service: ServiceCode, at: OffsetDateTime) -> Result<(), Reply> {
    let skew = (env.now - at).unsigned_abs();
    if skew > env.config.timestamp_window {
        return Err(fail(
            service,
            Case::Unauthorized,
            "X-TIMESTAMP is outside the accepted window",
        ));
    }
    Ok(())
}

fn partner(state: &State, service: ServiceCode, client_id: &str) -> Result<Partner, Reply> {
    state
        .partners
        .get(client_id)
        .cloned()
        .ok_or_else(|| fail(service, Case::Unauthorized, "Unknown client"))
}

fn signature_failed(service: ServiceCode) -> Reply {
    fail(service, Case::Unauthorized, "Signature Failed")
}

/// The access-token calls: `X-CLIENT-KEY`, `X-TIMESTAMP`, RSA `X-SIGNATURE` over
/// `client_id|timestamp` \[P\].
pub(crate) fn check_token_call(
    env: &Env<'_>,
    state: &State,
    request: &Incoming,
    service: ServiceCode,
) -> Result<Partner, Reply> {
    let client_id = header(request, service, header::X_CLIENT_KEY)?;
    let timestamp = header(request, service, header::X_TIMESTAMP)?;
    let signature = header(request, service, header::X_SIGNATURE)?;
    let at = parse_timestamp(service, timestamp)?;
    let partner = partner(state, service, client_id)?;
    signing::verify_token(&partner.public_keys, client_id, timestamp, signature)
        .map_err(|_| signature_failed(service))?;
    check_window(env, service, at)?;
    Ok(partner)
}

/// The headers a service call's signature needs, checked before it: OVO's published unbinding
/// example, without `CHANNEL-ID` and `X-DEVICE-ID` and with a signature that does not verify, is
/// answered `401xx00 Signature Failed` \[S\], so those two are checked after the signature.
struct Signed<'a> {
    partner_id: &'a str,
    timestamp: &'a str,
    at: OffsetDateTime,
    signature: &'a str,
    external_id: &'a str,
}

fn signed_headers<'a>(request: &'a Incoming, service: ServiceCode) -> Result<Signed<'a>, Reply> {
    let partner_id = header(request, service, header::X_PARTNER_ID)?;
    let timestamp = header(request, service, header::X_TIMESTAMP)?;
    let signature = header(request, service, header::X_SIGNATURE)?;
    let external_id = header(request, service, header::X_EXTERNAL_ID)?;
    ExternalId::new(external_id).map_err(|e| field_error(service, &e))?;
    let at = parse_timestamp(service, timestamp)?;
    Ok(Signed {
        partner_id,
        timestamp,
        at,
        signature,
        external_id,
    })
}

/// After the signature: the timestamp window, then `CHANNEL-ID` and `X-DEVICE-ID`.
fn after_signature(
    env: &Env<'_>,
    request: &Incoming,
    service: ServiceCode,
    signed: &Signed<'_>,
) -> Result<(), Reply> {
    check_window(env, service, signed.at)?;
    let channel = header(request, service, header::CHANNEL_ID)?;
    ovo_model::snap::ChannelId::new(channel).map_err(|e| field_error(service, &e))?;
    DeviceId::new(header(request, service, header::X_DEVICE_ID)?)
        .map_err(|e| field_error(service, &e))?;
    Ok(())
}

fn claim_external_id(
    env: &Env<'_>,
    state: &mut State,
    service: ServiceCode,
    client_id: &str,
    external_id: &str,
) -> Result<(), Reply> {
    if state.claim_external_id(client_id, env.now, external_id) {
        Ok(())
    } else {
        Err(fail(
            service,
            Case::DuplicateExternalId,
            "Cannot use same X-EXTERNAL-ID in same day",
        ))
    }
}

/// A call signed with the partner's RSA key over `METHOD:path:hash:timestamp` (account binding).
pub(crate) fn check_rsa_service_call(
    env: &Env<'_>,
    state: &mut State,
    request: &Incoming,
    service: ServiceCode,
) -> Result<(Partner, String), Reply> {
    let headers = signed_headers(request, service)?;
    let partner = partner(state, service, headers.partner_id)?;
    let path = request.path_and_query();
    let signed = signing::RsaServiceRequest {
        method: request.method.as_str(),
        path: &path,
        body: &request.body,
        timestamp: headers.timestamp,
    };
    signing::verify_rsa_service(&partner.public_keys, &signed, headers.signature)
        .map_err(|_| signature_failed(service))?;
    after_signature(env, request, service, &headers)?;
    claim_external_id(env, state, service, &partner.client_id, headers.external_id)?;
    Ok((partner, headers.external_id.to_owned()))
}

/// A call signed with HMAC-SHA512 over `METHOD:path:token:hash:timestamp`, the token being the one
/// in `Authorization`. Returns the partner, the bearer token and the external id.
pub(crate) fn check_symmetric_call(
    env: &Env<'_>,
    state: &mut State,
    request: &Incoming,
    service: ServiceCode,
) -> Result<(Partner, String, String), Reply> {
    let headers = signed_headers(request, service)?;
    let token = bearer(request, service)?;
    let partner = partner(state, service, headers.partner_id)?;
    let path = request.path_and_query();
    let signed = signing::ServiceRequest {
        method: request.method.as_str(),
        path: &path,
        access_token: &token,
        body: &request.body,
        timestamp: headers.timestamp,
    };
    let encodings: &[SignatureEncoding] = match env.config.accepted_encoding {
        AcceptedEncoding::Either => &[SignatureEncoding::Base64, SignatureEncoding::HexLower],
        AcceptedEncoding::Base64 => &[SignatureEncoding::Base64],
        AcceptedEncoding::Hex => &[SignatureEncoding::HexLower],
    };
    let verified = encodings.iter().any(|&encoding| {
        signing::verify_service(&partner.secrets, &signed, encoding, headers.signature).is_ok()
    });
    if !verified {
        return Err(signature_failed(service));
    }
    after_signature(env, request, service, &headers)?;
    claim_external_id(env, state, service, &partner.client_id, headers.external_id)?;
    Ok((partner, token, headers.external_id.to_owned()))
}

/// The token of `Authorization: Bearer <token>`.
pub(crate) fn bearer(request: &Incoming, service: ServiceCode) -> Result<String, Reply> {
    let value = header(request, service, "Authorization")?;
    value
        .strip_prefix("Bearer ")
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            field_error(
                service,
                &FieldError::new(
                    "Authorization",
                    ovo_model::FieldErrorKind::Pattern {
                        expected: "Bearer <token>",
                    },
                ),
            )
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a failing test should fail loudly
mod tests {
    use std::time::Duration;

    use ovo_sign::SignatureEncoding;
    use serde_json::json;

    use super::*;
    use crate::config::SandboxConfig;
    use crate::provider::testkit::{NOW, PARTNER, SnapCall, WRONG_SECRET, World, snap_code};

    const SERVICE: ServiceCode = ServiceCode::DIRECT_DEBIT_STATUS;
    /// One second beyond the default window of 300 s.
    const LATE: Duration = Duration::from_secs(301);

    /// A status inquiry of `PARTNER`, signed right, `X-EXTERNAL-ID: ext-1`.
    fn call() -> SnapCall {
        SnapCall::post(
            "/OVOSNAP/v2.0/debit/status",
            "access-1",
            &json!({"originalPartnerReferenceNo": "INV-1", "serviceCode": "55"}),
        )
    }

    /// The symmetric call's checks: the partner, the token and the external id, or the refusal's
    /// code and message.
    fn check(
        world: &mut World,
        request: &Incoming,
    ) -> Result<(String, String, String), (ResponseCode, String)> {
        world
            .with_env(|state, env| check_symmetric_call(env, state, request, SERVICE))
            .map(|(partner, token, external_id)| (partner.client_id, token, external_id))
            .map_err(|refused| snap_code(&refused))
    }

    fn passed(external_id: &str) -> Result<(String, String, String), (ResponseCode, String)> {
        Ok((
            PARTNER.to_owned(),
            "access-1".to_owned(),
            external_id.to_owned(),
        ))
    }

    fn refused(
        case: Case,
        message: &str,
    ) -> Result<(String, String, String), (ResponseCode, String)> {
        let (status, case_code) = case.code().unwrap();
        Err((
            ResponseCode::new(status, SERVICE, case_code),
            message.to_owned(),
        ))
    }

    #[test]
    fn each_refused_request_gets_its_code_and_claims_no_external_id() {
        let missing = |name: &str| {
            (
                call().signed().without(name),
                refused(
                    Case::InvalidMandatoryField,
                    &format!("Invalid Mandatory Field {name}"),
                ),
            )
        };
        let bad_signature = SnapCall {
            secret: WRONG_SECRET.to_owned(),
            ..call()
        };
        let signature_failed = refused(Case::Unauthorized, "Unauthorized. Signature Failed");
        let outside = refused(
            Case::Unauthorized,
            "Unauthorized. X-TIMESTAMP is outside the accepted window",
        );
        let cases = [
            missing("X-PARTNER-ID"),
            missing("X-TIMESTAMP"),
            missing("X-SIGNATURE"),
            missing("X-EXTERNAL-ID"),
            missing("Authorization"),
            missing("CHANNEL-ID"),
            missing("X-DEVICE-ID"),
            (
                call().signed().with("X-SIGNATURE", ""),
                refused(
                    Case::InvalidMandatoryField,
                    "Invalid Mandatory Field X-SIGNATURE",
                ),
            ),
            (
                call().signed().with("X-TIMESTAMP", "2026-12-01T17:00:00"),
                refused(Case::InvalidFieldFormat, "Invalid Field Format X-TIMESTAMP"),
            ),
            (
                call().signed().with("X-TIMESTAMP", "1764583200000"),
                refused(Case::InvalidFieldFormat, "Invalid Field Format X-TIMESTAMP"),
            ),
            (
                call().external_id(&"9".repeat(37)).signed(),
                refused(
                    Case::InvalidFieldFormat,
                    "Invalid Field Format X-EXTERNAL-ID",
                ),
            ),
            (
                call().signed().with("Authorization", "Basic access-1"),
                refused(
                    Case::InvalidFieldFormat,
                    "Invalid Field Format Authorization",
                ),
            ),
            (
                SnapCall {
                    partner: "q".to_owned(),
                    ..call()
                }
                .signed(),
                refused(Case::Unauthorized, "Unauthorized. Unknown client"),
            ),
            (bad_signature.signed(), signature_failed.clone()),
            (
                call().signed().with("Authorization", "Bearer access-2"),
                signature_failed.clone(),
            ),
            (
                Incoming {
                    body: br#"{"originalPartnerReferenceNo":"INV-2","serviceCode":"55"}"#.to_vec(),
                    ..call().signed()
                },
                signature_failed.clone(),
            ),
            (call().at(NOW - LATE).signed(), outside.clone()),
            (call().at(NOW + LATE).signed(), outside),
            // The signature is checked before the window, CHANNEL-ID and X-DEVICE-ID: OVO answers
            // its unbinding example without those two and a bad signature `401xx00`.
            (
                bad_signature.clone().at(NOW - LATE).signed(),
                signature_failed.clone(),
            ),
            (
                bad_signature.signed().without("CHANNEL-ID"),
                signature_failed.clone(),
            ),
            (
                bad_signature.signed().without("X-DEVICE-ID"),
                signature_failed,
            ),
            (
                call().signed().with("CHANNEL-ID", "952210"),
                refused(Case::InvalidFieldFormat, "Invalid Field Format CHANNEL-ID"),
            ),
        ];
        for (request, expected) in cases {
            let mut world = World::new();
            assert_eq!(
                check(&mut world, &request),
                expected,
                "{:?}",
                request.headers
            );
            assert_eq!(
                check(&mut world, &call().signed()),
                passed("ext-1"),
                "a refused call claimed X-EXTERNAL-ID: {:?}",
                request.headers
            );
        }
    }

    #[test]
    fn the_window_holds_its_edges_and_either_encoding_passes_by_default() {
        let window = SandboxConfig::default().timestamp_window;
        let cases = [
            ("at the clock", call()),
            ("300 s late", call().at(NOW - window)),
            ("300 s ahead", call().at(NOW + window)),
            (
                "hex signature",
                SnapCall {
                    encoding: SignatureEncoding::HexLower,
                    ..call()
                },
            ),
        ];
        for (name, call) in cases {
            let mut world = World::new();
            assert_eq!(check(&mut world, &call.signed()), passed("ext-1"), "{name}");
        }
    }

    #[test]
    fn the_accepted_encoding_is_enforced() {
        let cases = [
            (AcceptedEncoding::Base64, SignatureEncoding::Base64, true),
            (AcceptedEncoding::Base64, SignatureEncoding::HexLower, false),
            (AcceptedEncoding::Hex, SignatureEncoding::HexLower, true),
            (AcceptedEncoding::Hex, SignatureEncoding::Base64, false),
        ];
        for (accepted, encoding, passes) in cases {
            let mut world = World::new();
            world.config.accepted_encoding = accepted;
            let request = SnapCall { encoding, ..call() }.signed();
            let expected = if passes {
                passed("ext-1")
            } else {
                refused(Case::Unauthorized, "Unauthorized. Signature Failed")
            };
            assert_eq!(
                check(&mut world, &request),
                expected,
                "{accepted:?} {encoding:?}"
            );
        }
    }

    #[test]
    fn an_external_id_is_claimed_once_per_jakarta_day() {
        let mut world = World::new();
        assert_eq!(check(&mut world, &call().signed()), passed("ext-1"));
        let duplicate = refused(
            Case::DuplicateExternalId,
            "Conflict. Cannot use same X-EXTERNAL-ID in same day",
        );
        assert_eq!(check(&mut world, &call().signed()), duplicate);
        assert_eq!(
            check(&mut world, &call().external_id("ext-2").signed()),
            passed("ext-2")
        );
        // 10:00 UTC is 17:00 WIB: 16:59 UTC is still the same Jakarta day, 17:00 UTC the next.
        for (hour, minute, expected) in [(16, 59, duplicate), (17, 0, passed("ext-1"))] {
            world.now = datetime(hour, minute);
            let request = call().at(world.now).signed();
            assert_eq!(check(&mut world, &request), expected, "{hour}:{minute}");
        }
    }

    /// `2026-12-01 hh:mm UTC`.
    fn datetime(hour: u8, minute: u8) -> OffsetDateTime {
        NOW.replace_time(time::Time::from_hms(hour, minute, 0).unwrap())
    }
}
