//! The durable job queue (outbox) in the database, used by every reminder, message, sync and
//! scheduled report; recurring work ([`schedule`]) and domain events ([`events`]) run through
//! it too.
//!
//! Delivery is at least once: a worker leases a job; if it dies (even `kill -9`), the lease runs
//! out and another worker takes the job again. A handler makes its changes in the job's own
//! transaction ([`JobRun::tx`]) and the worker completes the job in it, only while it still
//! holds the lease: the changes and the completion commit together, and a job never completes
//! twice. Failures retry with exponential backoff; after `max_attempts` the job is dead and
//! listed in the console for a person to look at and requeue.

pub mod events;
pub mod model;
pub mod schedule;
pub(crate) mod store;
mod worker;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hops_kernel::{HospitalId, Instant, JobId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::accounts::model::Permission;
use crate::core::{Access, Core, Tx};
use crate::error::{Error, Result};
pub use events::{Event, Subscriber, Subscription, publish, subscribe};
pub use model::Status;
pub use schedule::{Every, Schedule, Tick, enqueue_due};
pub use store::JobRow;
pub use worker::{run_one, spawn_workers};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A job being run: who it acts as, and its one transaction.
pub struct JobRun {
    /// Acts as the system on the job's hospital.
    pub access: Access,
    pub id: JobId,
    pub attempt: i32,
    worker: String,
    tx: Option<Tx>,
}

impl JobRun {
    /// The job's transaction, opened at first use. Everything the handler changes goes into
    /// it; the worker completes the job in it and commits, so the changes and the completion
    /// commit together or not at all (a run whose lease another worker took over is rolled
    /// back). Do outside calls (an SMS gateway, WeChat Pay) before asking for it: on SQLite an
    /// open write transaction holds the database's write lock.
    pub async fn tx(&mut self) -> Result<(&Access, &mut Tx)> {
        let tx = match self.tx.take() {
            Some(tx) => tx,
            None => self.access.tenant().write().await?,
        };
        Ok((&self.access, self.tx.insert(tx)))
    }

    pub fn worker(&self) -> &str {
        &self.worker
    }
}

/// A kind of job: its payload and the code that runs it.
///
/// The handler makes its database changes in [`JobRun::tx`] and never commits: the worker
/// completes the job in that same transaction. Delivery is at least once, so a handler must be
/// idempotent (a second run after a crash finds its work done); an outside call made before a
/// crash may be made again.
pub trait Job: Send + Sync + 'static {
    /// Unique across the application: `<module>.<what>`.
    const KIND: &'static str;
    /// What it does, in Chinese, for the console.
    const LABEL: &'static str;
    type Payload: Serialize + DeserializeOwned + Send;
    fn max_attempts(&self) -> i32 {
        8
    }
    /// How long a run may take before another worker takes the job over.
    fn lease_seconds(&self) -> i64 {
        300
    }
    fn run<'a>(&'a self, job: &'a mut JobRun, payload: Self::Payload) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// Why a run failed.
pub enum Failure {
    /// Tried again later with back-off, until the attempts run out.
    Retry(String),
    /// Dead at once: retrying cannot help (a payload that does not read, a panic).
    Permanent(String),
}

/// A [`Job`] as the registry holds it (any payload type).
pub trait JobHandler: Send + Sync + 'static {
    fn kind(&self) -> &'static str;
    fn label_zh(&self) -> &'static str;
    fn max_attempts(&self) -> i32;
    fn lease_seconds(&self) -> i64;
    fn run_payload<'a>(&'a self, job: &'a mut JobRun, payload: &'a str) -> BoxFuture<'a, std::result::Result<(), Failure>>;
}

impl<J: Job> JobHandler for J {
    fn kind(&self) -> &'static str {
        J::KIND
    }
    fn label_zh(&self) -> &'static str {
        J::LABEL
    }
    fn max_attempts(&self) -> i32 {
        Job::max_attempts(self)
    }
    fn lease_seconds(&self) -> i64 {
        Job::lease_seconds(self)
    }
    fn run_payload<'a>(&'a self, job: &'a mut JobRun, payload: &'a str) -> BoxFuture<'a, std::result::Result<(), Failure>> {
        Box::pin(async move {
            let payload: J::Payload =
                serde_json::from_str(payload).map_err(|e| Failure::Permanent(format!("任务内容无法读取（{}）：{e}", J::KIND)))?;
            self.run(job, payload).await.map_err(|e| Failure::Retry(format!("{e:#}")))
        })
    }
}

/// The registered job kinds, schedules and event subscriptions, and the wake-up signal of
/// the workers.
#[derive(Clone, Default)]
pub struct Jobs {
    handlers: Arc<HashMap<&'static str, Arc<dyn JobHandler>>>,
    schedules: Arc<Vec<Schedule>>,
    /// Event name → the job kinds that deliver it to its subscribers.
    subscribers: Arc<HashMap<&'static str, Vec<&'static str>>>,
    notify: Arc<Notify>,
    /// Jobs by status as last counted, and when (see [`status_counts`]).
    counted: Arc<std::sync::Mutex<Option<Counted>>>,
    /// The last slot enqueued per hospital and schedule by this process (saves a write per tick).
    enqueued: Arc<std::sync::Mutex<HashMap<(HospitalId, &'static str), Instant>>>,
}

/// Jobs by status, and when they were counted.
type Counted = (std::time::Instant, Vec<(String, i64)>);

/// What the modules hand the job system: job kinds, recurring work and event subscriptions.
#[derive(Default)]
pub struct Registry {
    pub handlers: Vec<Arc<dyn JobHandler>>,
    pub schedules: Vec<Schedule>,
    pub subscriptions: Vec<Subscription>,
}

impl Jobs {
    /// Panics on a kind registered twice (a programming error found at start).
    pub fn new(r: Registry) -> Jobs {
        let mut map: HashMap<&'static str, Arc<dyn JobHandler>> = HashMap::new();
        let builtin = crate::sms::job_handlers().into_iter().chain(crate::notify::service::job_handlers());
        let subscribed = r.subscriptions.iter().map(|s| s.handler.clone());
        let scheduled = r.schedules.iter().map(|s| s.handler.clone());
        let probe: Arc<dyn JobHandler> = Arc::new(ProbeJob);
        for h in std::iter::once(probe).chain(builtin).chain(r.handlers).chain(subscribed).chain(scheduled) {
            let kind = h.kind();
            assert!(map.insert(kind, h).is_none(), "job kind {kind} registered twice");
        }
        for s in &r.schedules {
            if let Err(e) = s.every.check() {
                panic!("schedule of {}: {e}", s.kind());
            }
        }
        let mut subscribers: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for s in &r.subscriptions {
            subscribers.entry(s.event).or_default().push(s.handler.kind());
        }
        Jobs { handlers: Arc::new(map), schedules: Arc::new(r.schedules), subscribers: Arc::new(subscribers), ..Jobs::default() }
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<_> = self.handlers.keys().copied().collect();
        k.sort_unstable();
        k
    }

    pub fn schedules(&self) -> &[Schedule] {
        &self.schedules
    }

    /// What a job kind does, in Chinese (the kind itself when it is not registered here).
    pub fn label_zh<'a>(&self, kind: &'a str) -> &'a str {
        self.handlers.get(kind).map_or(kind, |h| h.label_zh())
    }
}

/// What to enqueue: a job of a kind with its payload, made by [`Enqueue::job`].
pub struct Enqueue<'a> {
    kind: &'static str,
    payload: serde_json::Result<String>,
    idem_key: Option<&'a str>,
    run_at: Option<Instant>,
}

impl<'a> Enqueue<'a> {
    /// A job of kind `J` with its payload, due now.
    pub fn job<J: Job>(payload: &J::Payload) -> Enqueue<'a> {
        Enqueue { kind: J::KIND, payload: serde_json::to_string(payload), idem_key: None, run_at: None }
    }

    /// Enqueueing twice with the same key (per kind) yields the first job.
    pub fn key(self, key: &'a str) -> Enqueue<'a> {
        Enqueue { idem_key: Some(key), ..self }
    }

    /// Due at `at` instead of now.
    pub fn at(self, at: Instant) -> Enqueue<'a> {
        Enqueue { run_at: Some(at), ..self }
    }
}

/// Enqueues a job inside the caller's transaction (the outbox pattern: the job exists if and
/// only if the change that asked for it committed). Returns the id and whether it is new.
pub async fn enqueue(access: &Access, tx: &mut Tx, e: Enqueue<'_>) -> Result<(JobId, bool)> {
    let id = JobId(tx.next_id(access.engine()).await?);
    enqueue_as(access, tx, id, e).await
}

/// [`enqueue`] with an id the caller allocated together with its own (one round trip less on
/// hot paths).
pub async fn enqueue_as(access: &Access, tx: &mut Tx, id: JobId, e: Enqueue<'_>) -> Result<(JobId, bool)> {
    let jobs = &access.core().jobs;
    let handler = jobs.handlers.get(e.kind).ok_or_else(|| Error::Internal(anyhow::anyhow!("unknown job kind {}", e.kind)))?;
    let payload = e.payload.map_err(|err| Error::Internal(anyhow::anyhow!("job {} payload: {err}", e.kind)))?;
    let now = access.now();
    let r = store::insert(
        tx,
        store::NewJob {
            id,
            kind: e.kind,
            payload: &payload,
            idem_key: e.idem_key,
            max_attempts: handler.max_attempts(),
            run_at: e.run_at.unwrap_or(now),
            now,
        },
    )
    .await?;
    jobs.notify.notify_waiters();
    Ok(r)
}

pub async fn list(access: &Access, status: Option<Status>, offset: i64, limit: i64) -> Result<(Vec<JobRow>, i64)> {
    access.require(Permission::JobsManage)?;
    let mut c = access.tenant().read().await?;
    Ok(store::list(&mut c, status, offset, limit).await?)
}

pub async fn counts(access: &Access) -> Result<Vec<(Status, i64)>> {
    let mut c = access.tenant().read().await?;
    Ok(store::counts(&mut c).await?)
}

pub async fn get(access: &Access, id: JobId) -> Result<JobRow> {
    access.require(Permission::JobsManage)?;
    let mut c = access.tenant().read().await?;
    store::get(&mut c, id).await?.ok_or_else(|| Error::not_found("任务"))
}

/// Requeues a dead job (from the dead-letter list).
pub async fn requeue(access: &Access, id: JobId) -> Result<()> {
    access.require(Permission::JobsManage)?;
    let mut tx = access.tenant().write().await?;
    if store::get(&mut tx, id).await?.is_none() {
        return Err(Error::not_found("任务"));
    }
    if !store::requeue(&mut tx, id, access.now()).await? {
        return Err(Error::conflict("not_dead", "只有失败（死信）的任务可以重新执行"));
    }
    access.audit(&mut tx, "job.requeue", &format!("job:{id}"), "").await?;
    tx.commit().await?;
    access.core().jobs.notify.notify_waiters();
    Ok(())
}

/// Enqueues `count` probe jobs that each wait `sleep_ms` and record their completion: an
/// end-to-end check of the workers (and the crash-safety test's workload).
pub async fn enqueue_probes(access: &Access, count: u32, sleep_ms: u64) -> Result<Vec<JobId>> {
    access.require(Permission::JobsManage)?;
    if !(1..=10_000).contains(&count) || sleep_ms > 60_000 {
        return Err(Error::invalid_field("count", "count 应为 1–10000，sleep_ms 不超过 60000"));
    }
    let mut tx = access.tenant().write().await?;
    let mut ids = Vec::with_capacity(count as usize);
    for _ in 0..count {
        ids.push(enqueue(access, &mut tx, Enqueue::job::<ProbeJob>(&Probe { sleep_ms })).await?.0);
    }
    access.audit(&mut tx, "job.probe", "jobs", &format!("{count} × {sleep_ms} ms")).await?;
    tx.commit().await?;
    Ok(ids)
}

/// Built-in probe: waits, then records one row per completion in `job_probes`.
struct ProbeJob;

#[derive(Serialize, Deserialize)]
struct Probe {
    sleep_ms: u64,
}

impl Job for ProbeJob {
    const KIND: &'static str = "system.probe";
    const LABEL: &'static str = "队列自检";
    type Payload = Probe;
    fn lease_seconds(&self) -> i64 {
        5
    }
    fn run<'a>(&'a self, job: &'a mut JobRun, p: Probe) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(p.sleep_ms)).await;
            let (id, worker) = (job.id, job.worker.clone());
            let (access, tx) = job.tx().await?;
            let row = tx.next_id(access.engine()).await?;
            store::insert_probe(tx, row, id, &worker, access.now()).await?;
            Ok(())
        })
    }
}

/// How long the counts of [`status_counts`] are reused.
pub const COUNTS_MAX_AGE: Duration = Duration::from_secs(30);

/// Jobs by status across hospitals, for monitoring: counted at most once per
/// [`COUNTS_MAX_AGE`] whatever the scrape rate (a scrape never scans the jobs table itself).
pub async fn status_counts(core: &Core) -> Result<Vec<(String, i64)>> {
    {
        let cached = core.jobs.counted.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, counts)) = cached.as_ref()
            && at.elapsed() < COUNTS_MAX_AGE
        {
            return Ok(counts.clone());
        }
    }
    let mut c = core.db().system().read().await?;
    let counts = store::counts_all(&mut c).await?;
    *core.jobs.counted.lock().unwrap_or_else(|p| p.into_inner()) = Some((std::time::Instant::now(), counts.clone()));
    Ok(counts)
}
