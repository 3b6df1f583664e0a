//! The durable job queue (outbox) in the database, used by every reminder, message, sync and
//! scheduled report.
//!
//! Delivery is at least once: a worker leases a job; if it dies (even `kill -9`), the lease runs
//! out and another worker takes the job again. A job is completed in the same transaction as
//! its handler's database changes, and only by the worker that still holds the lease, so a job
//! never completes twice. Failures retry with exponential backoff; after `max_attempts` the job
//! is dead and listed in the console for a person to look at and requeue.

pub mod model;
pub(crate) mod store;

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::FutureExt;
use hops_kernel::{Instant, JobId};
use tokio::sync::{Notify, watch};

use crate::accounts::model::Permission;
use crate::core::{Access, Core, Tx};
use crate::error::{Error, Result};
pub use model::Status;
pub use store::JobRow;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A job being run.
pub struct JobRun {
    /// Acts as the system on the job's hospital.
    pub access: Access,
    pub id: JobId,
    pub payload: serde_json::Value,
    pub attempt: i32,
    worker: String,
    completed: AtomicBool,
}

impl JobRun {
    /// Completes the job inside the handler's own transaction, so its changes and the
    /// completion commit together. Fails if another worker has taken the job over.
    pub async fn complete_in(&self, tx: &mut Tx) -> Result<()> {
        if !store::complete(tx, self.id, &self.worker, self.access.now()).await? {
            return Err(Error::Internal(anyhow::anyhow!("job {} lease lost", self.id)));
        }
        self.completed.store(true, Ordering::SeqCst);
        Ok(())
    }

    pub fn worker(&self) -> &str {
        &self.worker
    }
}

/// A kind of job and the code that runs it.
pub trait JobHandler: Send + Sync + 'static {
    fn kind(&self) -> &'static str;
    fn max_attempts(&self) -> i32 {
        8
    }
    /// How long a run may take before another worker takes the job over.
    fn lease_seconds(&self) -> i64 {
        300
    }
    fn run<'a>(&'a self, job: &'a JobRun) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// The registered job kinds and the wake-up signal of the workers.
#[derive(Clone, Default)]
pub struct Jobs {
    handlers: Arc<HashMap<&'static str, Arc<dyn JobHandler>>>,
    notify: Arc<Notify>,
    /// Jobs by status as last counted, and when (see [`status_counts`]).
    counted: Arc<std::sync::Mutex<Option<Counted>>>,
}

/// Jobs by status, and when they were counted.
type Counted = (std::time::Instant, Vec<(String, i64)>);

impl Jobs {
    pub fn new(handlers: Vec<Arc<dyn JobHandler>>) -> Jobs {
        let mut map: HashMap<&'static str, Arc<dyn JobHandler>> = HashMap::new();
        map.insert(ProbeJob.kind(), Arc::new(ProbeJob));
        for h in crate::sms::job_handlers().into_iter().chain(crate::notify::service::job_handlers()) {
            map.insert(h.kind(), h);
        }
        for h in handlers {
            let kind = h.kind();
            assert!(map.insert(kind, h).is_none(), "job kind {kind} registered twice");
        }
        Jobs { handlers: Arc::new(map), notify: Arc::new(Notify::new()), counted: Arc::default() }
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<_> = self.handlers.keys().copied().collect();
        k.sort_unstable();
        k
    }
}

/// What to enqueue.
pub struct Enqueue<'a> {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    /// Enqueueing twice with the same key (per kind) yields the first job.
    pub idem_key: Option<&'a str>,
    pub run_at: Option<Instant>,
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
    let now = access.now();
    let payload = e.payload.to_string();
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
        let payload = serde_json::json!({ "sleep_ms": sleep_ms });
        ids.push(enqueue(access, &mut tx, Enqueue { kind: ProbeJob.kind(), payload, idem_key: None, run_at: None }).await?.0);
    }
    access.audit(&mut tx, "job.probe", "jobs", &format!("{count} × {sleep_ms} ms")).await?;
    tx.commit().await?;
    Ok(ids)
}

/// Built-in probe: waits, then records one row per completion in `job_probes`.
struct ProbeJob;

impl JobHandler for ProbeJob {
    fn kind(&self) -> &'static str {
        "system.probe"
    }
    fn lease_seconds(&self) -> i64 {
        5
    }
    fn run<'a>(&'a self, job: &'a JobRun) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let ms = job.payload.get("sleep_ms").and_then(|v| v.as_u64()).unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            let mut tx = job.access.tenant().write().await?;
            let id = tx.next_id(job.access.engine()).await?;
            store::insert_probe(&mut tx, id, job.id, job.worker(), job.access.now()).await?;
            job.complete_in(&mut tx).await?;
            tx.commit().await?;
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

/// Starts `n` worker tasks that run until `shutdown` turns true.
pub fn spawn_workers(core: Arc<Core>, n: usize, shutdown: watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    let prefix = format!("{}-{}", std::process::id(), crate::crypto::random_token(4));
    (0..n)
        .map(|i| {
            let core = core.clone();
            let mut shutdown = shutdown.clone();
            let worker = format!("{prefix}-{i}");
            tokio::spawn(async move {
                loop {
                    if *shutdown.borrow() {
                        break;
                    }
                    let worked = match run_one(&core, &worker).await {
                        Ok(w) => w,
                        Err(e) => {
                            tracing::error!(worker, error = %e, "job worker error");
                            false
                        }
                    };
                    if !worked {
                        tokio::select! {
                            _ = core.jobs.notify.notified() => {}
                            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                            _ = shutdown.changed() => {}
                        }
                    }
                }
            })
        })
        .collect()
}

/// Claims and runs one due job; false when none was due.
pub async fn run_one(core: &Arc<Core>, worker: &str) -> Result<bool> {
    let kinds = core.jobs.kinds();
    let now = core.now();
    // The longest lease of any kind bounds the claim; each kind's own lease is set right after.
    let job = {
        let mut tx = core.db().system().write().await?;
        let job = store::claim(&mut tx, core.engine(), &kinds, worker, now, now.plus_seconds(3600)).await?;
        if let Some(j) = &job {
            let lease = core.jobs.handlers[j.kind.as_str()].lease_seconds();
            store::set_lease(&mut tx, j, now.plus_seconds(lease)).await?;
        }
        tx.commit().await?;
        job
    };
    let Some(job) = job else { return Ok(false) };
    let handler = core.jobs.handlers[job.kind.as_str()].clone();
    let access = core.act_as_system(job.hospital);
    let payload = serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null);
    let run = JobRun {
        access: access.clone(),
        id: job.id,
        payload,
        attempt: job.attempts,
        worker: worker.to_string(),
        completed: AtomicBool::new(false),
    };
    // A handler that panics fails its job (for good: a bug does not heal on retry) and leaves
    // the worker running; without this the panic would end the worker task, and the job, its
    // lease run out, would end the next worker too.
    let outcome = match AssertUnwindSafe(handler.run(&run)).catch_unwind().await {
        Ok(result) => result.map_err(|e| (format!("{e:#}"), true)),
        Err(panic) => Err((format!("任务处理程序崩溃（panic）：{}", panic_message(panic.as_ref())), false)),
    };
    let mut tx = access.tenant().write().await?;
    match outcome {
        Ok(()) => {
            if !run.completed.load(Ordering::SeqCst) && !store::complete(&mut tx, job.id, worker, access.now()).await? {
                tracing::warn!(job = %job.id, kind = job.kind, "job finished after its lease was taken over");
            }
        }
        Err((message, retry)) => {
            let retry_at =
                (retry && job.attempts < job.max_attempts).then(|| access.now().plus_seconds(model::backoff_seconds(job.attempts)));
            tracing::warn!(job = %job.id, kind = job.kind, attempt = job.attempts, error = %message, "job failed");
            store::fail(&mut tx, job.id, worker, &message, retry_at, access.now()).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// The text a panic was raised with (`panic!("…")` carries a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "（无说明）".into())
}
