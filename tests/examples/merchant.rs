//! A merchant's web shop on axum, paying with OVO through the SDK: what your side of the
//! integration looks like, page by page. The embedded sandbox plays OVO, so it runs offline.
//!
//! ```sh
//! cargo run -p ovo-e2e --example merchant   # prints the URL to open; Ctrl-C stops it
//! ```
//!
//! Open the printed URL in a browser, then:
//!
//! 1. **Link OVO**: the shop starts linking (`begin_linking`) and sends the browser to OVO's
//!    webview, where the customer types the OTP (in the sandbox, the phone's last 4 digits: 7890)
//!    and the PIN (246810). OVO sends the browser back to the shop's callback URL, which finishes
//!    the linking *by the flow's id* (`finish_linking`); the customer's tokens are now in the
//!    shop's database.
//! 2. **Pay**: the shop creates an order and starts a two-phase debit (`begin_debit`): call 1
//!    moves no money, the customer confirms with the PIN in OVO's webview, and the callback
//!    finishes it (`finish_debit`: Generate Token, then call 2, which captures).
//! 3. The **order page** says paid, refused or pending, and whether OVO's signed payment
//!    notification arrived; a paid order has a **Refund** button (`refund`).
//!
//! What a merchant must do, and this shop shows:
//!
//! - Keep the SDK's state in a durable store shared by every instance (`ovo-store`'s SQLite
//!   here, PostgreSQL for several machines): customers' tokens, pending flows, and the ids of
//!   handled notifications. A flow started on one instance is finished by whichever instance the
//!   customer's browser comes back to, after a restart too.
//! - Record the flow's id on your order *before* sending the customer to the webview: the
//!   callback carries it (`state`), and it is how you find the order again.
//! - Verify each notification over the raw bytes received, handle it, and only then acknowledge
//!   it (`commit`, answer 2xx); if your handler failed, `release` it and answer non-2xx, so the
//!   provider's retry is handled.
//! - Never pay or refund twice blindly: an `Unknown` outcome stays pending, and the stored flow
//!   is settled later with `client.resume(flow_id)` (from a periodic job, say).
//!
//! Against OVO's staging, drop the sandbox: build `SnapConfig::staging(..)` with your client id
//! and the callback URL registered with OVO, load your own keys, set `OVO_STORE_KEY`, and give
//! the shop a public HTTPS address. `tests/tests/merchant.rs` drives this shop in headless
//! Chromium.
//!
//! `OVO_MERCHANT_LISTEN` sets the address to listen on (`127.0.0.1:0` by default: a free port).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use ovo_http::ovo_model::snap::{
    BindingRequest, DirectDebitRequest, RefundRequest, UrlParam, UrlParamType,
};
use ovo_http::ovo_model::{Idr, SnapMoney};
use ovo_http::ovo_sign::{ClientSecret, PrivateKey, PublicKey};
use ovo_http::{
    ClientError, DebitOutcome, DebitProgress, DokuNotificationVerifier, HyperTransport,
    LinkingOutcome, NotificationError, OvoClient, RefundOutcome, SnapConfig, SnapCredentials,
    SnapNotifyVerifier,
};
use ovo_sandbox::{AccountSpec, DokuPartnerSpec, PartnerSpec, Sandbox, SandboxHandle};
use ovo_store::{SqlStore, StoreKey};
use sqlx::SqlitePool;
use tokio::net::TcpListener;

/// The shop's one customer, signed in. A real shop uses the signed-in user's id.
pub(crate) const CUSTOMER: &str = "shopper-1";
/// The customer's OVO phone number (in the sandbox, the OTP is its last 4 digits).
pub(crate) const PHONE: &str = "6281234567890";
/// The customer's OVO security PIN, in the sandbox.
pub(crate) const PIN: &str = "246810";
/// What the shop sells, for this many rupiah.
const PRICE: u64 = 25_000;
/// The callback URL registered with OVO: the webviews send the customer back here.
const CALLBACK: &str = "/ovo/callback";
/// Where OVO posts the SNAP payment notification (the debit's `PAY_NOTIFY` URL).
const SNAP_NOTIFICATIONS: &str = "/notifications/ovo";
/// Where DOKU posts its notifications (registered with DOKU).
const DOKU_NOTIFICATIONS: &str = "/notifications/doku";

/// The merchant's client ids and secrets, as the providers enrolled them.
const CLIENT_ID: &str = "oashop";
const CLIENT_SECRET: &str = "shop-client-secret";
pub(crate) const DOKU_CLIENT_ID: &str = "BRN-0201-SHOP";
pub(crate) const DOKU_SECRET: &str = "SK-shop-doku-secret";

/// Any error, for `main` and the setup.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// The shop: its OVO client, its database, and the verifiers of the providers' notifications.
struct Shop {
    /// The shop's own address, `http://HOST:PORT`.
    url: String,
    client: OvoClient<HyperTransport>,
    /// The shop's orders live in the same database as the SDK's store.
    orders: SqlitePool,
    snap_notifications: SnapNotifyVerifier,
    doku_notifications: DokuNotificationVerifier,
    /// The sandbox playing OVO and DOKU, kept running as long as the shop.
    _sandbox: SandboxHandle,
}

/// The shop, ready to serve.
pub(crate) struct Opened {
    /// Its routes.
    pub(crate) router: Router,
    /// Its address, `http://HOST:PORT`.
    pub(crate) url: String,
    /// The sandbox's address (its control API, for tests).
    pub(crate) sandbox_url: String,
}

/// The shop, ready to serve on `listener`. `database` is an sqlx SQLite URL
/// (`sqlite:/path/to/shop.db`); the shop's orders and the SDK's store live there.
pub(crate) async fn shop(listener: &TcpListener, database: &str) -> Result<Opened, Error> {
    let url = format!("http://{}", listener.local_addr()?);

    // The sandbox plays OVO and DOKU: it enrolls the shop (client secret, public key, the
    // callback URL; DOKU's notification URL) and holds the customer's OVO account.
    let sandbox = Sandbox::start().await?;
    let keys = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/ovo-sign/tests/vectors/keys"
    );
    let public_key = std::fs::read_to_string(format!("{keys}/rsa2048-public-pkcs1.pem"))?;
    sandbox.enroll_partner(
        &PartnerSpec::new(CLIENT_ID, CLIENT_SECRET, public_key)
            .callback_url(format!("{url}{CALLBACK}")),
    )?;
    sandbox.enroll_doku_partner(
        &DokuPartnerSpec::new(DOKU_CLIENT_ID, DOKU_SECRET)
            .notification_url(format!("{url}{DOKU_NOTIFICATIONS}")),
    )?;
    sandbox.add_account(&AccountSpec::new(PHONE, PIN, Idr::from_rupiah(100_000)))?;

    // The durable store: tokens and flows sealed with the store key (`OVO_STORE_KEY` in
    // production: without it, the tokens cannot be opened after a restart).
    let key = match StoreKey::from_env() {
        Ok(key) => key,
        Err(_) => StoreKey::parse(&StoreKey::generate()?)?, // a throwaway key for the demo
    };
    let store = Arc::new(SqlStore::connect(database, key).await?);
    let orders = store.sqlite_pool().ok_or("not a SQLite store")?.clone();
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS shop_orders (
            invoice TEXT PRIMARY KEY, customer TEXT NOT NULL, rupiah INTEGER NOT NULL,
            status TEXT NOT NULL, flow_id TEXT, notified INTEGER NOT NULL DEFAULT 0)",
    )
    .execute(&orders)
    .await?;

    let config = SnapConfig::builder(sandbox.base_url(), CLIENT_ID)
        .callback_url(format!("{url}{CALLBACK}"))
        .build()?;
    let credentials = SnapCredentials {
        private_key: PrivateKey::from_pem(&std::fs::read(format!("{keys}/rsa2048-pkcs8.pem"))?)?,
        client_secret: ClientSecret::new(CLIENT_SECRET)?,
    };
    let client = OvoClient::builder(config, credentials, HyperTransport::new()?)
        .token_store(store.clone())
        .flow_store(store.clone())
        .build();

    // Notifications are verified with the provider's key (OVO's public key; DOKU's shared
    // secret) and de-duplicated in the same store, so each is handled once by all instances.
    let ovo_key = PublicKey::from_pem(ovo_sandbox::PROVIDER_PUBLIC_KEY_PEM.as_bytes())?;
    let snap_notifications =
        SnapNotifyVerifier::new(vec![ovo_key], SNAP_NOTIFICATIONS).with_dedup(store.clone());
    let doku_notifications = DokuNotificationVerifier::new(
        DOKU_CLIENT_ID,
        vec![ClientSecret::new(DOKU_SECRET)?],
        DOKU_NOTIFICATIONS,
    )
    .with_dedup(store);

    let sandbox_url = sandbox.base_url().to_owned();
    let shop = Shop {
        url: url.clone(),
        client,
        orders,
        snap_notifications,
        doku_notifications,
        _sandbox: sandbox,
    };
    let router = Router::new()
        .route("/", get(home))
        .route("/link", post(link))
        .route("/pay", post(pay))
        .route(CALLBACK, get(callback))
        .route("/orders/{invoice}", get(order))
        .route("/orders/{invoice}/refund", post(refund))
        .route(SNAP_NOTIFICATIONS, post(snap_notification))
        .route(DOKU_NOTIFICATIONS, post(doku_notification))
        .with_state(Arc::new(shop));
    Ok(Opened {
        router,
        url,
        sandbox_url,
    })
}

/// Serves the shop until Ctrl-C, on a database in the temporary directory (the sandbox keeps
/// nothing across runs, so neither does the shop).
#[tokio::main]
async fn main() -> Result<(), Error> {
    let listen: SocketAddr = std::env::var("OVO_MERCHANT_LISTEN")
        .unwrap_or_else(|_| "127.0.0.1:0".to_owned())
        .parse()?;
    let listener = TcpListener::bind(listen).await?;
    let database = std::env::temp_dir().join(format!("ovo-merchant-{}.db", std::process::id()));
    let shop = shop(&listener, &format!("sqlite:{}", database.display())).await?;
    println!("The shop is open at {}/ (Ctrl-C to stop)", shop.url);
    println!("OVO (the sandbox) is at {}", shop.sandbox_url);
    axum::serve(listener, shop.router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    Ok(())
}

// ----- Pages -----

type Shared = State<Arc<Shop>>;

/// The home page: "Link OVO" until the customer is linked, then the product with "Pay" and the
/// customer's orders.
async fn home(State(shop): Shared) -> Result<Html<String>, Failure> {
    // Linked means: the SDK holds the customer's tokens.
    let linked = shop.client.token_store().get(CUSTOMER).await?.is_some();
    let orders: Vec<(String, String)> = sqlx::query_as(
        "SELECT invoice, status FROM shop_orders WHERE customer = ? ORDER BY rowid DESC",
    )
    .bind(CUSTOMER)
    .fetch_all(&shop.orders)
    .await?;
    Ok(page(html! {
        @if linked {
            p id="linked" { "Your OVO account is linked." }
            p { "A cup of kopi susu, " (rupiah(PRICE)) "." }
            form method="post" action="/pay" { button id="pay" { "Pay with OVO" } }
        } @else {
            p { "Link your OVO account to pay with it." }
            form method="post" action="/link" { button id="link" { "Link OVO" } }
        }
        @if !orders.is_empty() {
            h2 { "Your orders" }
            ul {
                @for (invoice, status) in &orders {
                    li { a href={ "/orders/" (invoice) } { (invoice) } ": " (status) }
                }
            }
        }
    }))
}

/// "Link OVO": binding (the phone lookup first, mandatory before linking), then the browser goes
/// to OVO's OTP/PIN webview. The flow is stored; its id comes back in the callback's `state`.
async fn link(State(shop): Shared) -> Result<Redirect, Failure> {
    shop.client.lookup(PHONE).await?;
    let binding = BindingRequest {
        phone_no: Some(PHONE.into()),
        ..Default::default()
    };
    let pending = shop.client.begin_linking(CUSTOMER, &binding).await?;
    Ok(Redirect::to(&pending.webview_url))
}

/// "Pay": a new order, then the two-phase debit's call 1. The order records the flow's id before
/// the browser leaves for the PIN webview.
async fn pay(State(shop): Shared) -> Result<Redirect, Failure> {
    // OVO asks for a balance inquiry before each direct debit [S].
    shop.client.balance(CUSTOMER).await?;
    let invoice = new_invoice()?;
    sqlx::query("INSERT INTO shop_orders (invoice, customer, rupiah, status) VALUES (?, ?, ?, ?)")
        .bind(&invoice)
        .bind(CUSTOMER)
        .bind(PRICE as i64)
        .bind("pending")
        .execute(&shop.orders)
        .await?;
    let mut request = DirectDebitRequest::new(&invoice, SnapMoney::idr(Idr::from_rupiah(PRICE)));
    // Where OVO notifies the payment's outcome.
    request.url_params = Some(vec![UrlParam {
        url: format!("{}{SNAP_NOTIFICATIONS}", shop.url),
        kind: UrlParamType::PayNotify,
        is_deeplink: "N".into(),
    }]);
    let progress = match shop.client.begin_debit(CUSTOMER, &request).await {
        Ok(progress) => progress,
        // An error from a money-moving call means nothing that could move money was sent.
        Err(error) => {
            set_status(&shop, &invoice, "refused").await?;
            return Err(error.into());
        }
    };
    match progress {
        DebitProgress::Webview(pending) => {
            set_flow(&shop, &invoice, &pending.id).await?;
            Ok(Redirect::to(&pending.webview_url))
        }
        // Settled without the customer (a recurring debit, or a refusal).
        DebitProgress::Done(outcome) => {
            settle(&shop, &invoice, &outcome).await?;
            Ok(Redirect::to(&format!("/orders/{invoice}")))
        }
    }
}

/// The callback URL: OVO's webview sends the browser here with `response` (the `authCode`) and
/// `state` (the flow's id). The flow is loaded from the store by that id, so any instance of the
/// shop can finish it; a second callback (a reload) finds it finished and sends nothing.
async fn callback(
    State(shop): Shared,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Redirect, Failure> {
    let Some(id) = query.get("state") else {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "no state in the callback",
        ));
    };
    // The SDK reads the `authCode` from the callback URL as received.
    let received = format!("{}{uri}", shop.url);
    let order: Option<(String,)> =
        sqlx::query_as("SELECT invoice FROM shop_orders WHERE flow_id = ?")
            .bind(id)
            .fetch_optional(&shop.orders)
            .await?;
    match order {
        // A debit's PIN webview: Generate Token, then call 2.
        Some((invoice,)) => {
            match shop.client.finish_debit(id, &received).await {
                Ok(outcome) => settle(&shop, &invoice, &outcome).await?,
                // A second callback for it: the first one settled the order.
                Err(ClientError::FlowFinished { .. }) => {}
                Err(error) => return Err(callback_failure(error)),
            }
            Ok(Redirect::to(&format!("/orders/{invoice}")))
        }
        // Otherwise the linking's webview: the B2B2C token, stored in the token store.
        None => match shop.client.finish_linking(id, &received).await {
            Ok(LinkingOutcome::Linked(_)) | Err(ClientError::FlowFinished { .. }) => {
                Ok(Redirect::to("/"))
            }
            Ok(not_linked) => Err(Failure::new(
                StatusCode::BAD_GATEWAY,
                format!("OVO did not link the account: {not_linked:?}"),
            )),
            Err(error) => Err(callback_failure(error)),
        },
    }
}

/// A callback the SDK did not accept: none of these sent anything to OVO.
fn callback_failure(error: ClientError) -> Failure {
    let status = match error {
        // No such flow (a forged or mistyped `state`).
        ClientError::FlowNotFound { .. } => StatusCode::NOT_FOUND,
        // The webview's time ran out before the customer came back: start again.
        ClientError::FlowExpired { .. } => StatusCode::GONE,
        // Another instance is finishing it right now (a double submit).
        ClientError::FlowNotWaiting { .. } => StatusCode::CONFLICT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    Failure::new(status, error.to_string())
}

/// An order: paid, refused, pending or refunded; a paid one can be refunded.
async fn order(State(shop): Shared, Path(invoice): Path<String>) -> Result<Html<String>, Failure> {
    let Some((rupiah_paid, status, notified)) = load_order(&shop, &invoice).await? else {
        return Err(Failure::new(StatusCode::NOT_FOUND, "no such order"));
    };
    Ok(page(html! {
        h2 { "Order " (invoice) }
        p { (rupiah(rupiah_paid)) ": " strong id="status" { (status) } }
        p { "OVO's payment notification: " span id="notified" { @if notified { "received" } @else { "not yet" } } }
        @if status == "paid" {
            form method="post" action={ "/orders/" (invoice) "/refund" } {
                button id="refund" { "Refund" }
            }
        }
        @if status == "pending" {
            p { "Waiting for OVO: reload this page later." }
        }
        p { a id="home" href="/" { "Back to the shop" } }
    }))
}

/// "Refund": the whole amount, through the client (a B2B token, then OVO's refund call).
async fn refund(State(shop): Shared, Path(invoice): Path<String>) -> Result<Redirect, Failure> {
    let Some((amount, status, _)) = load_order(&shop, &invoice).await? else {
        return Err(Failure::new(StatusCode::NOT_FOUND, "no such order"));
    };
    if status != "paid" {
        return Err(Failure::new(
            StatusCode::CONFLICT,
            format!("the order is {status}"),
        ));
    }
    let money = SnapMoney::idr(Idr::from_rupiah(amount));
    // The refund's reference is ours, unique per refund: one full refund per order here.
    let request = RefundRequest::new(&invoice, format!("RF-{invoice}"), money);
    let status = match shop.client.refund(CUSTOMER, &request).await? {
        RefundOutcome::Refunded { .. } => "refunded",
        // Refused or certainly not refunded: the order stays paid.
        RefundOutcome::Refused { .. } | RefundOutcome::NotRefunded => "paid",
        // Maybe refunded: never refund again blindly; settle the stored flow with `resume`.
        _ => "refund pending",
    };
    set_status(&shop, &invoice, status).await?;
    Ok(Redirect::to(&format!("/orders/{invoice}")))
}

// ----- Notifications -----

/// OVO's payment notification: verified over the raw body (signature, timestamp window, claimed
/// once), handled, and acknowledged only after the handler succeeded.
async fn snap_notification(State(shop): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let now = time::OffsetDateTime::now_utc();
    let verified = match shop.snap_notifications.verify(&headers, &body, now).await {
        Ok(verified) => verified,
        Err(refused) => return refusal(&refused),
    };
    let notify = verified.notification();
    let handled = match (
        &notify.original_partner_reference_no,
        notify.latest_transaction_status.as_str(),
    ) {
        (Some(invoice), "00") => mark_notified(&shop, invoice, "paid").await,
        (Some(invoice), _) => mark_notified(&shop, invoice, "pending").await,
        (None, _) => Ok(()),
    };
    acknowledge(verified, handled, now).await
}

/// DOKU's notification (OVO Recurring payments through DOKU), the same way.
async fn doku_notification(State(shop): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let now = time::OffsetDateTime::now_utc();
    let verified = match shop.doku_notifications.verify(&headers, &body, now).await {
        Ok(verified) => verified,
        Err(refused) => return refusal(&refused),
    };
    let notification = verified.notification();
    let invoice = notification
        .order
        .as_ref()
        .and_then(|o| o.invoice_number.clone());
    let success = notification
        .transaction
        .as_ref()
        .and_then(|t| t.status.as_deref())
        == Some("SUCCESS");
    let handled = match invoice {
        Some(invoice) => {
            mark_notified(&shop, &invoice, if success { "paid" } else { "pending" }).await
        }
        None => Ok(()),
    };
    acknowledge(verified, handled, now).await
}

/// Commits a handled notification (2xx: the provider stops retrying), or releases it when the
/// handler failed (non-2xx: the provider's retry is handled again).
async fn acknowledge<T>(
    verified: ovo_http::Verified<'_, T>,
    handled: Result<(), sqlx::Error>,
    now: time::OffsetDateTime,
) -> Response {
    match handled {
        Ok(()) => match verified.commit(now).await {
            Ok(_) => StatusCode::OK.into_response(),
            Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
        Err(_) => {
            let _ = verified.release().await;
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The answer to a notification that was not verified: a duplicate of a handled one is
/// acknowledged again (2xx) without handling it twice; one being handled right now, or a store
/// failure, asks the provider to retry later; a forgery or a malformed one is refused.
fn refusal(error: &NotificationError) -> Response {
    let status = match error {
        NotificationError::Duplicate { .. } => StatusCode::OK,
        NotificationError::InProgress { .. } => StatusCode::CONFLICT,
        NotificationError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        NotificationError::Body(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNAUTHORIZED,
    };
    status.into_response()
}

// ----- The shop's orders -----

/// A fresh invoice number (`partnerReferenceNo`: ours, unique per payment [S]).
fn new_invoice() -> Result<String, Failure> {
    let mut random = [0u8; 6];
    ovo_http::ovo_sign::fill_random(&mut random)?;
    Ok(format!("INV-{}", hex::encode_upper(random)))
}

async fn load_order(
    shop: &Shop,
    invoice: &str,
) -> Result<Option<(u64, String, bool)>, sqlx::Error> {
    let row: Option<(i64, String, bool)> =
        sqlx::query_as("SELECT rupiah, status, notified FROM shop_orders WHERE invoice = ?")
            .bind(invoice)
            .fetch_optional(&shop.orders)
            .await?;
    Ok(row.map(|(amount, status, notified)| (amount.unsigned_abs(), status, notified)))
}

async fn set_flow(shop: &Shop, invoice: &str, flow_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE shop_orders SET flow_id = ? WHERE invoice = ?")
        .bind(flow_id)
        .bind(invoice)
        .execute(&shop.orders)
        .await
        .map(drop)
}

async fn set_status(shop: &Shop, invoice: &str, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE shop_orders SET status = ? WHERE invoice = ?")
        .bind(status)
        .bind(invoice)
        .execute(&shop.orders)
        .await
        .map(drop)
}

/// A notification arrived: the order is marked notified, and a pending one takes the status it
/// tells (a paid or refunded order stays so: notifications may arrive late and out of order).
async fn mark_notified(shop: &Shop, invoice: &str, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE shop_orders SET notified = 1,
            status = CASE WHEN status = 'pending' THEN ? ELSE status END
         WHERE invoice = ?",
    )
    .bind(status)
    .bind(invoice)
    .execute(&shop.orders)
    .await
    .map(drop)
}

/// Records a debit's outcome on its order.
async fn settle(shop: &Shop, invoice: &str, outcome: &DebitOutcome) -> Result<(), sqlx::Error> {
    let status = match outcome {
        DebitOutcome::Paid { .. } => "paid",
        DebitOutcome::Refused { .. } | DebitOutcome::Abandoned { .. } => "refused",
        // Maybe paid: the order stays pending until `client.resume(flow_id)` settles it (or
        // OVO's notification arrives). Never ask the customer to pay again blindly.
        _ => "pending",
    };
    set_status(shop, invoice, status).await
}

// ----- HTML and errors -----

/// A page of the shop. maud escapes every value it interpolates.
fn page(body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html {
                head { meta charset="utf-8"; title { "Warung Kopi (OVO demo shop)" } }
                body { h1 { a href="/" { "Warung Kopi" } } (body) }
            }
        }
        .into_string(),
    )
}

fn rupiah(amount: u64) -> String {
    format!("Rp {amount}")
}

/// A failed page: its status and what to tell the customer (never a token: the SDK's errors do
/// not carry secrets).
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    message: String,
}

impl Failure {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

/// Any error of the SDK, the store or the database is a 500 page saying what failed.
impl<E: std::error::Error> From<E> for Failure {
    fn from(error: E) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = page(html! {
            p id="error" { (self.message) }
            p { a href="/" { "Back to the shop" } }
        });
        (self.status, body).into_response()
    }
}
