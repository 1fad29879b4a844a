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
//! 3. The **order page** says paid, refused, expired or pending, and whether OVO's signed
//!    payment notification arrived; a paid order has a **Refund** button (`refund`).
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
//! - Never pay or refund twice blindly: claim the order in your database before a money-moving
//!   call (one request wins, the others are told no), and leave an `Unknown` outcome pending.
//! - Settle what is pending: `client.reconcile(now)` at start (what a crash left behind) and then
//!   periodically settles every stored debit and refund left `Unknown` or past its deadline, and
//!   `client.resume(flow_id)` settles one debit when its order page is opened.
//!
//! Against OVO's staging, drop the sandbox: build `SnapConfig::staging(..)` with your client id
//! and the callback URL registered with OVO, load your own keys, set `OVO_STORE_KEY`, and give
//! the shop a public HTTPS address. `tests/tests/merchant.rs` drives this shop in headless
//! Chromium.
//!
//! `OVO_MERCHANT_LISTEN` sets the address to listen on (`127.0.0.1:0` by default: a free port).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use ovo_flows::{Action, Debit, Flow as _, FlowKind, Refund};
use ovo_http::ovo_model::snap::{
    BindingRequest, DirectDebitRequest, RefundRequest, TransactionStatus, UrlParam, UrlParamType,
};
use ovo_http::ovo_model::{Idr, SnapMoney};
use ovo_http::ovo_sign::{ClientSecret, PrivateKey, PublicKey};
use ovo_http::{
    ClientError, DebitOutcome, DebitProgress, DokuNotificationVerifier, HyperTransport,
    LinkingOutcome, NotificationError, OvoClient, RefundOutcome, Resumed, SnapConfig,
    SnapCredentials, SnapNotifyVerifier,
};
use ovo_sandbox::{AccountSpec, DokuPartnerSpec, PartnerSpec, Sandbox, SandboxHandle};
use ovo_store::{KEY_VARIABLE, SqlStore, StoreKey};
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
/// How often the shop settles what is left pending (`OvoClient::reconcile`).
const RECONCILE_EVERY: Duration = Duration::from_secs(30);

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

    // The durable store: tokens and flows sealed with the store key.
    let key = store_key(std::env::var_os(KEY_VARIABLE).as_deref())?;
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
    let shop = Arc::new(Shop {
        url: url.clone(),
        client,
        orders,
        snap_notifications,
        doku_notifications,
        _sandbox: sandbox,
    });
    // Settles what is pending, now (what a crash or a restart left behind) and every 30 s, for
    // as long as the shop is served.
    tokio::spawn(reconcile_periodically(Arc::downgrade(&shop)));
    let router = Router::new()
        .route("/", get(home))
        .route("/link", post(link))
        .route("/pay", post(pay))
        .route(CALLBACK, get(callback))
        .route("/orders/{invoice}", get(order))
        .route("/orders/{invoice}/refund", post(refund))
        .route(SNAP_NOTIFICATIONS, post(snap_notification))
        .route(DOKU_NOTIFICATIONS, post(doku_notification))
        .with_state(shop);
    Ok(Opened {
        router,
        url,
        sandbox_url,
    })
}

/// The store key, from `OVO_STORE_KEY`'s value: base64 of 32 random bytes (several,
/// comma-separated, to rotate). In production it must be set: without the same key after a
/// restart, the stored tokens and flows cannot be opened. Only a *missing* variable falls back to
/// a throwaway key, for this demo; a malformed one is an error, never silently replaced (the shop
/// would otherwise start, then fail to read everything it stored).
pub(crate) fn store_key(value: Option<&OsStr>) -> Result<StoreKey, Error> {
    match value {
        None => {
            println!("{KEY_VARIABLE} is not set: using a throwaway store key (demo only)");
            Ok(StoreKey::parse(&StoreKey::generate()?)?)
        }
        Some(value) => {
            let value = value
                .to_str()
                .ok_or_else(|| format!("{KEY_VARIABLE} is not valid UTF-8"))?;
            Ok(StoreKey::parse(value)?)
        }
    }
}

/// Serves the shop until Ctrl-C, on a database in a fresh private temporary directory (the
/// sandbox keeps nothing across runs, so neither does the shop). A real shop keeps its database.
#[tokio::main]
async fn main() -> Result<(), Error> {
    // The SDK and the shop log through `tracing`: errors the customer only sees as "something
    // went wrong" are here, for you.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .init();
    let listen: SocketAddr = std::env::var("OVO_MERCHANT_LISTEN")
        .unwrap_or_else(|_| "127.0.0.1:0".to_owned())
        .parse()?;
    let listener = TcpListener::bind(listen).await?;
    // Readable by this user only (0700): the database holds customers' (sealed) tokens. Removed
    // with its files when `directory` is dropped, at the end of `main`.
    let directory = tempfile::Builder::new().prefix("ovo-merchant-").tempdir()?;
    let database = directory.path().join("shop.db");
    let shop = shop(&listener, &format!("sqlite:{}", database.display())).await?;
    println!("The shop is open at {}/ (Ctrl-C to stop)", shop.url);
    println!("OVO (the sandbox) is at {}", shop.sandbox_url);
    axum::serve(listener, shop.router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

// ----- Settling what is pending -----

/// Runs [`reconcile`] now and then every [`RECONCILE_EVERY`], until the shop is dropped. Several
/// instances may each run it: the SDK skips a flow another instance is advancing.
async fn reconcile_periodically(shop: Weak<Shop>) {
    let mut every = tokio::time::interval(RECONCILE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await; // the first tick is immediate: the start-up pass
        let Some(shop) = shop.upgrade() else { return };
        if let Err(error) = reconcile(&shop).await {
            tracing::error!(%error, "reconciling the pending payments and refunds failed");
        }
    }
}

/// One pass: `client.reconcile` settles every stored debit and refund left `Unknown` (or
/// stored with a call in flight when the shop crashed) by status inquiries, never by sending
/// again, and ends the debits whose webview timed out; each settled flow is mapped back to its
/// order.
async fn reconcile(shop: &Shop) -> Result<(), Error> {
    let now = time::OffsetDateTime::now_utc();
    for (flow_id, resumed) in shop.client.reconcile(now).await? {
        match resumed {
            Resumed::Debit(outcome) => {
                if let Some(invoice) = order_of_flow(shop, &flow_id).await? {
                    settle(shop, &invoice, &outcome).await?;
                }
            }
            Resumed::Refund(outcome) => match order_of_flow(shop, &flow_id).await? {
                Some(invoice) => settle_refund(shop, &invoice, &outcome).await?,
                // Not one of this shop's refunds: nothing to update, but a person should look.
                None => tracing::warn!(flow = %flow_id, ?outcome, "a refund of no known order"),
            },
            // A linking waiting for the customer, or ended: no order to update.
            _ => {}
        }
    }
    Ok(())
}

/// The order a stored debit or refund flow is for. A debit's flow id is on its order (recorded
/// before the browser left for the webview); if the shop crashed before recording it, the stored
/// debit still names its `partnerReferenceNo`, the invoice. `client.refund` does not return its
/// flow's id, so a refund is found through the stored flow's `partnerRefundNo`, which this shop
/// makes from the invoice ([`refund_no`]).
async fn order_of_flow(shop: &Shop, flow_id: &str) -> Result<Option<String>, Error> {
    let on_order: Option<(String,)> =
        sqlx::query_as("SELECT invoice FROM shop_orders WHERE flow_id = ?")
            .bind(flow_id)
            .fetch_optional(&shop.orders)
            .await?;
    if let Some((invoice,)) = on_order {
        return Ok(Some(invoice));
    }
    let Some(stored) = shop.client.flow_store().get(flow_id).await? else {
        return Ok(None);
    };
    Ok(match stored.kind {
        FlowKind::Debit => {
            let debit: Debit = ovo_flows::from_state(&stored.state, stored.secrets)?;
            Some(debit.reference().to_owned())
        }
        FlowKind::Refund => {
            let refund: Refund = ovo_flows::from_state(&stored.state, stored.secrets)?;
            refund
                .refund_no()
                .strip_prefix(REFUND_PREFIX)
                .map(str::to_owned)
        }
        _ => None,
    })
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
            set_status_from(&shop, &invoice, "pending", "refused").await?;
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
                // The webview timed out before the customer came back: the SDK ended the debit
                // without capturing anything. Say so on the order before answering.
                Err(error @ ClientError::FlowExpired { .. }) => {
                    set_status_from(&shop, &invoice, "pending", "expired").await?;
                    return Err(callback_failure(error));
                }
                Err(error) => return Err(callback_failure(error)),
            }
            Ok(Redirect::to(&format!("/orders/{invoice}")))
        }
        // Otherwise the linking's webview: the B2B2C token, stored in the token store.
        None => match shop.client.finish_linking(id, &received).await {
            Ok(LinkingOutcome::Linked(_)) | Err(ClientError::FlowFinished { .. }) => {
                Ok(Redirect::to("/"))
            }
            Ok(LinkingOutcome::Refused { message, .. }) => Err(Failure::new(
                StatusCode::BAD_GATEWAY,
                format!("OVO did not link the account: {message}"),
            )),
            Ok(LinkingOutcome::NotLinked { reason }) => Err(Failure::new(
                StatusCode::BAD_GATEWAY,
                format!("OVO did not link the account: {reason}. Please try again."),
            )),
            Err(error) => Err(callback_failure(error)),
        },
    }
}

/// A callback the SDK did not accept: none of these sent anything to OVO.
fn callback_failure(error: ClientError) -> Failure {
    match error {
        // No such flow (a forged or mistyped `state`).
        ClientError::FlowNotFound { .. } => {
            Failure::new(StatusCode::NOT_FOUND, "This link is not known to the shop.")
        }
        // The webview's time ran out before the customer came back: start again.
        ClientError::FlowExpired { .. } => Failure::new(
            StatusCode::GONE,
            "OVO's page timed out before you came back: nothing was charged. Please start again.",
        ),
        // Another instance is finishing it right now (a double submit).
        ClientError::FlowNotWaiting { .. } => Failure::new(
            StatusCode::CONFLICT,
            "This is being handled already: see your orders on the shop's home page.",
        ),
        error => Failure::from(error),
    }
}

/// An order: pending, paid, refused, expired, refunding, refund pending or refunded; a paid one
/// can be refunded. A pending debit is settled here first, so that "reload this page later" is
/// true.
async fn order(State(shop): Shared, Path(invoice): Path<String>) -> Result<Html<String>, Failure> {
    let Some(Order {
        status, flow_id, ..
    }) = load_order(&shop, &invoice).await?
    else {
        return Err(Failure::new(StatusCode::NOT_FOUND, "no such order"));
    };
    if let ("pending", Some(flow_id)) = (status.as_str(), flow_id) {
        settle_pending_debit(&shop, &invoice, &flow_id).await?;
    }
    let Some(Order {
        rupiah: rupiah_paid,
        status,
        notified,
        ..
    }) = load_order(&shop, &invoice).await?
    else {
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
        @if status == "expired" {
            p { "OVO's page timed out before you confirmed: nothing was charged." }
        }
        @if status == "refunding" {
            p { "The refund is on its way to OVO: reload this page in a moment." }
        }
        @if status == "refund pending" {
            p {
                "OVO has not confirmed the refund yet; the shop asks OVO again every 30 seconds. "
                "Reload this page later."
            }
        }
        p { a id="home" href="/" { "Back to the shop" } }
    }))
}

/// "Refund": the whole amount, through the client (a B2B token, then OVO's refund call).
async fn refund(State(shop): Shared, Path(invoice): Path<String>) -> Result<Redirect, Failure> {
    let Some(order) = load_order(&shop, &invoice).await? else {
        return Err(Failure::new(StatusCode::NOT_FOUND, "no such order"));
    };
    // Claim the order, in one statement: of two requests at once (a double click, two tabs, two
    // instances), exactly one moves it from paid to refunding and goes on; the other is told no.
    // Checking the status read above and then refunding would let both through.
    let claimed = sqlx::query(
        "UPDATE shop_orders SET status = 'refunding' WHERE invoice = ? AND status = 'paid'",
    )
    .bind(&invoice)
    .execute(&shop.orders)
    .await?
    .rows_affected();
    if claimed != 1 {
        return Err(Failure::new(
            StatusCode::CONFLICT,
            "This order is not paid (or is being refunded): it cannot be refunded.",
        ));
    }
    let money = SnapMoney::idr(Idr::from_rupiah(order.rupiah));
    let request = RefundRequest::new(&invoice, refund_no(&invoice), money);
    let outcome = match shop.client.refund(CUSTOMER, &request).await {
        Ok(outcome) => outcome,
        // The flow store failed, or a `reconcile` pass took the flow over (it settles a flow
        // whose call is in flight as if the shop had crashed): the refund may have been sent.
        // Leave it pending; `reconcile` settles it.
        Err(error @ ClientError::Store(_)) => {
            tracing::warn!(invoice, %error, "the refund's outcome is not known yet");
            set_status_from(&shop, &invoice, "refunding", "refund pending").await?;
            return Ok(Redirect::to(&format!("/orders/{invoice}")));
        }
        // Any other error means nothing that could refund was sent: the order is paid again.
        Err(error) => {
            set_status_from(&shop, &invoice, "refunding", "paid").await?;
            return Err(error.into());
        }
    };
    // If the shop crashes before this line, the order stays "refunding": the refund's stored
    // flow is settled by `reconcile` at the next start, and mapped back to the order. (Had the
    // shop crashed before the SDK stored the flow, nothing was sent; the order then stays
    // "refunding" and a person must look at it.)
    settle_refund(&shop, &invoice, &outcome).await?;
    Ok(Redirect::to(&format!("/orders/{invoice}")))
}

/// The refund's reference (`partnerRefundNo`) is ours, unique per refund: one full refund per
/// order here, so it is made from the invoice, and `reconcile` maps a refund back to its order.
const REFUND_PREFIX: &str = "RF-";

fn refund_no(invoice: &str) -> String {
    format!("{REFUND_PREFIX}{invoice}")
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
    let handled = match &notify.original_partner_reference_no {
        Some(invoice) => {
            let status = match &notify.latest_transaction_status {
                // Paid, if OVO captured what the order asks for: a different (or missing) amount
                // leaves the order as it is, for a person to look at.
                TransactionStatus::Success => {
                    let captured = notify.amount.as_ref().map(|amount| amount.value);
                    match order_amount(&shop, invoice).await {
                        Ok(Some(amount)) if captured == Some(amount) => "paid",
                        Ok(Some(amount)) => {
                            tracing::error!(
                                invoice,
                                ?captured,
                                ?amount,
                                "OVO notified a payment of another amount than the order's"
                            );
                            "pending"
                        }
                        Ok(None) => "pending",
                        Err(error) => return acknowledge(verified, Err(error), now).await,
                    }
                }
                // Still in progress (initiated, paying, pending, or a status not known here).
                status if status.is_pending() => "pending",
                // Canceled, failed or not found: nothing was captured.
                _ => "refused",
            };
            mark_notified(&shop, invoice, status).await
        }
        None => Ok(()),
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
            Err(error) => {
                // Handled, but not recorded as handled: the provider's retry is handled again
                // (the handlers above are idempotent, so that is harmless).
                tracing::error!(%error, "a handled notification could not be committed");
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
        },
        Err(error) => {
            tracing::error!(%error, "a notification's handler failed; the provider will retry");
            if let Err(error) = verified.release().await {
                // Its claim lapses after the store's lease: the retry after that is handled.
                tracing::error!(%error, "a failed notification could not be released");
            }
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
        NotificationError::Store(_) => {
            tracing::error!(%error, "a notification could not be checked against the store");
            StatusCode::SERVICE_UNAVAILABLE
        }
        NotificationError::Body(_) => {
            tracing::warn!(%error, "a malformed notification was refused");
            StatusCode::BAD_REQUEST
        }
        _ => {
            tracing::warn!(%error, "a notification was refused");
            StatusCode::UNAUTHORIZED
        }
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

/// An order, as the shop stores it.
struct Order {
    rupiah: u64,
    status: String,
    flow_id: Option<String>,
    notified: bool,
}

async fn load_order(shop: &Shop, invoice: &str) -> Result<Option<Order>, sqlx::Error> {
    let row: Option<(i64, String, Option<String>, bool)> = sqlx::query_as(
        "SELECT rupiah, status, flow_id, notified FROM shop_orders WHERE invoice = ?",
    )
    .bind(invoice)
    .fetch_optional(&shop.orders)
    .await?;
    row.map(|(rupiah, status, flow_id, notified)| {
        Ok(Order {
            // SQLite has signed integers only: a negative amount is a corrupt row, not a price.
            rupiah: u64::try_from(rupiah).map_err(|error| sqlx::Error::ColumnDecode {
                index: "rupiah".into(),
                source: Box::new(error),
            })?,
            status,
            flow_id,
            notified,
        })
    })
    .transpose()
}

/// The amount an order asks for, to compare with what a notification says was captured.
async fn order_amount(shop: &Shop, invoice: &str) -> Result<Option<Idr>, sqlx::Error> {
    Ok(load_order(shop, invoice)
        .await?
        .map(|order| Idr::from_rupiah(order.rupiah)))
}

async fn set_flow(shop: &Shop, invoice: &str, flow_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE shop_orders SET flow_id = ? WHERE invoice = ?")
        .bind(flow_id)
        .bind(invoice)
        .execute(&shop.orders)
        .await
        .map(drop)
}

/// Moves an order from status `from` to `to`, and only from `from`: a late or repeated outcome
/// never overwrites a later state (a refunded order never becomes paid again).
async fn set_status_from(
    shop: &Shop,
    invoice: &str,
    from: &str,
    to: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE shop_orders SET status = ? WHERE invoice = ? AND status = ?")
        .bind(to)
        .bind(invoice)
        .bind(from)
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

/// Records a debit's outcome on its order, if the order is still pending.
async fn settle(shop: &Shop, invoice: &str, outcome: &DebitOutcome) -> Result<(), sqlx::Error> {
    let status = match outcome {
        DebitOutcome::Paid { .. } => "paid",
        DebitOutcome::Refused { .. } => "refused",
        DebitOutcome::Abandoned { reason } => {
            if *reason == ovo_http::Reason::WebviewTimedOut {
                "expired"
            } else {
                "refused"
            }
        }
        // Maybe paid: the order stays pending until `resume` or `reconcile` settles it (or
        // OVO's notification arrives). Never ask the customer to pay again blindly.
        DebitOutcome::Unknown => return Ok(()),
    };
    set_status_from(shop, invoice, "pending", status).await
}

/// Records a refund's outcome on its order, claimed by [`refund`] ("refunding") or left
/// "refund pending".
async fn settle_refund(
    shop: &Shop,
    invoice: &str,
    outcome: &RefundOutcome,
) -> Result<(), sqlx::Error> {
    let status = match outcome {
        RefundOutcome::Refunded { .. } => "refunded",
        // Refused, or certainly not refunded: the order is paid again (and can be refunded).
        RefundOutcome::Refused { .. } | RefundOutcome::NotRefunded => "paid",
        // Maybe refunded: never refund again blindly; `reconcile` settles the stored flow.
        RefundOutcome::Unknown => "refund pending",
    };
    sqlx::query(
        "UPDATE shop_orders SET status = ?
         WHERE invoice = ? AND status IN ('refunding', 'refund pending')",
    )
    .bind(status)
    .bind(invoice)
    .execute(&shop.orders)
    .await
    .map(drop)
}

/// Settles a pending order's debit now, by its stored flow: `resume` makes OVO's status
/// inquiries for a debit left `Unknown`, ends one whose webview timed out, and leaves one whose
/// customer is still in the webview. A failure leaves the order pending (and is logged): the
/// page still shows.
async fn settle_pending_debit(shop: &Shop, invoice: &str, flow_id: &str) -> Result<(), Failure> {
    match shop.client.resume(flow_id).await {
        Ok(Resumed::Debit(outcome)) => settle(shop, invoice, &outcome).await?,
        // The flow was settled, but not the order (the shop stopped in between): the stored
        // flow holds the outcome.
        Err(ClientError::FlowFinished { .. }) => {
            if let Some(stored) = shop.client.flow_store().get(flow_id).await? {
                let mut debit: Debit = ovo_flows::from_state(&stored.state, stored.secrets)?;
                if let Action::Done(outcome) = debit.poll(time::OffsetDateTime::now_utc()) {
                    settle(shop, invoice, &outcome).await?;
                }
            }
        }
        // Still in OVO's webview, a call of it still on its way (another request of this shop
        // is finishing it), or not a debit: nothing to record yet.
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(invoice, %error, "the pending debit could not be resumed");
        }
    }
    Ok(())
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

/// A failed page: its status and what to tell the customer.
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

/// Any other error of the SDK, the store or the database is logged for you, and is a 500 page
/// telling the customer no more than that: its text is for the merchant, not the customer.
impl<E: std::error::Error> From<E> for Failure {
    fn from(error: E) -> Self {
        tracing::error!(%error, "a page failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side. Please try again later.",
        )
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
