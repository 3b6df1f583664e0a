//! The job queue: retries with backoff, dead letters, idempotency keys; and crash safety — the
//! server is killed with SIGKILL mid-work and no job is lost or completed twice.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use hops_kernel::{Clock, ManualClock};
use hops_platform::Core;
use hops_platform::accounts::service::{self as accounts, NewHospital};
use hops_platform::crypto::Keyring;
use hops_platform::db::Db;
use hops_platform::jobs::{self, BoxFuture, Enqueue, Job, JobHandler, JobRun, Jobs, Registry, Status};
use hops_testkit::{Backend, TestDb, both_backends};
use sqlx::Row;

both_backends!(retries_backoff_and_dead_letters, kill_nine_loses_nothing, a_panicking_job_fails_and_the_worker_lives_on);

/// Fails until its third attempt.
struct Flaky(Arc<AtomicU32>);

impl Job for Flaky {
    const KIND: &'static str = "test.flaky";
    const LABEL: &'static str = "测试：test.flaky";
    type Payload = ();
    fn max_attempts(&self) -> i32 {
        5
    }
    fn run<'a>(&'a self, job: &'a mut JobRun, _: ()) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.0.fetch_add(1, Ordering::SeqCst);
            if job.attempt < 3 { anyhow::bail!("接口超时（第 {} 次）", job.attempt) } else { Ok(()) }
        })
    }
}

struct Broken;

impl Job for Broken {
    const KIND: &'static str = "test.broken";
    const LABEL: &'static str = "测试：test.broken";
    type Payload = ();
    fn max_attempts(&self) -> i32 {
        2
    }
    fn run<'a>(&'a self, _job: &'a mut JobRun, _: ()) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { anyhow::bail!("短信网关拒绝") })
    }
}

/// A bug in a handler: it panics.
struct Panicky;

impl Job for Panicky {
    const KIND: &'static str = "test.panic";
    const LABEL: &'static str = "测试：test.panic";
    type Payload = ();
    fn run<'a>(&'a self, _job: &'a mut JobRun, _: ()) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { panic!("处理程序的缺陷") })
    }
}

fn registry(handlers: Vec<Arc<dyn JobHandler>>) -> Jobs {
    Jobs::new(Registry { handlers, ..Registry::default() })
}

/// One worker; a job whose handler panics, then an ordinary job. The panicking job is failed
/// for good with the panic's message and the same worker goes on to run the next job.
async fn a_panicking_job_fails_and_the_worker_lives_on(b: Backend) {
    let tdb = TestDb::create(&b).await;
    let db = Db::connect(&tdb.url).await.unwrap();
    db.migrate().await.unwrap();
    let clock = Arc::new(ManualClock::new(hops_kernel::Instant(1_800_000_000_000_000)));
    let core = Core::new(db.clone(), Keyring::from_master(&[1; 32]), clock, tdb.config(), registry(vec![Arc::new(Panicky)]));
    let h = accounts::create_hospital(&core, NewHospital { code: "hx", name: "医院", grade: "", is_platform: false }).await.unwrap();
    let access = core.act_as_system(h);
    let mut tx = access.tenant().write().await.unwrap();
    let (bad, _) = jobs::enqueue(&access, &mut tx, Enqueue::job::<Panicky>(&())).await.unwrap();
    tx.commit().await.unwrap();
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let workers = jobs::spawn_workers(core.clone(), 1, stop_rx);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while jobs::get(&access, bad).await.unwrap().status != Status::Dead {
        assert!(std::time::Instant::now() < deadline, "the panicking job was never failed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let j = jobs::get(&access, bad).await.unwrap();
    assert!(j.last_error.as_deref().unwrap_or("").contains("处理程序的缺陷"), "{:?}", j.last_error);
    assert_eq!(j.attempts, 1, "a panic is not retried");
    let ids = jobs::enqueue_probes(&access, 1, 0).await.unwrap();
    while jobs::get(&access, ids[0]).await.unwrap().status != Status::Done {
        assert!(std::time::Instant::now() < deadline, "the worker died with the panicking job");
        assert!(!workers[0].is_finished(), "the worker task ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    for w in workers {
        w.await.unwrap();
    }
    db.close().await;
}

async fn retries_backoff_and_dead_letters(b: Backend) {
    let tdb = TestDb::create(&b).await;
    let db = Db::connect(&tdb.url).await.unwrap();
    db.migrate().await.unwrap();
    let clock = Arc::new(ManualClock::new(hops_kernel::Instant(1_800_000_000_000_000)));
    let runs = Arc::new(AtomicU32::new(0));
    let handlers: Vec<Arc<dyn JobHandler>> = vec![Arc::new(Flaky(runs.clone())), Arc::new(Broken)];
    let core = Core::new(db.clone(), Keyring::from_master(&[1; 32]), clock.clone(), tdb.config(), registry(handlers));
    let h = accounts::create_hospital(&core, NewHospital { code: "hx", name: "医院", grade: "", is_platform: false }).await.unwrap();
    let access = core.act_as_system(h);
    let mut tx = access.tenant().write().await.unwrap();
    let (flaky, new) = jobs::enqueue(&access, &mut tx, Enqueue::job::<Flaky>(&()).key("k1")).await.unwrap();
    assert!(new);
    let (again, new) = jobs::enqueue(&access, &mut tx, Enqueue::job::<Flaky>(&()).key("k1")).await.unwrap();
    assert_eq!((again, new), (flaky, false), "same idempotency key, same job");
    let (broken, _) = jobs::enqueue(&access, &mut tx, Enqueue::job::<Broken>(&())).await.unwrap();
    tx.commit().await.unwrap();

    let run = |w: &'static str| {
        let core = core.clone();
        async move { jobs::run_one(&core, w).await.unwrap() }
    };
    assert!(run("w").await && run("w").await, "both due jobs run");
    assert!(!run("w").await, "failed jobs wait for their backoff");
    let j = jobs::get(&access, flaky).await.unwrap();
    assert_eq!((j.status, j.attempts), (Status::Queued, 1));
    assert!(j.last_error.unwrap().contains("接口超时"));
    assert_eq!(j.run_at, clock.now().plus_seconds(10));
    clock.advance_seconds(10);
    assert!(run("w").await && run("w").await);
    assert_eq!(jobs::get(&access, broken).await.unwrap().status, Status::Dead, "broken job is dead after 2 attempts");
    assert_eq!(jobs::get(&access, flaky).await.unwrap().run_at, clock.now().plus_seconds(20), "backoff doubles");
    clock.advance_seconds(20);
    assert!(run("w").await);
    let j = jobs::get(&access, flaky).await.unwrap();
    assert_eq!((j.status, j.attempts), (Status::Done, 3));
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    // A dead job goes back to the queue from the dead-letter list.
    jobs::requeue(&access, broken).await.unwrap();
    assert_eq!(jobs::get(&access, broken).await.unwrap().status, Status::Queued);
    assert!(jobs::requeue(&access, flaky).await.is_err(), "only dead jobs are requeued");
    // A worker that lost its lease cannot complete: another worker took the job over.
    let ids = jobs::enqueue_probes(&access, 1, 0).await.unwrap();
    let mut c = hops_platform::db::connect_one(&tdb.url).await.unwrap();
    sqlx::query("UPDATE jobs SET status = 'running', lease_owner = 'dead-worker', lease_until = $1, attempts = 1 WHERE id = $2")
        .bind(clock.now().plus_seconds(5).0)
        .bind(ids[0].0)
        .execute(&mut c)
        .await
        .unwrap();
    while run("w").await {}
    assert_eq!(jobs::get(&access, ids[0]).await.unwrap().status, Status::Running, "not reclaimed before the lease ends");
    clock.advance_seconds(6);
    assert!(run("w2").await);
    let j = jobs::get(&access, ids[0]).await.unwrap();
    assert_eq!((j.status, j.attempts), (Status::Done, 2));
    db.close().await;
}

fn serve(tdb: &TestDb) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hops"))
        .arg("--data")
        .arg(&tdb.dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("HOPS_DATABASE_URL", &tdb.url)
        .env("HOPS_KEY_FILE", tdb.dir.join("hops.key"))
        .env("HOPS_JOB_WORKERS", "3")
        .env("HOPS_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hops serve")
}

async fn probe_counts(url: &str) -> (i64, i64, i64, i64) {
    let mut c = hops_platform::db::connect_one(url).await.unwrap();
    let r = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM job_probes), (SELECT COUNT(DISTINCT job_id) FROM job_probes), \
                (SELECT COUNT(*) FROM jobs WHERE kind = 'system.probe' AND status = 'done'), \
                (SELECT COUNT(*) FROM jobs WHERE kind = 'system.probe' AND status = 'dead')",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

// The servers run on the system clock: so does what the test expects of their schedulers.
#[allow(clippy::disallowed_methods)]
async fn kill_nine_loses_nothing(b: Backend) {
    const N: u32 = 60;
    let tdb = TestDb::create(&b).await;
    {
        let (db, core) = hops::open(&tdb.config(), Arc::new(hops_kernel::SystemClock)).await.unwrap();
        let h = accounts::create_hospital(&core, NewHospital { code: "hx", name: "医院", grade: "", is_platform: false }).await.unwrap();
        jobs::enqueue_probes(&core.act_as_system(h), N, 150).await.unwrap();
        db.close().await;
    }
    let started = hops_kernel::SystemClock.now();
    let mut server = serve(&tdb);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (done, ..) = probe_counts(&tdb.url).await;
        if done >= 6 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "workers never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix.
    server.wait().unwrap();
    let (at_kill, ..) = probe_counts(&tdb.url).await;
    assert!(at_kill < i64::from(N), "killed mid-work ({at_kill} of {N} done)");
    let mut server = serve(&tdb);
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let counts = loop {
        let c = probe_counts(&tdb.url).await;
        if c.2 == i64::from(N) || std::time::Instant::now() > deadline {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    server.kill().unwrap();
    server.wait().unwrap();
    let (completions, distinct, done, dead) = counts;
    assert_eq!(done, i64::from(N), "every job completed after the restart");
    assert_eq!(dead, 0);
    assert_eq!(distinct, i64::from(N), "no job lost");
    assert_eq!(completions, i64::from(N), "no job completed twice");

    // The servers' own schedulers (on by default) enqueued the daily follow-up generation of
    // hospital hx: once for the due time they both saw, however often each looked.
    let due_times: std::collections::BTreeSet<String> = [started, hops_kernel::SystemClock.now()]
        .iter()
        .map(|t| hops_desk::followup::service::DAILY_AT.latest(*t, |_| true).unwrap().format_minute())
        .collect();
    let mut c = hops_platform::db::connect_one(&tdb.url).await.unwrap();
    let keys: Vec<String> = sqlx::query("SELECT idem_key FROM jobs WHERE kind = 'desk.followup_daily' ORDER BY idem_key")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    assert_eq!(keys, due_times.into_iter().collect::<Vec<_>>(), "one job per due time across both starts");
}
