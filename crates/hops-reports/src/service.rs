//! Use cases of reports: assemble a period's report, render it, save the conclusions draft,
//! publish (immutable, audited, delivery scheduled through the job queue), history and
//! downloads, subscribers, and the e-mail delivery job.

use std::sync::Arc;

use hops_kernel::{DoctorId, LocalDay, Period, PeriodRange};
use hops_platform::jobs::{self, BoxFuture, Enqueue, Job, JobHandler, JobRun};
use hops_platform::web::Paging;
use hops_platform::{Access, Error, FieldError, Permission, Result};

use crate::model::{self, DoctorLine, LeaderEntry, Leaderboard, Report, Reviews, TrendPoint};
use crate::pdf::Typesetter;
use crate::store::{self, File, ReportId, ReportRow, SubscriberId, SubscriberRow};
use crate::xlsx;
use hops_platform::notify::email::Attachment;
use hops_platform::notify::{self, Address, Channel, Message, Sent, Text, Topic, Var};

/// Reading, previewing and downloading reports.
pub const READ: Permission = Permission::AnalyticsRead;
/// Editing the conclusions, publishing, subscribers and sending: the operations staff who
/// load the activity data (there is no report-specific permission in the grant table yet).
pub const PUBLISH: Permission = Permission::AnalyticsPublish;

/// The job kind that e-mails a published report to its subscribers.
pub const DELIVERY_JOB: &str = "reports.deliver";

/// Longest 结论与措施 text.
pub const MAX_CONCLUSIONS: usize = 5000;

/// `period` (`week` … `year`, default month) and `at` (a date `YYYY-MM-DD` or a month
/// `YYYY-MM` inside the period; default the last finished period) into a period.
pub fn parse_range(period: Option<&str>, at: Option<&str>, today: LocalDay) -> Result<PeriodRange> {
    let kind = match period.map(str::trim).filter(|p| !p.is_empty()) {
        None => Period::Month,
        Some(p) => Period::parse(p).map_err(|_| Error::invalid_field("period", "period 应为 week、month、quarter、half 或 year"))?,
    };
    let bad_at = || Error::invalid_field("at", "at 应为 YYYY-MM-DD 或 YYYY-MM");
    let day = match at.map(str::trim).filter(|s| !s.is_empty()) {
        // A report is of a finished period unless one under way is asked for.
        None => return Ok(PeriodRange::containing(kind, today).previous()),
        Some(s) if s.len() == 7 => LocalDay::parse(&format!("{s}-01")).map_err(|_| bad_at())?,
        Some(s) => LocalDay::parse(s).map_err(|_| bad_at())?,
    };
    Ok(PeriodRange::containing(kind, day))
}

async fn hospital_name(access: &Access) -> Result<String> {
    Ok(hops_platform::accounts::service::hospital(access.core(), access.hospital()).await?.map(|h| h.name).unwrap_or_default())
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The trend: the report's period and those before it (two per KPI computation: each set of a
/// finished period carries its whole previous period), oldest first, leading periods without
/// consultations dropped.
async fn trend(access: &Access, set: &hops_analytics::kpi::service::KpiSet) -> Result<Vec<TrendPoint>> {
    let n = model::trend_length(set.range.kind);
    let mut points = vec![TrendPoint::from_kpis(set.range, &set.current)];
    let mut r = set.range.previous();
    // A period under way carries only the same first days of its previous one: not a trend point.
    if !set.spans.partial {
        points.push(TrendPoint::from_kpis(r, &set.previous));
        r = r.previous();
    }
    while points.len() < n {
        let s = hops_analytics::kpi::service::kpis(access, r).await?;
        points.push(TrendPoint::from_kpis(r, &s.current));
        points.push(TrendPoint::from_kpis(r.previous(), &s.previous));
        r = r.previous().previous();
    }
    points.truncate(n);
    points.reverse();
    while points.len() > 2 && points[0].created == 0 {
        points.remove(0);
    }
    Ok(points)
}

async fn doctors(access: &Access, range: PeriodRange) -> Result<Vec<DoctorLine>> {
    let sums = hops_analytics::kpi::service::doctor_stats(access, range, 10).await?;
    let mut out = Vec::with_capacity(sums.len());
    for s in sums {
        let d = hops_master::service::doctor(access, DoctorId(s.doctor.0)).await?;
        out.push(DoctorLine {
            name: d.name,
            department: d.department_name,
            title: d.title,
            completed: s.completed,
            rated: s.rated,
            rating_avg: (s.rated > 0).then(|| round(s.rating_sum as f64 / s.rated as f64, 2)),
            good_rate: (s.rated > 0).then(|| round(s.good as f64 / s.rated as f64, 4)),
            reply_minutes: (s.replies > 0).then(|| round(s.reply_micros as f64 / s.replies as f64 / 60e6, 1)),
        });
    }
    Ok(out)
}

/// Monthly reports show the month's official leaderboard (composite score, the hospital's
/// method); other periods have none (the rankings are monthly).
async fn leaderboard(access: &Access, range: PeriodRange) -> Result<Option<Leaderboard>> {
    use hops_analytics::rankings::{model as rm, service as rs};
    if range.kind != Period::Month {
        return Ok(None);
    }
    let ranking = rs::ranking(access, range, rm::RankKind::Doctor).await?;
    let board = &ranking.board;
    let entries = board
        .ranked
        .iter()
        .take(10)
        .map(|e| LeaderEntry {
            rank: e.rank.unwrap_or(0),
            name: e.subject.name.clone(),
            department: e.subject.department.clone(),
            title: e.subject.title.clone(),
            volume: e.indicators.volume,
            rating_mean: e.indicators.rating_mean,
            satisfaction: e.indicators.satisfaction,
            reply_minutes: e.indicators.reply_minutes,
            revisit_rate: e.indicators.revisit_rate,
            score: e.composite.unwrap_or(0.0),
        })
        .collect();
    Ok(Some(Leaderboard {
        method: rm::method_text(board, rm::RankKind::Doctor),
        entries,
        unranked: board.unranked.len(),
        min_sample: board.settings.min_sample,
    }))
}

async fn reviews(access: &Access, range: PeriodRange) -> Result<Reviews> {
    let distribution = hops_analytics::kpi::service::rating_distribution(access, range).await?;
    let reasons = hops_analytics::kpi::service::bad_review_reasons(access, range).await?;
    Ok(Reviews { distribution, reasons })
}

/// The report of a period, with the published conclusions if the period was published,
/// else the draft (or the suggestion).
pub async fn build(access: &Access, range: PeriodRange) -> Result<Report> {
    access.require(READ)?;
    let set = hops_analytics::kpi::service::kpis(access, range).await?;
    let trend = trend(access, &set).await?;
    let doctors = doctors(access, range).await?;
    let leaderboard = leaderboard(access, range).await?;
    let reviews = reviews(access, range).await?;
    let conclusions = {
        let mut c = access.tenant().read().await?;
        match store::published(&mut c, range.kind, range.start).await? {
            Some(p) => Some(p.conclusions),
            None => store::draft(&mut c, range.kind, range.start).await?,
        }
    };
    let hospital = hospital_name(access).await?;
    Ok(model::assemble(model::Input {
        hospital: &hospital,
        kpis: &set,
        trend,
        doctors,
        leaderboard,
        reviews,
        conclusions: conclusions.as_deref(),
        generated_at: access.now(),
    }))
}

/// Typesets a report (on a blocking thread: typst is CPU-bound).
pub async fn render_pdf(report: Report) -> Result<Vec<u8>> {
    let typesetter = Typesetter::shared().map_err(|m| Error::client(503, "fonts_missing", m))?;
    tokio::task::spawn_blocking(move || typesetter.pdf(&report))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("PDF 排版线程失败: {e}")))?
        .map_err(|m| Error::Internal(anyhow::anyhow!(m)))
}

pub fn render_xlsx(report: &Report) -> Result<Vec<u8>> {
    xlsx::workbook(report).map_err(|m| Error::Internal(anyhow::anyhow!(m)))
}

/// The published report of a period, if any.
pub async fn published(access: &Access, range: PeriodRange) -> Result<Option<ReportRow>> {
    access.require(READ)?;
    let mut c = access.tenant().read().await?;
    Ok(store::published(&mut c, range.kind, range.start).await?)
}

pub(crate) fn already_published(range: PeriodRange) -> Error {
    Error::conflict("already_published", format!("{}的{}已发布，发布后的报告不可修改", range.label_zh(), model::kind_name(range.kind)))
}

/// Saves the 结论与措施 draft of a period; refused (409) once the period is published.
pub async fn save_conclusions(access: &Access, range: PeriodRange, text: &str) -> Result<()> {
    access.require(PUBLISH)?;
    let text = text.trim().replace("\r\n", "\n");
    if text.chars().count() > MAX_CONCLUSIONS {
        return Err(Error::invalid_field("conclusions", format!("结论与措施最多 {MAX_CONCLUSIONS} 字")));
    }
    let mut tx = access.tenant().write().await?;
    if store::published(&mut tx, range.kind, range.start).await?.is_some() {
        return Err(already_published(range));
    }
    let id = tx.next_id(access.engine()).await?;
    store::save_draft(&mut tx, id, range.kind, range.start, &text, access.now(), &access.actor().username).await?;
    access
        .audit(
            &mut tx,
            "report.conclusions",
            &format!("report:{}:{}", range.kind.code(), range.start),
            &format!("{} 字", text.chars().count()),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes the report of a finished period: renders the PDF and XLSX, stores them with the
/// numbers (immutable from then on), audits, and schedules the e-mail to subscribers for the
/// next 08:00. One publication per period. Where the hospital switched publishing approval on,
/// a report is submitted instead ([`crate::approval::submit`]) and this refuses (409).
pub async fn publish(access: &Access, range: PeriodRange) -> Result<ReportId> {
    access.require(PUBLISH)?;
    access.require(READ)?;
    if crate::approval::required(access).await? {
        return Err(Error::conflict("approval_required", "本院报告发布须经审批：请提交发布，由其他有发布权限的人审批通过后发布"));
    }
    publish_as(access, range, None).await
}

/// [`publish`], directly or as the approval of a submission (the approval is settled, and the
/// report's status recorded, in the publication's transaction).
pub(crate) async fn publish_as(
    access: &Access,
    range: PeriodRange,
    approval: Option<(&hops_platform::flow::Approval, &str)>,
) -> Result<ReportId> {
    access.require(PUBLISH)?;
    access.require(READ)?;
    let today = access.now().local_day();
    if range.end_exclusive > today {
        return Err(Error::invalid_field(
            "at",
            format!("{}尚未结束（至 {} 止），结束后才能发布；现在可以预览和下载", range.label_zh(), range.last_day()),
        ));
    }
    if published(access, range).await?.is_some() {
        return Err(already_published(range));
    }
    let report = build(access, range).await?;
    let xlsx = render_xlsx(&report)?;
    let numbers = model::numbers(&report).to_string();
    let pdf = render_pdf(report.clone()).await?;
    let mut tx = access.tenant().write().await?;
    if store::published(&mut tx, range.kind, range.start).await?.is_some() {
        return Err(already_published(range));
    }
    let id = ReportId(tx.next_id(access.engine()).await?);
    let now = access.now();
    store::insert_report(
        &mut tx,
        store::NewReport {
            id,
            kind: range.kind,
            start: range.start,
            end: range.last_day(),
            title: report.title,
            label: &report.label,
            conclusions: &report.conclusions,
            numbers: &numbers,
            pdf: &pdf,
            xlsx: &xlsx,
            published_at: now,
            published_by: &access.actor().display_name,
        },
    )
    .await
    .map_err(|e| if hops_platform::db::is_unique_violation(&e) { already_published(range) } else { e.into() })?;
    crate::approval::published(access, &mut tx, range, approval).await?;
    access
        .audit(&mut tx, "report.publish", &format!("report:{id}"), &format!("{} {}，PDF {} 字节", report.label, report.title, pdf.len()))
        .await?;
    let key = format!("report:{id}");
    jobs::enqueue(access, &mut tx, Enqueue::job::<DeliveryJob>(&ReportRef { report_id: id.0 }).key(&key).at(model::delivery_time(now)))
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn list(access: &Access, kind: Option<Period>, paging: Paging) -> Result<(Vec<ReportRow>, i64)> {
    access.require(READ)?;
    let mut c = access.tenant().read().await?;
    Ok(store::list_reports(&mut c, kind, paging.offset(), paging.per_page).await?)
}

pub async fn get(access: &Access, id: ReportId) -> Result<ReportRow> {
    access.require(READ)?;
    let mut c = access.tenant().read().await?;
    store::report(&mut c, id).await?.ok_or_else(|| Error::not_found("报告"))
}

/// A published report's file; downloads are audited.
pub async fn file(access: &Access, id: ReportId, which: File) -> Result<(ReportRow, Vec<u8>)> {
    let row = get(access, id).await?;
    let bytes = {
        let mut c = access.tenant().read().await?;
        store::report_file(&mut c, id, which).await?.ok_or_else(|| Error::not_found("报告"))?
    };
    let what = if which == File::Pdf { "PDF" } else { "Excel" };
    access.audit_read("report.download", &format!("report:{id}"), &format!("{} {what}", row.label)).await?;
    Ok((row, bytes))
}

/// The numbers a published report was published with.
pub async fn numbers(access: &Access, id: ReportId) -> Result<serde_json::Value> {
    access.require(READ)?;
    let mut c = access.tenant().read().await?;
    let text = store::report_numbers(&mut c, id).await?.ok_or_else(|| Error::not_found("报告"))?;
    serde_json::from_str(&text).map_err(|e| Error::Internal(anyhow::anyhow!("stored report numbers: {e}")))
}

/// Sends a published report now to every subscriber of its kind who has not received it.
pub async fn send_now(access: &Access, id: ReportId) -> Result<hops_kernel::JobId> {
    access.require(PUBLISH)?;
    let row = get(access, id).await?;
    let mut tx = access.tenant().write().await?;
    let (job, _) = jobs::enqueue(access, &mut tx, Enqueue::job::<DeliveryJob>(&ReportRef { report_id: id.0 })).await?;
    access.audit(&mut tx, "report.send", &format!("report:{id}"), &row.label).await?;
    tx.commit().await?;
    Ok(job)
}

// ---- subscribers ----

pub async fn subscribers(access: &Access) -> Result<Vec<SubscriberRow>> {
    access.require(READ)?;
    let mut c = access.tenant().read().await?;
    Ok(store::subscribers(&mut c).await?)
}

fn duplicate_email(email: &str) -> Error {
    Error::invalid(vec![FieldError::new("email", format!("{email} 已是订阅人"))])
}

pub async fn add_subscriber(access: &Access, draft: &model::SubscriberDraft) -> Result<SubscriberId> {
    access.require(PUBLISH)?;
    let s = model::subscriber(draft).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    if store::subscriber_by_email(&mut tx, &s.email).await?.is_some() {
        return Err(duplicate_email(&s.email));
    }
    let id = SubscriberId(tx.next_id(access.engine()).await?);
    store::insert_subscriber(&mut tx, id, &s.name, &s.email, &model::kinds_code(&s.kinds), access.now())
        .await
        .map_err(|e| if hops_platform::db::is_unique_violation(&e) { duplicate_email(&s.email) } else { e.into() })?;
    access
        .audit(&mut tx, "report.subscriber.add", &format!("report_subscriber:{id}"), &format!("{} {}", s.name, model::kinds_code(&s.kinds)))
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_subscriber(access: &Access, id: SubscriberId, draft: &model::SubscriberDraft) -> Result<()> {
    access.require(PUBLISH)?;
    let s = model::subscriber(draft).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    if store::subscriber(&mut tx, id).await?.is_none() {
        return Err(Error::not_found("订阅人"));
    }
    if store::subscriber_by_email(&mut tx, &s.email).await?.is_some_and(|o| o.id != id) {
        return Err(duplicate_email(&s.email));
    }
    store::update_subscriber(&mut tx, id, &s.name, &s.email, &model::kinds_code(&s.kinds), access.now()).await?;
    access
        .audit(
            &mut tx,
            "report.subscriber.update",
            &format!("report_subscriber:{id}"),
            &format!("{} {}", s.name, model::kinds_code(&s.kinds)),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_subscriber(access: &Access, id: SubscriberId) -> Result<()> {
    access.require(PUBLISH)?;
    let mut tx = access.tenant().write().await?;
    let s = store::subscriber(&mut tx, id).await?.ok_or_else(|| Error::not_found("订阅人"))?;
    store::delete_subscriber(&mut tx, id).await?;
    access.audit(&mut tx, "report.subscriber.remove", &format!("report_subscriber:{id}"), &s.name).await?;
    tx.commit().await?;
    Ok(())
}

// ---- delivery ----

/// A published report e-mailed to a subscriber, the PDF attached (through the platform's
/// notifications: the hospital may edit the text, quiet hours hold it, a subscriber may opt out).
pub const REPORT_PUBLISHED: Topic = Topic {
    code: "reports.published",
    label: "运营报告发布",
    key: "REPORT_PUBLISHED",
    vars: &[
        Var { name: "name", label: "订阅人姓名" },
        Var { name: "hospital", label: "医院名称" },
        Var { name: "title", label: "报告标题" },
        Var { name: "label", label: "报告期" },
        Var { name: "start", label: "起始日期" },
        Var { name: "end", label: "截止日期" },
        Var { name: "published_at", label: "发布时间" },
        Var { name: "published_by", label: "发布人" },
    ],
    urgent: false,
    opt_out: true,
    texts: &[Text {
        channel: Channel::Email,
        subject: "${hospital}《${title}》${label}",
        body: "${name}，您好：\n\n附件为${hospital}《${title}》（${label}，${start} 至 ${end}），请查阅。\n\
               报告发布时间：${published_at}（发布人：${published_by}）。\n\n本邮件由互联网医院运营平台自动发送，请勿直接回复。如需退订，请联系运营管理人员。\n",
    }],
};

/// E-mails published reports to their subscribers. Each accepted mail is recorded at once,
/// so a retry (after an SMTP failure or a crash) sends only to those still missing it; inside
/// the hospital's quiet hours the job waits for their end.
pub struct DeliveryJob;

impl DeliveryJob {
    pub fn handler(self) -> Arc<dyn JobHandler> {
        Arc::new(self)
    }
}

/// The report a delivery job sends.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ReportRef {
    report_id: i64,
}

/// What a delivery run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    /// Quiet hours: the rest waits until then.
    pub wait_until: Option<hops_kernel::Instant>,
}

/// Sends report `id` to every subscriber of its kind not yet sent to.
pub async fn deliver(access: &Access, id: ReportId) -> anyhow::Result<Delivered> {
    let (row, subscribers, done, pdf) = {
        let mut c = access.tenant().read().await?;
        let Some(row) = store::report(&mut c, id).await? else { return Ok(Delivered::default()) };
        let subscribers = store::subscribers(&mut c).await?;
        let done = store::delivered_to(&mut c, id).await?;
        let pdf = store::report_file(&mut c, id, File::Pdf).await?.unwrap_or_default();
        (row, subscribers, done, pdf)
    };
    let pending: Vec<&SubscriberRow> = subscribers.iter().filter(|s| s.kinds.contains(&row.kind) && !done.contains(&s.email)).collect();
    if pending.is_empty() {
        return Ok(Delivered::default());
    }
    let hospital = hospital_name(access).await?;
    let attachment_name = format!("{}-{}.pdf", row.title, row.label);
    let attachments = [Attachment { name: &attachment_name, content_type: "application/pdf", bytes: &pdf }];
    let mut delivered = Delivered::default();
    let mut failures = Vec::new();
    for s in pending {
        let vars = [
            ("name", s.name.clone()),
            ("hospital", hospital.clone()),
            ("title", row.title.clone()),
            ("label", row.label.clone()),
            ("start", row.start.to_string()),
            ("end", row.end.to_string()),
            ("published_at", row.published_at.format_minute()),
            ("published_by", row.published_by.clone()),
        ];
        let message = Message::new(&REPORT_PUBLISHED, format!("report:{id}"), &vars, vec![Address::Email(s.email.clone())]);
        match notify::send_now(access, &message, &attachments).await? {
            Sent::Sent => {
                let mut tx = access.tenant().write().await?;
                store::record_delivery(&mut tx, id, &s.email, &s.name, access.now()).await?;
                tx.commit().await?;
                delivered.sent += 1;
            }
            Sent::Skipped => {}
            Sent::Deferred(at) => {
                delivered.wait_until = Some(at);
                break;
            }
            Sent::Failed(e) => failures.push(e),
        }
    }
    if !failures.is_empty() {
        anyhow::bail!("{} 封邮件发送失败：{}", failures.len(), failures.join("；"));
    }
    Ok(delivered)
}

impl Job for DeliveryJob {
    const KIND: &'static str = DELIVERY_JOB;
    const LABEL: &'static str = "发送报告邮件";
    type Payload = ReportRef;
    fn lease_seconds(&self) -> i64 {
        600
    }
    fn run<'a>(&'a self, job: &'a mut JobRun, p: ReportRef) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let id = p.report_id;
            // Each mail accepted is recorded as it goes (a batch's checkpoints); the audit entry,
            // the wait past quiet hours and the completion commit together.
            let delivered = deliver(&job.access, ReportId(id)).await?;
            let (access, tx) = job.tx().await?;
            if delivered.sent > 0 {
                access.audit(tx, "report.delivered", &format!("report:{id}"), &format!("发送 {} 封", delivered.sent)).await?;
            }
            if let Some(at) = delivered.wait_until {
                jobs::enqueue(access, tx, Enqueue::job::<DeliveryJob>(&ReportRef { report_id: id }).at(at)).await?;
            }
            Ok(())
        })
    }
}
