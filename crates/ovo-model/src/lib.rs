//! Sans-IO serde types for both ways merchants integrate OVO: OVO direct over Bank Indonesia's
//! SNAP ([`snap`]) and DOKU's "OVO Recurring" API ([`doku`]).
//!
//! - Every request, response, callback and notification is a type; [`from_json`] parses and
//!   validates, and every rule violation is a [`FieldError`] naming the field
//!   (`order.invoice_number`), so the sandbox can answer `400xx01`/`400xx02` from it.
//! - Money is exact: [`Idr`] (sen), [`SnapMoney`] (`{"value":"10000.00","currency":"IDR"}`),
//!   [`DokuAmount`] (a number or a string in, a number out). No floats.
//! - [`ResponseCode`] splits SNAP's 7-digit code into HTTP status, [`ServiceCode`] and [`Case`],
//!   with the classifiers the flows need.
//! - Tokens and codes are [`Secret`]: redacted in `Debug`, zeroized on drop.
//! - Open enumerations keep unknown values; `additionalInfo` keeps unknown keys.
//!
//! `docs/model.md` lists every message, its type and every rule, with its source.
//!
//! Sources are marked on each fact: **\[S\]** a seed document (the provider pages the project
//! started from), **\[P\]** a public provider document, **\[I\]** our inference: a documented
//! default, never a hidden assumption.
//!
//! ```
//! use ovo_model::{Idr, doku::PaymentRequest};
//!
//! let payment: PaymentRequest = ovo_model::from_json(br#"{
//!     "customer": {"id": "CUST_UAT_31"},
//!     "order": {"invoice_number": "INVR_2021_7105", "amount": "100000"},
//!     "ovo_account": {"token_id": "c15d437b56b918abaa3951b0beb48a57", "payment_use_ovo_point": false}
//! }"#)?;
//! assert_eq!(payment.order.amount.idr(), Idr::from_rupiah(100_000));
//! # Ok::<(), ovo_model::ModelError>(())
//! ```

#![forbid(unsafe_code)]

pub mod doku;
pub mod endpoint;
mod error;
mod money;
mod open_enum;
mod response_code;
mod secret;
pub mod snap;
mod validate;

pub use error::{FieldError, FieldErrorKind, ModelError};
pub use money::{AmountFormatError, Currency, DokuAmount, FlexBool, Idr, SnapMoney};
pub use response_code::{Case, ResponseCode, ResponseCodeError, ServiceCode};
pub use secret::Secret;
pub use validate::{FieldPath, Validate, from_json, from_json_unvalidated};

/// The crate's README, compiled as a doc-test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
