//! Verifying what the provider sends you: DOKU's HTTP notifications and SNAP debit notifications
//! (service 56). Always over the raw bytes received, never a re-serialized parse; with a timestamp
//! window checked both ways, and each notification accepted once (by `Request-Id` /
//! `X-EXTERNAL-ID`).

use std::sync::Arc;
use std::time::Duration;

use ovo_flows::{Claim, DedupStore, MemoryDedup};

use ovo_model::ModelError;
use ovo_model::doku::Notification;
use ovo_model::endpoint::header;
use ovo_model::snap::DebitNotify;
use ovo_sign::{ClientSecret, PublicKey};
use time::OffsetDateTime;

/// How far a notification's timestamp may be from now. Turning the check off takes the explicit
/// [`Window::Unchecked`]: there is no "0 means off".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Window {
    /// Accept timestamps within this distance of now, before or after.
    Within(Duration),
    /// Do not check the timestamp. DOKU's retries re-send the original notification hours later
    /// \[P\]; whether its timestamp is renewed is not documented \[I\].
    Unchecked,
}

impl Default for Window {
    fn default() -> Self {
        Self::Within(Duration::from_secs(300))
    }
}

/// Why a notification was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// A mandatory header is missing.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// The notification is for another client id.
    #[error("the notification is for another client id")]
    WrongClient,
    /// The timestamp is not in the provider's format.
    #[error("malformed timestamp")]
    BadTimestamp,
    /// The timestamp is outside the window.
    #[error("the timestamp is outside the accepted window")]
    StaleTimestamp,
    /// The signature does not match (tampered, or not from the provider).
    #[error("the signature does not match")]
    BadSignature,
    /// Handled once already: answer 2xx again, but do not process it twice.
    #[error("notification {request_id} was already handled")]
    Duplicate {
        /// The notification's id: its `Request-Id` (DOKU) or `X-EXTERNAL-ID` (SNAP).
        request_id: String,
    },
    /// Another delivery of it is being handled right now: answer non-2xx (for example 409) so
    /// the provider retries later.
    #[error("notification {request_id} is being handled")]
    InProgress {
        /// The notification's id: its `Request-Id` (DOKU) or `X-EXTERNAL-ID` (SNAP).
        request_id: String,
    },
    /// The de-duplication store failed: answer non-2xx so the provider retries.
    #[error("store: {0}")]
    Store(ovo_flows::StoreError),
    /// Signed correctly, but the body is not the documented message.
    #[error("body: {0}")]
    Body(ModelError),
}

// The cause is in the message, so it is not also a `source()`: an error report that walks the
// chain (anyhow's `{:#}`, eyre) would print it twice.
impl From<ovo_flows::StoreError> for NotificationError {
    fn from(error: ovo_flows::StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<ModelError> for NotificationError {
    fn from(error: ModelError) -> Self {
        Self::Body(error)
    }
}

fn header<'a>(
    headers: &'a http::HeaderMap,
    name: &'static str,
) -> Result<&'a str, NotificationError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .ok_or(NotificationError::MissingHeader(name))
}

/// A verifier of one provider's notifications: its signature `scheme`, the path they are posted
/// to, the timestamp window and the de-duplication store. Use it as [`DokuNotificationVerifier`]
/// or [`SnapNotifyVerifier`].
pub struct NotificationVerifier<S> {
    scheme: S,
    path: String,
    window: Window,
    dedup: Arc<dyn DedupStore>,
    claim_ttl: Duration,
}

/// A verified notification, claimed for handling: call [`Verified::commit`] once your handler
/// succeeded (a retry is then acknowledged as a duplicate), or [`Verified::release`] if it failed
/// (the provider's retry is then handled). Dropped without either, the claim expires.
#[must_use = "commit the notification after handling it, or release it"]
pub struct Verified<'a, T> {
    notification: T,
    id: String,
    dedup: &'a dyn DedupStore,
}

impl<T: std::fmt::Debug> std::fmt::Debug for Verified<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verified")
            .field("id", &self.id)
            .field("notification", &self.notification)
            .finish_non_exhaustive()
    }
}

impl<T> Verified<'_, T> {
    /// The notification's body, parsed into the documented message.
    pub fn notification(&self) -> &T {
        &self.notification
    }

    /// Its id (`Request-Id` or `X-EXTERNAL-ID`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Marks it handled: later deliveries are duplicates.
    pub async fn commit(self, now: OffsetDateTime) -> Result<T, NotificationError> {
        self.dedup.commit(&self.id, now).await?;
        Ok(self.notification)
    }

    /// Gives the claim up: the handler failed, and the provider's retry will be handled.
    pub async fn release(self) -> Result<(), NotificationError> {
        self.dedup.release(&self.id).await?;
        Ok(())
    }
}

impl<S: std::fmt::Debug> std::fmt::Debug for NotificationVerifier<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotificationVerifier")
            .field("scheme", &self.scheme)
            .field("path", &self.path)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl<S> NotificationVerifier<S> {
    /// 5-minute window, in-memory de-duplication.
    fn with_scheme(scheme: S, path: String) -> Self {
        Self {
            scheme,
            path,
            window: Window::default(),
            dedup: Arc::new(MemoryDedup::default()),
            claim_ttl: Duration::from_secs(60),
        }
    }

    /// Sets the timestamp window.
    pub fn with_window(mut self, window: Window) -> Self {
        self.window = window;
        self
    }

    /// Sets the de-duplication store (share it between your servers).
    pub fn with_dedup(mut self, dedup: Arc<dyn DedupStore>) -> Self {
        self.dedup = dedup;
        self
    }

    /// Sets how long a claim holds while the handler runs (a minute by default); a handler that
    /// crashed frees the id when it expires, so the provider's retry is handled.
    pub fn with_claim_ttl(mut self, ttl: Duration) -> Self {
        self.claim_ttl = ttl;
        self
    }

    /// After the signature: the window, the body, then (only for a notification that passed all
    /// of them, so forgeries cannot poison the store) the claim.
    async fn accept<T: serde::de::DeserializeOwned + ovo_model::Validate>(
        &self,
        at: OffsetDateTime,
        now: OffsetDateTime,
        id: &str,
        raw_body: &[u8],
    ) -> Result<Verified<'_, T>, NotificationError> {
        if let Window::Within(limit) = self.window
            && (now - at).unsigned_abs() > limit
        {
            return Err(NotificationError::StaleTimestamp);
        }
        let notification = ovo_model::from_json(raw_body)?;
        let request_id = id.to_owned();
        match self.dedup.claim(id, now, self.claim_ttl).await? {
            Claim::Claimed => Ok(Verified {
                notification,
                id: request_id,
                dedup: self.dedup.as_ref(),
            }),
            Claim::InProgress => Err(NotificationError::InProgress { request_id }),
            Claim::Done => Err(NotificationError::Duplicate { request_id }),
        }
    }
}

/// DOKU's signature scheme, for a [`NotificationVerifier`]: the merchant's client id and the
/// secret keys it may be signed with.
#[derive(Debug)]
pub struct DokuScheme {
    client_id: String,
    secrets: Vec<ClientSecret>,
}

/// OVO's SNAP signature scheme, for a [`NotificationVerifier`]: the provider's public keys.
#[derive(Debug)]
pub struct SnapScheme {
    public_keys: Vec<PublicKey>,
}

/// Verifies DOKU HTTP notifications: DOKU's signature with `Request-Target` = the path of your
/// notification URL \[P\].
///
/// ```
/// use ovo_http::{DokuNotificationVerifier, NotificationError};
///
/// let verifier = DokuNotificationVerifier::new(
///     "MCH-0001-10791114622547",
///     vec![ovo_sign::ClientSecret::new("SK-9sCrJ1kdYUJAYlsJKlqz")?],
///     "/payments/notifications",
/// );
/// let unsigned = http::HeaderMap::new();
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// assert!(matches!(verifier.verify(&unsigned, b"{}", time::OffsetDateTime::now_utc()).await,
///     Err(NotificationError::MissingHeader("Client-Id"))));
/// # });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type DokuNotificationVerifier = NotificationVerifier<DokuScheme>;

impl NotificationVerifier<DokuScheme> {
    /// A verifier for `client_id`, accepting any of `secrets` (several during rotation), for
    /// notifications posted to `notification_path`; 5-minute window, in-memory de-duplication.
    pub fn new(
        client_id: impl Into<String>,
        secrets: Vec<ClientSecret>,
        notification_path: impl Into<String>,
    ) -> Self {
        let scheme = DokuScheme {
            client_id: client_id.into(),
            secrets,
        };
        Self::with_scheme(scheme, notification_path.into())
    }

    /// Verifies one notification, given its headers and raw body bytes, and claims its
    /// `Request-Id`: handle it, then [`Verified::commit`].
    pub async fn verify(
        &self,
        headers: &http::HeaderMap,
        raw_body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Verified<'_, Notification>, NotificationError> {
        let client_id = header(headers, header::CLIENT_ID)?;
        let request_id = header(headers, header::REQUEST_ID)?;
        let timestamp = header(headers, header::REQUEST_TIMESTAMP)?;
        let signature = header(headers, header::SIGNATURE)?;
        if client_id != self.scheme.client_id {
            return Err(NotificationError::WrongClient);
        }
        let at = ovo_sign::parse_doku_timestamp(timestamp)
            .map_err(|_| NotificationError::BadTimestamp)?;
        let components = ovo_sign::doku::Components::post(
            client_id, request_id, timestamp, &self.path, raw_body,
        );
        ovo_sign::doku::verify(&self.scheme.secrets, &components, signature)
            .map_err(|_| NotificationError::BadSignature)?;
        self.accept(at, now, request_id, raw_body).await
    }
}

/// Verifies OVO's SNAP debit notifications: SHA256withRSA over
/// `POST:path:hex(sha256(minify(body))):X-TIMESTAMP` with OVO's public key \[P\].
pub type SnapNotifyVerifier = NotificationVerifier<SnapScheme>;

impl NotificationVerifier<SnapScheme> {
    /// A verifier for notifications posted to `path`, signed by any of `public_keys`; 5-minute
    /// window, in-memory de-duplication.
    pub fn new(public_keys: Vec<PublicKey>, path: impl Into<String>) -> Self {
        Self::with_scheme(SnapScheme { public_keys }, path.into())
    }

    /// Verifies one notification, given its headers and raw body bytes, and claims its
    /// `X-EXTERNAL-ID`: handle it, then [`Verified::commit`].
    pub async fn verify(
        &self,
        headers: &http::HeaderMap,
        raw_body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Verified<'_, DebitNotify>, NotificationError> {
        let timestamp = header(headers, header::X_TIMESTAMP)?;
        let signature = header(headers, header::X_SIGNATURE)?;
        let external_id = header(headers, header::X_EXTERNAL_ID)?;
        let at = ovo_sign::parse_snap_timestamp(timestamp)
            .map_err(|_| NotificationError::BadTimestamp)?;
        let request = ovo_sign::snap::RsaServiceRequest {
            method: "POST",
            path: &self.path,
            body: raw_body,
            timestamp,
        };
        ovo_sign::snap::verify_rsa_service(&self.scheme.public_keys, &request, signature)
            .map_err(|_| NotificationError::BadSignature)?;
        self.accept(at, now, external_id, raw_body).await
    }
}
