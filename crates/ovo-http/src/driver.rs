//! The one loop that drives any flow: it asks the flow what to do, sends calls through a
//! [`Caller`] (which owns signing, credentials and the retry policy), sleeps until the flow's next
//! deadline, and writes the flow to its store before every call that could change something and
//! at every stop. It decides nothing: the flow and `ovo_flows::RetryPolicy` do.

use std::future::Future;
use std::ops::ControlFlow;
use std::sync::{Mutex, PoisonError};

use ovo_flows::{Action, Call, Event, Flow, FlowStore, Received, StoredFlow};
use ovo_model::Secret;
use time::OffsetDateTime;

use crate::error::ClientError;
use crate::flow_cache::FlowCache;
use crate::options::ClientOptions;

/// Sends one call of a flow, with retries and credentials, and tells the time.
pub(crate) trait Caller: Sync {
    /// Sends `call` (for the flow's customer, if any) and returns what came of it.
    fn call<'a>(
        &'a self,
        call: &'a Call,
        customer: Option<&'a str>,
    ) -> impl Future<Output = Result<Received, ClientError>> + Send + 'a;

    /// Now, from the client's clock.
    fn now(&self) -> OffsetDateTime;
}

/// Where a driven flow stopped.
#[derive(Debug)]
pub(crate) enum Step<O> {
    /// The customer must go to this webview; the flow is stored.
    Webview(Secret),
    /// Finished, or unsettled past the deadline (then `Unknown` and still stored unsettled).
    Done(O),
    /// Waiting beyond the deadline for something other than money (a webview): still stored.
    Pending,
}

/// The flow's record in its store, when it is stored.
#[derive(Debug)]
pub(crate) struct Record<'a> {
    /// The store the flow is written to, a compare-and-swap on its revision.
    pub(crate) store: &'a dyn FlowStore,
    /// The flow as last read or written, with that revision.
    pub(crate) flow: StoredFlow,
    /// The client's cache of the flows it wrote, told of every write (`None`: no cache).
    pub(crate) cache: Option<&'a Mutex<FlowCache>>,
}

impl Record<'_> {
    /// Writes the flow where it stands (a compare-and-swap on its revision). The cache learns
    /// the written flow; a failed write (a conflict or any other error: it may or may not have
    /// happened) drops the flow from it, so the next callback reads the store.
    async fn save<F: Flow>(
        &mut self,
        flow: &F,
        settled: bool,
        wake_at: Option<OffsetDateTime>,
    ) -> Result<(), ClientError> {
        self.flow.state = ovo_flows::to_state(flow)?;
        self.flow.secrets = flow.secrets().clone();
        self.flow.settled = settled;
        self.flow.wake_at = wake_at;
        let written = self.store.put(&self.flow).await;
        let cache = self
            .cache
            .map(|cache| cache.lock().unwrap_or_else(PoisonError::into_inner));
        match written {
            Ok(revision) => {
                self.flow.revision = revision;
                if let Some(mut cache) = cache {
                    cache.written(&self.flow, std::time::Instant::now());
                }
                Ok(())
            }
            Err(error) => {
                if let Some(mut cache) = cache {
                    cache.remove(&self.flow.id);
                }
                Err(error.into())
            }
        }
    }
}

/// Drives `flow` until it finishes, needs the customer, or the operation's deadline passes.
/// `record` is left as last written (its revision tells the caller whether any write succeeded).
pub(crate) async fn drive<F, C>(
    caller: &C,
    options: &ClientOptions,
    flow: &mut F,
    record: &mut Option<Record<'_>>,
) -> Result<Step<F::Outcome>, ClientError>
where
    F: Flow + Send,
    C: Caller,
{
    let customer = record.as_ref().and_then(|r| r.flow.customer.clone());
    // Whether this drive sent a call: until it has, an outcome it cannot store over another
    // instance's newer write is not this drive's to report.
    let mut sent_any = false;
    let deadline = ovo_flows::later(caller.now(), options.operation_deadline);
    loop {
        let now = caller.now();
        if now >= deadline && !flow.is_done() {
            return past_deadline(flow, record, now).await;
        }
        // Whether money may have moved before this step: decides what an error below means.
        let unsettled_before = flow.unsettled_outcome().is_some();
        match flow.poll(now) {
            Action::Send(call) => {
                sent_any = true;
                let sending = Sending {
                    call: &call,
                    customer: customer.as_deref(),
                    now,
                    deadline,
                    unsettled_before,
                };
                if let ControlFlow::Break(stopped) = send(caller, flow, record, sending).await {
                    return stopped;
                }
            }
            Action::OpenWebview(url) => {
                let until = match flow.poll(now) {
                    Action::WakeAt(until) => Some(until),
                    _ => None,
                };
                stop(record, flow, until).await?;
                return Ok(Step::Webview(url));
            }
            Action::WakeAt(at) if at > deadline => {
                stop(record, flow, Some(at)).await?;
                return Ok(match flow.unsettled_outcome() {
                    Some(outcome) => Step::Done(outcome),
                    None => Step::Pending,
                });
            }
            Action::WakeAt(at) => {
                tokio::time::sleep((at - now).unsigned_abs()).await;
                flow.handle(caller.now(), Event::Timer)?;
            }
            Action::Wait => {
                return Err(ClientError::from(ovo_flows::FlowError::UnexpectedEvent(
                    "the flow is waiting with nothing in flight",
                )));
            }
            Action::Done(outcome) => return done(flow, record, outcome, sent_any).await,
        }
    }
}

/// The operation's deadline passed before the flow finished: it ends `Unknown` (stored
/// unsettled) if money may have moved, else it is cancelled, stored ended, and the caller told.
async fn past_deadline<F: Flow>(
    flow: &mut F,
    record: &mut Option<Record<'_>>,
    now: OffsetDateTime,
) -> Result<Step<F::Outcome>, ClientError> {
    tracing::info!("the operation's deadline passed");
    let Some(outcome) = flow.unsettled_outcome() else {
        // Nothing that moves money is out, and the caller is told so: the flow ends now (it
        // never sends Generate Token, call 2 or a refund later) and is stored ended.
        flow.handle(now, Event::Cancel)?;
        if let Some(record) = record.as_mut() {
            record.save(flow, flow.is_settled(), None).await?;
        }
        return Err(ClientError::DeadlinePassed);
    };
    stop(record, flow, None).await?;
    Ok(Step::Done(outcome))
}

/// One call the flow asked for, and what bounds it.
struct Sending<'a> {
    call: &'a Call,
    customer: Option<&'a str>,
    /// When the flow asked for it (before the deadline).
    now: OffsetDateTime,
    /// The drive's deadline: the call's and the write-ahead's wake-up.
    deadline: OffsetDateTime,
    /// Whether money may have moved before the flow asked for the call.
    unsettled_before: bool,
}

/// Writes the flow ahead of the call, sends it and hands the flow what came back: `Continue`
/// to poll the flow again, `Break` with what the drive returns when it cannot go on.
async fn send<F, C>(
    caller: &C,
    flow: &mut F,
    record: &mut Option<Record<'_>>,
    sending: Sending<'_>,
) -> ControlFlow<Result<Step<F::Outcome>, ClientError>>
where
    F: Flow + Send,
    C: Caller,
{
    let never_left = || {
        Event::Received(Received::Failed {
            may_have_reached: false,
        })
    };
    // Write-ahead: the store knows a call may be on its way before it is. Its wake-up is this
    // drive's deadline: until then the flow is this instance's, and `reconcile` leaves it alone
    // (after it, the instance crashed or gave up).
    if let Some(record) = record.as_mut()
        && let Err(error) = record.save(flow, false, Some(sending.deadline)).await
    {
        if let ClientError::Store(ovo_flows::StoreError::Conflict) = error {
            // Another instance advanced this flow: it is theirs.
            return ControlFlow::Break(Err(error));
        }
        // The call was not sent: tell the flow so, then end as it then stands.
        if let Err(flow_error) = flow.handle(caller.now(), never_left()) {
            return ControlFlow::Break(Err(flow_error.into()));
        }
        return ControlFlow::Break(settle(flow, error, &mut None).await);
    }
    let remaining = (sending.deadline - sending.now).unsigned_abs();
    let sent = tokio::time::timeout(remaining, caller.call(sending.call, sending.customer));
    let received = match sent.await {
        Ok(Ok(received)) => received,
        // The call loop fails only before a call could reach the provider (a missing credential,
        // a token or store outage) or after a refusal: nothing left.
        Ok(Err(error)) => {
            if let Err(flow_error) = flow.handle(caller.now(), never_left()) {
                return ControlFlow::Break(Err(flow_error.into()));
            }
            if sending.unsettled_before {
                return ControlFlow::Break(settle(flow, error, record).await);
            }
            if let Some(record) = record.as_mut()
                && let Err(store_error) = record.save(flow, flow.is_settled(), None).await
            {
                return ControlFlow::Break(Err(store_error));
            }
            return ControlFlow::Break(Err(error));
        }
        Err(_) => {
            tracing::info!("the operation's deadline passed with a call in flight");
            Received::Failed {
                may_have_reached: true,
            }
        }
    };
    match flow.handle(caller.now(), Event::Received(received)) {
        Ok(()) => ControlFlow::Continue(()),
        Err(flow_error) => ControlFlow::Break(Err(flow_error.into())),
    }
}

/// The flow finished with `outcome`: it is stored settled, and reported unless nothing was sent
/// and another instance wrote the flow since it was read.
async fn done<F: Flow>(
    flow: &F,
    record: &mut Option<Record<'_>>,
    outcome: F::Outcome,
    sent_any: bool,
) -> Result<Step<F::Outcome>, ClientError> {
    if let Some(record) = record.as_mut()
        && let Err(error) = record.save(flow, flow.is_settled(), None).await
    {
        if !sent_any && matches!(error, ClientError::Store(ovo_flows::StoreError::Conflict)) {
            // Nothing was sent, and another instance wrote this flow since it was read (a copy
            // read earlier, or cached): its outcome is theirs, and this one, decided on the
            // older copy (a failure callback after the debit was paid elsewhere, say), would be
            // wrong.
            return Err(error);
        }
        // The outcome is reported all the same: money state is never lost to a store failure.
        // The stored flow stays unsettled and is settled again later.
        tracing::error!(%error, "the flow's outcome could not be stored");
    }
    Ok(Step::Done(outcome))
}

/// Stores the flow where it stopped. A store failure is an error only while nothing that moves
/// money may have reached the provider; after that the outcome is reported all the same (the
/// flow is settled again later), never an error.
async fn stop<F: Flow>(
    record: &mut Option<Record<'_>>,
    flow: &F,
    wake_at: Option<OffsetDateTime>,
) -> Result<(), ClientError> {
    let Some(record) = record.as_mut() else {
        return Ok(());
    };
    match record.save(flow, flow.is_settled(), wake_at).await {
        Err(error) if flow.unsettled_outcome().is_some() => {
            tracing::error!(%error, "the unsettled flow could not be stored");
            Ok(())
        }
        other => other,
    }
}

/// After an error: a flow that may have moved money ends with its unsettled outcome (`Unknown`),
/// never an error; one that cannot have moved money fails with the error.
async fn settle<F: Flow>(
    flow: &F,
    error: ClientError,
    record: &mut Option<Record<'_>>,
) -> Result<Step<F::Outcome>, ClientError> {
    match flow.unsettled_outcome() {
        Some(outcome) => {
            tracing::warn!(%error, "the flow cannot go on; its outcome is not settled");
            if let Some(record) = record.as_mut()
                && let Err(error) = record.save(flow, false, None).await
            {
                tracing::error!(%error, "the unsettled flow could not be stored");
            }
            Ok(Step::Done(outcome))
        }
        None => Err(error),
    }
}
