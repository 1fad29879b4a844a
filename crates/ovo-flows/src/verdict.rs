//! What an answer means for a customer's binding, as one pure rule: keep the tokens, refresh the
//! access token and re-sign the call once, or forget the customer. A binding is forgotten only on
//! an answer that means the binding itself is gone.

use ovo_model::{Case, ResponseCode};

/// Which of the customer's tokens authorized the refused call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerCredential {
    /// The access token (balance, debit call 1, status, unbinding, Generate Token).
    Access,
    /// The refresh token (`access-token/b2b2c` with `grantType: refresh_token`).
    Refresh,
    /// A single-use code or token of one operation (an `authCode`, a single-use or linkage
    /// token): its refusal says nothing about the binding.
    SingleUse,
}

/// What to do with a customer's tokens after an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenVerdict {
    /// Keep them: the answer says nothing about the binding (or it is a configuration or clock
    /// fault, such as `401xx00` Signature Failed).
    Keep,
    /// The access token was refused: refresh it, and re-sign the call once.
    Refresh,
    /// The binding is gone (the refresh token is invalid: unbound, phone changed, account closed
    /// \[S\]): forget the customer's tokens.
    Forget,
}

/// The verdict on the customer's tokens when a call authorized with `credential` was refused with
/// `code`.
///
/// ```
/// use ovo_flows::{CustomerCredential, TokenVerdict, token_verdict};
/// let code = |c: &str| c.parse::<ovo_model::ResponseCode>().unwrap();
/// assert_eq!(token_verdict(CustomerCredential::Access, code("4011102")), TokenVerdict::Refresh);
/// assert_eq!(token_verdict(CustomerCredential::Refresh, code("4017402")), TokenVerdict::Forget);
/// assert_eq!(token_verdict(CustomerCredential::Refresh, code("4017400")), TokenVerdict::Keep);
/// assert_eq!(token_verdict(CustomerCredential::SingleUse, code("4017402")), TokenVerdict::Keep);
/// ```
pub fn token_verdict(credential: CustomerCredential, code: ResponseCode) -> TokenVerdict {
    let token_refused = matches!(
        code.case(),
        Case::InvalidCustomerToken | Case::CustomerTokenNotFound
    );
    match credential {
        CustomerCredential::Access if token_refused => TokenVerdict::Refresh,
        CustomerCredential::Refresh if token_refused => TokenVerdict::Forget,
        CustomerCredential::Access
        | CustomerCredential::Refresh
        | CustomerCredential::SingleUse => TokenVerdict::Keep,
    }
}

/// Whether the partner's B2B token was refused (`401xx01`, `401xx03`): mint a new one and re-sign
/// the call once. A refusal means nothing was done, so this holds for money-moving calls too.
///
/// ```
/// assert!(ovo_flows::b2b_token_refused("4015801".parse().unwrap()));
/// assert!(!ovo_flows::b2b_token_refused("4015800".parse().unwrap()));
/// ```
pub fn b2b_token_refused(code: ResponseCode) -> bool {
    code.is_invalid_b2b_token()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use CustomerCredential::{Access, Refresh, SingleUse};
    use TokenVerdict::{Forget, Keep, Refresh as Renew};

    #[test]
    fn verdicts_code_by_code() {
        // Every case of SNAP's table, for each credential: only a refused customer token counts.
        for case in Case::ALL {
            let Some((status, case_code)) = case.code() else {
                continue;
            };
            for service in [11u8, 54, 55, 58, 74] {
                let code = ResponseCode::new(status, ovo_model::ServiceCode(service), case_code);
                let refused_token = matches!(
                    case,
                    Case::InvalidCustomerToken | Case::CustomerTokenNotFound
                );
                let expected = |c| match (c, refused_token) {
                    (Access, true) => Renew,
                    (Refresh, true) => Forget,
                    _ => Keep,
                };
                for credential in [Access, Refresh, SingleUse] {
                    assert_eq!(
                        token_verdict(credential, code),
                        expected(credential),
                        "{credential:?} {code}"
                    );
                }
            }
        }
    }

    #[test]
    fn signature_and_clock_faults_keep_the_binding() {
        for code in [
            "4017400", "4017401", "4017403", "5007400", "5047400", "4037418",
        ] {
            let code: ResponseCode = code.parse().unwrap();
            assert_eq!(token_verdict(Refresh, code), Keep, "{code}");
        }
    }
}
