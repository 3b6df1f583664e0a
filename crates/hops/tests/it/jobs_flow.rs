//! The job system as modules use it: a job's changes commit with its completion or not at all
//! (also when another worker took it over), recurring work enqueued once per hospital and due
//! time with working days from the hospital's calendar, and domain events delivered to
//! subscribers only when the publishing change commits — a product event (a resolved ticket)
//! among them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hops_contracts::desk::TicketResolved;
use hops_kernel::{HospitalId, Instant, ManualClock};
use hops_platform::accounts::service::{self as accounts, NewHospital};
use hops_platform::jobs::{self, BoxFuture, Enqueue, Event, Every, Job, JobRun, Schedule, Status, Subscriber, Subscription, Tick};
use hops_platform::web::{Module, Routes};
use hops_platform::{Access, Core};
use hops_testkit::{Backend, TestDb, both_backends};
use serde::{Deserialize, Serialize};
use sqlx::Row;

both_backends!(a_job_commits_with_its_work_or_not_at_all, schedules_enqueue_each_due_time_once, events_reach_subscribers_after_commit);

/// What the test module's jobs saw, in order.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn push(&self, s: String) {
        self.0.lock().unwrap().push(s);
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Writes a row in its transaction, then fails on its first attempt.
struct WritesThenFails;

impl Job for WritesThenFails {
    const KIND: &'static str = "test.writes_then_fails";
    const LABEL: &'static str = "测试：test.writes_then_fails";
    type Payload = ();
    fn run<'a>(&'a self, job: &'a mut JobRun, _: ()) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let attempt = job.attempt;
            mark(job).await?;
            if attempt == 1 { anyhow::bail!("外部接口超时") } else { Ok(()) }
        })
    }
}

/// Waits until the test lets it go on (its first run only), then writes a row.
struct Slow(Arc<tokio::sync::Semaphore>);

impl Job for Slow {
    const KIND: &'static str = "test.slow";
    const LABEL: &'static str = "测试：test.slow";
    type Payload = ();
    fn lease_seconds(&self) -> i64 {
        5
    }
    fn run<'a>(&'a self, job: &'a mut JobRun, _: ()) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            // Waiting before the write: on SQLite an open write transaction would hold the lock
            // the worker taking the job over needs.
            if job.attempt == 1 {
                let _ = self.0.acquire().await?;
            }
            mark(job).await
        })
    }
}

/// One row in `job_probes` for this run, in the job's transaction.
async fn mark(job: &mut JobRun) -> anyhow::Result<()> {
    let (id, worker) = (job.id, job.worker().to_string());
    let (access, tx) = job.tx().await?;
    let row = tx.next_id(access.engine()).await?;
    tx.query("INSERT INTO job_probes (hospital_id, id, job_id, worker, completed_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(row)
        .bind(id.0)
        .bind(worker)
        .bind(access.now().0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

async fn marks(access: &Access) -> Vec<String> {
    let mut c = access.tenant().read().await.unwrap();
    let rows = c.query("SELECT worker FROM job_probes WHERE hospital_id = $1 ORDER BY id").fetch_all(c.conn()).await.unwrap();
    rows.iter().map(|r| r.get::<String, _>(0)).collect()
}

/// Records each tick it is run with.
struct Ticks(&'static str, Seen);

impl Job for Ticks {
    const KIND: &'static str = "test.ticks";
    const LABEL: &'static str = "测试：test.ticks";
    type Payload = Tick;
    fn run<'a>(&'a self, job: &'a mut JobRun, t: Tick) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.1.push(format!("{} {} @{}", self.0, t.due().format_minute(), job.access.hospital().0));
            Ok(())
        })
    }
}

struct WorkdayTicks(Seen);

impl Job for WorkdayTicks {
    const KIND: &'static str = "test.workday_ticks";
    const LABEL: &'static str = "测试：test.workday_ticks";
    type Payload = Tick;
    fn run<'a>(&'a self, job: &'a mut JobRun, t: Tick) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.0.push(format!("工作日 {} @{}", t.due().format_minute(), job.access.hospital().0));
            Ok(())
        })
    }
}

/// A test event.
#[derive(Serialize, Deserialize)]
struct Pinged {
    n: i64,
}

impl Event for Pinged {
    const NAME: &'static str = "test.pinged";
}

struct OnPinged(Seen);

impl Subscriber<Pinged> for OnPinged {
    const KIND: &'static str = "test.on_pinged";
    const LABEL: &'static str = "测试：test.on_pinged";
    fn handle<'a>(&'a self, _job: &'a mut JobRun, e: Pinged) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.0.push(format!("ping {}", e.n));
            Ok(())
        })
    }
}

/// A second subscriber of the same event: each gets its own delivery.
struct AlsoOnPinged(Seen);

impl Subscriber<Pinged> for AlsoOnPinged {
    const KIND: &'static str = "test.also_on_pinged";
    const LABEL: &'static str = "测试：test.also_on_pinged";
    fn handle<'a>(&'a self, _job: &'a mut JobRun, e: Pinged) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.0.push(format!("also {}", e.n));
            Ok(())
        })
    }
}

struct OnResolved(Seen);

impl Subscriber<TicketResolved> for OnResolved {
    const KIND: &'static str = "test.on_ticket_resolved";
    const LABEL: &'static str = "测试：test.on_ticket_resolved";
    fn handle<'a>(&'a self, _job: &'a mut JobRun, e: TicketResolved) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.0.push(format!("resolved {} {}", e.number, e.category));
            Ok(())
        })
    }
}

struct TestModule {
    seen: Seen,
    gate: Arc<tokio::sync::Semaphore>,
}

impl Module for TestModule {
    fn name(&self) -> &'static str {
        "jobs-test"
    }
    fn routes(&self) -> Routes {
        Routes::default()
    }
    fn jobs(&self) -> Vec<Arc<dyn hops_platform::jobs::JobHandler>> {
        vec![Arc::new(WritesThenFails), Arc::new(Slow(self.gate.clone()))]
    }
    fn schedules(&self) -> Vec<Schedule> {
        vec![
            Schedule::new(Ticks("每刻钟", self.seen.clone()), Every::Minutes(15)),
            Schedule::new(WorkdayTicks(self.seen.clone()), Every::Workday { hour: 9, minute: 0 }),
        ]
    }
    fn subscriptions(&self) -> Vec<Subscription> {
        vec![
            jobs::subscribe::<Pinged, _>(OnPinged(self.seen.clone())),
            jobs::subscribe::<Pinged, _>(AlsoOnPinged(self.seen.clone())),
            jobs::subscribe::<TicketResolved, _>(OnResolved(self.seen.clone())),
        ]
    }
}

struct World {
    core: Arc<Core>,
    clock: Arc<ManualClock>,
    seen: Seen,
    gate: Arc<tokio::sync::Semaphore>,
    h: HospitalId,
    _db: TestDb,
}

/// The product's modules and the test module on a fresh database, no server and no workers:
/// the test runs the jobs itself. One hospital, `hx`.
async fn world(b: &Backend, at: &str) -> World {
    let tdb = TestDb::create(b).await;
    let clock = Arc::new(ManualClock::new(Instant::parse(at).unwrap()));
    let (seen, gate) = (Seen::default(), Arc::new(tokio::sync::Semaphore::new(0)));
    let mut modules = hops::modules();
    modules.push(Arc::new(TestModule { seen: seen.clone(), gate: gate.clone() }));
    let (_, core) = hops::open_with(&tdb.config(), clock.clone(), &modules).await.unwrap();
    let h = accounts::create_hospital(&core, NewHospital { code: "hx", name: "医院", grade: "", is_platform: false }).await.unwrap();
    World { core, clock, seen, gate, h, _db: tdb }
}

impl World {
    fn access(&self) -> Access {
        self.core.act_as_system(self.h)
    }
    async fn run_all(&self) {
        while jobs::run_one(&self.core, "w").await.unwrap() {}
    }
    async fn enqueue<J: Job>(&self, payload: &J::Payload) -> hops_kernel::JobId {
        let access = self.access();
        let mut tx = access.tenant().write().await.unwrap();
        let (id, _) = jobs::enqueue(&access, &mut tx, Enqueue::job::<J>(payload)).await.unwrap();
        tx.commit().await.unwrap();
        id
    }
}

async fn a_job_commits_with_its_work_or_not_at_all(b: Backend) {
    let w = world(&b, "2026-12-07 10:00").await;
    let access = w.access();

    // A failed run's writes roll back with it; the retry's commit with its completion.
    let id = w.enqueue::<WritesThenFails>(&()).await;
    assert!(jobs::run_one(&w.core, "w1").await.unwrap());
    assert_eq!(jobs::get(&access, id).await.unwrap().status, Status::Queued);
    assert!(marks(&access).await.is_empty(), "the failed run's row was rolled back");
    w.clock.advance_seconds(10);
    assert!(jobs::run_one(&w.core, "w1").await.unwrap());
    assert_eq!(jobs::get(&access, id).await.unwrap().status, Status::Done);
    assert_eq!(marks(&access).await, ["w1"]);

    // A run that outlives its lease: another worker takes the job over and completes it; when
    // the first run finally ends, its writes are rolled back — the work is done once.
    let id = w.enqueue::<Slow>(&()).await;
    let core = w.core.clone();
    let first = tokio::spawn(async move { jobs::run_one(&core, "slow").await.unwrap() });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while jobs::get(&access, id).await.unwrap().attempts < 1 {
        assert!(std::time::Instant::now() < deadline, "the first run never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.clock.advance_seconds(6);
    assert!(jobs::run_one(&w.core, "taker").await.unwrap(), "the job is taken over after its lease");
    assert_eq!(jobs::get(&access, id).await.unwrap().status, Status::Done);
    w.gate.add_permits(1);
    assert!(first.await.unwrap());
    assert_eq!(marks(&access).await, ["w1", "taker"], "the overtaken run's row is not there");
    let j = jobs::get(&access, id).await.unwrap();
    assert_eq!((j.status, j.attempts), (Status::Done, 2));

    // A payload that does not read as the kind's type fails for good, at once.
    let mut tx = access.tenant().write().await.unwrap();
    let bad = jobs::enqueue(&access, &mut tx, Enqueue::job::<Ticks>(&serde_json::from_str(r#"{"due_at": 0}"#).unwrap())).await.unwrap().0;
    tx.commit().await.unwrap();
    {
        let mut c = access.tenant().write().await.unwrap();
        c.query("UPDATE jobs SET payload = '{\"due\": \"soon\"}' WHERE hospital_id = $1 AND id = $2")
            .bind(bad.0)
            .execute(c.conn())
            .await
            .unwrap();
        c.commit().await.unwrap();
    }
    w.run_all().await;
    let j = jobs::get(&access, bad).await.unwrap();
    assert_eq!((j.status, j.attempts), (Status::Dead, 1), "{:?}", j.last_error);
    assert!(j.last_error.unwrap_or_default().contains("任务内容无法读取"));
}

async fn schedules_enqueue_each_due_time_once(b: Backend) {
    // Monday 2026-12-07 made a holiday and Saturday 2026-12-12 a working day by one hospital.
    let w = world(&b, "2026-12-07 10:07").await;
    let access = w.access();
    hops_platform::calendar::service::save_year(&access, 2026, "2026-12-07", "2026-12-12", "测试").await.unwrap();
    let other =
        accounts::create_hospital(&w.core, NewHospital { code: "hy", name: "另一家医院", grade: "", is_platform: false }).await.unwrap();
    let (h, o) = (w.h.0, other.0);
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    // Each hospital gets the latest due time of each schedule, once however often it is asked.
    let created = jobs::enqueue_due(&w.core).await.unwrap();
    assert_eq!(created, 2 * w.core.jobs.schedules().len(), "every schedule, both hospitals");
    assert_eq!(jobs::enqueue_due(&w.core).await.unwrap(), 0);
    w.run_all().await;
    let want = [
        format!("工作日 2026-12-04 09:00 @{h}"), // Monday is off here: the latest working day is Friday…
        format!("工作日 2026-12-07 09:00 @{o}"), // …but not at the other hospital.
        format!("每刻钟 2026-12-07 10:00 @{h}"),
        format!("每刻钟 2026-12-07 10:00 @{o}"),
    ];
    assert_eq!(sorted(w.seen.take()), sorted(want.to_vec()));

    // A missed stretch runs its latest due time once; working days follow each hospital's
    // calendar (the make-up Saturday runs here only, the Sunday nowhere).
    w.clock.set(Instant::parse("2026-12-12 09:20").unwrap());
    jobs::enqueue_due(&w.core).await.unwrap();
    w.run_all().await;
    w.clock.set(Instant::parse("2026-12-13 09:20").unwrap());
    jobs::enqueue_due(&w.core).await.unwrap();
    w.run_all().await;
    let want = [
        format!("工作日 2026-12-11 09:00 @{o}"),
        format!("工作日 2026-12-12 09:00 @{h}"),
        format!("每刻钟 2026-12-12 09:15 @{h}"),
        format!("每刻钟 2026-12-12 09:15 @{o}"),
        format!("每刻钟 2026-12-13 09:15 @{h}"),
        format!("每刻钟 2026-12-13 09:15 @{o}"),
    ];
    assert_eq!(sorted(w.seen.take()), sorted(want.to_vec()));

    // Another process (which has not enqueued anything itself) finds every due time taken.
    let mut modules = hops::modules();
    modules.push(Arc::new(TestModule { seen: Seen::default(), gate: Arc::new(tokio::sync::Semaphore::new(0)) }));
    let (_, twin) = hops::open_with(&w.core.config, w.clock.clone(), &modules).await.unwrap();
    assert_eq!(jobs::enqueue_due(&twin).await.unwrap(), 0);
    let (rows, _) = jobs::list(&access, None, 0, 500).await.unwrap();
    let keys: Vec<_> = rows.iter().filter(|j| j.kind == "test.ticks").map(|j| j.idem_key.clone().unwrap_or_default()).collect();
    assert_eq!(keys, ["2026-12-13 09:15", "2026-12-12 09:15", "2026-12-07 10:00"]);
}

async fn events_reach_subscribers_after_commit(b: Backend) {
    let w = world(&b, "2026-11-23 09:00").await;
    let access = w.access();

    // Published in a transaction that rolls back: no one hears of it.
    {
        let mut tx = access.tenant().write().await.unwrap();
        jobs::publish(&access, &mut tx, &Pinged { n: 1 }).await.unwrap();
        drop(tx);
    }
    w.run_all().await;
    assert!(w.seen.take().is_empty());

    // Committed: each subscriber gets it once, in a job of its own.
    let mut tx = access.tenant().write().await.unwrap();
    jobs::publish(&access, &mut tx, &Pinged { n: 2 }).await.unwrap();
    tx.commit().await.unwrap();
    w.run_all().await;
    let mut seen = w.seen.take();
    seen.sort();
    assert_eq!(seen, ["also 2", "ping 2"]);
    let (rows, _) = jobs::list(&access, Some(Status::Done), 0, 100).await.unwrap();
    let mut kinds: Vec<&str> = rows.iter().map(|j| j.kind.as_str()).filter(|k| k.contains("pinged")).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["test.also_on_pinged", "test.on_pinged"]);

    // A product event: the desk resolves a ticket; reopening and resolving again is a second
    // resolution, a refused action none.
    use hops_desk::ticket::model::{Action, TicketInput};
    use hops_desk::ticket::service as tickets;
    hops_desk::setup::service::load(&access).await.unwrap();
    let input =
        TicketInput {
            channel: "hotline".into(), category: "logistics".into(), subject: "药品还没收到".into(), ..TicketInput::default()
        };
    let t = tickets::open(&access, &input, tickets::Origin::default()).await.unwrap();
    for a in [Action::Resolve, Action::Reopen, Action::Resolve] {
        tickets::act(&access, t.id, a, "").await.unwrap();
    }
    assert!(tickets::act(&access, t.id, Action::Resolve, "").await.is_err());
    w.run_all().await;
    let line = format!("resolved {} logistics", t.number);
    assert_eq!(w.seen.take(), [line.clone(), line]);
}

/// The dependency rule of docs/ARCHITECTURE.md: a business module's crate depends on the
/// kernel, the platform, the contracts and master data only (reports, the reporting layer over
/// analytics, is the one named exception), so modules meet through interfaces and events.
#[test]
fn module_crates_depend_on_no_other_module() {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let shared = ["hops-kernel", "hops-platform", "hops-contracts", "hops-master"];
    let modules = ["hops-analytics", "hops-checkup", "hops-desk", "hops-reports", "hops-master"];
    for m in modules {
        let manifest = std::fs::read_to_string(crates.join(m).join("Cargo.toml")).unwrap();
        let deps = manifest.split("[dependencies]").nth(1).unwrap().split("\n[").next().unwrap();
        let ours: Vec<&str> = deps.lines().filter_map(|l| l.split(['.', ' ', '=']).next()).filter(|d| d.starts_with("hops-")).collect();
        let allowed =
            |d: &str| shared.contains(&d) && !(m == "hops-master" && d == "hops-master") || (m == "hops-reports" && d == "hops-analytics");
        let wrong: Vec<&&str> = ours.iter().filter(|d| !allowed(d)).collect();
        assert!(wrong.is_empty(), "{m} depends on {wrong:?}");
    }
}

/// The jobs page shows each schedule (rule in Chinese, latest run, next due) and every job by
/// what it does, not by its code.
#[tokio::test]
async fn the_jobs_page_in_a_browser() {
    use hops_platform::Role;
    use hops_testkit::TestApp;
    use thirtyfour::prelude::*;
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.clock.set(Instant::parse("2026-12-07 10:07").unwrap());
    let h = app.hospital("jb", &[Role::HospitalAdmin]).await;
    jobs::enqueue_due(&app.core).await.unwrap();
    let access = app.system(h);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while jobs::list(&access, Some(Status::Done), 0, 10).await.unwrap().1 == 0 {
        assert!(std::time::Instant::now() < deadline, "the app's workers never ran the scheduled job");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let browser = hops_testkit::Browser::start().await;
    let d = &browser.driver;
    d.goto(format!("{}/jobs", app.url)).await.unwrap();
    d.find(By::Id("hospital")).await.unwrap().send_keys("jb").await.unwrap();
    d.find(By::Id("username")).await.unwrap().send_keys("hospital_admin").await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys(hops_testkit::PASSWORD).await.unwrap();
    d.find(By::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    // An administrator enrols the second factor first.
    let secret = d.query(By::Id("totp-secret")).wait(Duration::from_secs(10), Duration::from_millis(100)).first().await.unwrap();
    let code = hops_platform::accounts::service::totp_code(&secret.text().await.unwrap(), app.core.now()).unwrap();
    let input = d.find(By::Id("code")).await.unwrap();
    input.send_keys(&code).await.unwrap();
    input.send_keys(Key::Enter).await.unwrap();
    d.query(By::Css(".page-head")).wait(Duration::from_secs(10), Duration::from_millis(100)).first().await.unwrap();
    d.goto(format!("{}/jobs", app.url)).await.unwrap();
    d.query(By::Css("table.data")).wait(Duration::from_secs(10), Duration::from_millis(100)).first().await.expect("the jobs tables");
    let text = browser.body_text().await;
    for want in ["定时任务", "生成回访任务", "每天 07:00", "2026-12-07 07:00", "2026-12-08 07:00", "已完成"] {
        assert!(text.contains(want), "{want} missing: {text}");
    }
    hops_testkit::screenshot(d, "jobs").await;
    browser.quit().await;
    app.stop().await;
}
