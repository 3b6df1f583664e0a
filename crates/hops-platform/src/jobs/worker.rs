//! The workers: claim a due job, run its handler, complete or fail it; and the scheduler that
//! enqueues recurring work when it falls due.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::watch;

use super::{Failure, JobRun, model, schedule, store};
use crate::core::Core;
use crate::error::Result;

/// How often the scheduler looks for recurring work that fell due.
const SCHEDULER_TICK: Duration = Duration::from_secs(30);

/// Starts `n` worker tasks, and the scheduler, that run until `shutdown` turns true.
pub fn spawn_workers(core: Arc<Core>, n: usize, shutdown: watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    let prefix = format!("{}-{}", std::process::id(), crate::crypto::random_token(4));
    let mut tasks: Vec<_> = (0..n)
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
        .collect();
    if n > 0 && core.config.scheduler && !core.jobs.schedules.is_empty() {
        let mut shutdown = shutdown;
        tasks.push(tokio::spawn(async move {
            loop {
                if *shutdown.borrow() {
                    break;
                }
                if let Err(e) = schedule::enqueue_due(&core).await {
                    tracing::error!(error = %e, "scheduler error");
                }
                tokio::select! {
                    _ = tokio::time::sleep(SCHEDULER_TICK) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }));
    }
    tasks
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
    let mut run = JobRun { access: access.clone(), id: job.id, attempt: job.attempts, worker: worker.to_string(), tx: None };
    // A handler that panics fails its job (for good: a bug does not heal on retry) and leaves
    // the worker running; without this the panic would end the worker task, and the job, its
    // lease run out, would end the next worker too.
    let outcome = match AssertUnwindSafe(handler.run_payload(&mut run, &job.payload)).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => Err(Failure::Permanent(format!("任务处理程序崩溃（panic）：{}", panic_message(panic.as_ref())))),
    };
    match outcome {
        Ok(()) => {
            // The handler's own transaction (or a fresh one when it changed nothing).
            let (_, tx) = run.tx().await?;
            if store::complete(tx, job.id, worker, access.now()).await? {
                if let Some(tx) = run.tx.take() {
                    tx.commit().await?;
                }
            } else {
                // Another worker took the job over: this run's changes are rolled back.
                tracing::warn!(job = %job.id, kind = job.kind, "job finished after its lease was taken over; its changes are rolled back");
            }
        }
        Err(failure) => {
            drop(run.tx.take());
            let (message, retry) = match failure {
                Failure::Retry(m) => (m, true),
                Failure::Permanent(m) => (m, false),
            };
            let retry_at =
                (retry && job.attempts < job.max_attempts).then(|| access.now().plus_seconds(model::backoff_seconds(job.attempts)));
            tracing::warn!(job = %job.id, kind = job.kind, attempt = job.attempts, error = %message, "job failed");
            let mut tx = access.tenant().write().await?;
            store::fail(&mut tx, job.id, worker, &message, retry_at, access.now()).await?;
            tx.commit().await?;
        }
    }
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
