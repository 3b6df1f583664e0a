//! Domain events between modules: the module that changes something publishes what happened
//! ([`publish`]) inside the transaction of the change; every module that subscribed
//! ([`crate::web::Module::subscriptions`]) receives it through the job queue, in a job of its
//! own, with its own retries. The queue is the outbox: an event exists if and only if its
//! change committed, and a subscriber's changes commit with the completion of its delivery job.
//!
//! Events carry identifiers and facts, never personal data in clear (the job table is not
//! encrypted): a subscriber that needs a name or a phone number asks the owning service, which
//! checks permissions and audits.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{BoxFuture, Enqueue, Job, JobHandler, JobRun, enqueue};
use crate::core::{Access, Tx};
use crate::error::Result;

/// Something that happened in a module that others may react to.
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// `<module>.<thing>.<past participle>`, e.g. `checkup.booking.paid`.
    const NAME: &'static str;
}

/// A module's reaction to an event.
pub trait Subscriber<E: Event>: Send + Sync + 'static {
    /// The kind of the jobs that deliver `E` to this subscriber, e.g.
    /// `people.on_booking_paid`: unique, like every job kind.
    const KIND: &'static str;
    /// What the reaction does, in Chinese, for the console.
    const LABEL: &'static str;
    /// Handles one event. Changes go into [`JobRun::tx`]; like every job, a delivery may
    /// come twice, so handling must be idempotent.
    fn handle<'a>(&'a self, job: &'a mut JobRun, event: E) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// A subscription as the job system holds it.
pub struct Subscription {
    pub(crate) event: &'static str,
    pub(crate) handler: Arc<dyn JobHandler>,
}

impl Subscription {
    pub fn event(&self) -> &'static str {
        self.event
    }
    pub fn kind(&self) -> &'static str {
        self.handler.kind()
    }
}

/// Subscribes `subscriber` to events `E`.
pub fn subscribe<E: Event, S: Subscriber<E>>(subscriber: S) -> Subscription {
    Subscription { event: E::NAME, handler: Arc::new(Delivery::<E, S>(subscriber, PhantomData)) }
}

/// The job that delivers events `E` to subscriber `S`.
struct Delivery<E, S>(S, PhantomData<fn() -> E>);

impl<E: Event, S: Subscriber<E>> Job for Delivery<E, S> {
    const KIND: &'static str = S::KIND;
    const LABEL: &'static str = S::LABEL;
    type Payload = E;
    fn run<'a>(&'a self, job: &'a mut JobRun, event: E) -> BoxFuture<'a, anyhow::Result<()>> {
        self.0.handle(job, event)
    }
}

/// Publishes `event` in the caller's transaction: one delivery job per subscriber, which
/// exists only if the transaction commits. With no subscriber nothing is written.
pub async fn publish<E: Event>(access: &Access, tx: &mut Tx, event: &E) -> Result<()> {
    let Some(kinds) = access.core().jobs.subscribers.get(E::NAME) else { return Ok(()) };
    let payload = serde_json::to_string(event).map_err(|e| crate::error::Error::Internal(anyhow::anyhow!("event {}: {e}", E::NAME)))?;
    for kind in kinds {
        enqueue(access, tx, Enqueue { kind, payload: Ok(payload.clone()), idem_key: None, run_at: None }).await?;
    }
    Ok(())
}
