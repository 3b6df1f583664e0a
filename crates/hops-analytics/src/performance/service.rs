//! Use cases of doctor performance: the formula, generating a month's sheets, the verification
//! flow (answer, resolve, adjust, lock) and the export. Permission checks, transactions, audit.
//!
//! Who may do what:
//! * staff with `AnalyticsRead` see every sheet; those who also hold `ActivityIngest` (the
//!   operations roles: operator, hospital and platform admin) manage performance — formula,
//!   generation, adjustments, resolutions, the lock, and answers recorded on a doctor's behalf;
//!   the export needs `DataExport` as well;
//! * a user with role `doctor` whose username equals a doctor code of the hospital (工号) is that
//!   doctor: they see and answer their own sheets and nothing else.

use std::collections::HashMap;

use hops_kernel::{DoctorId, Money};
use hops_platform::tabular;
use hops_platform::web::Paging;
use hops_platform::{Access, Error, FieldError, Permission, Result, Tx};

use super::model::{self, Activity, AdjustmentDraft, Answer, Computed, Formula, FormulaDraft, Month, Status};
use super::store::{self, AdjustmentRow, EventRow, MonthRow, SheetRow, SheetWrite};

/// Who is looking at performance sheets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// Operations staff: every sheet; `manage` when they may change things.
    Staff { manage: bool },
    /// A doctor: their own sheets only.
    Doctor(DoctorId),
}

/// The doctor a user is, by the documented rule: role `doctor` and username = doctor code.
async fn linked_doctor(access: &Access) -> Result<Option<DoctorId>> {
    if !access.can(Permission::OwnPerformance) || access.actor().role.is_none() {
        return Ok(None);
    }
    let doctors = hops_master::service::doctor_ids(access).await?;
    Ok(doctors.get(&access.actor().username).map(|(id, _)| *id))
}

pub async fn viewer(access: &Access) -> Result<Viewer> {
    if access.can(Permission::AnalyticsRead) {
        return Ok(Viewer::Staff { manage: access.can(Permission::AnalyticsPublish) });
    }
    if access.can(Permission::OwnPerformance) && access.actor().role.is_some() {
        return match linked_doctor(access).await? {
            Some(id) => Ok(Viewer::Doctor(id)),
            None => Err(Error::client(
                403,
                "doctor_not_linked",
                format!("账号 {} 未关联医生：医生账号的用户名须与医生工号一致，请联系管理员", access.actor().username),
            )),
        };
    }
    Err(Error::forbidden())
}

fn require_manage(access: &Access) -> Result<()> {
    access.require(Permission::AnalyticsRead)?;
    access.require(Permission::AnalyticsPublish)
}

fn overflow(_: model::Overflow) -> Error {
    Error::client(422, "amount_overflow", "金额超出可记录的范围，请检查绩效方案与调整金额")
}

fn locked(month: Month) -> Error {
    Error::conflict("month_locked", format!("{} 的绩效已锁定，不能再修改", month.label_zh()))
}

fn month_of(sheet: &SheetRow) -> Result<Month> {
    Month::parse(&sheet.month).map_err(|e| Error::from(sqlx::Error::Decode(format!("bad month in performance_sheets: {e}").into())))
}

// ---- formula ----

/// The saved formula, when and by whom; `None` before the first save.
pub async fn settings(access: &Access) -> Result<Option<(Formula, hops_kernel::Instant, String)>> {
    access.require(Permission::AnalyticsRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::settings(&mut c).await?)
}

/// Validates and saves the formula (every field's problem at once; nothing changes on error).
/// Months already generated keep the formula they were computed with until regenerated.
pub async fn save_settings(access: &Access, draft: &FormulaDraft) -> Result<Formula> {
    require_manage(access)?;
    let formula = draft.parse().map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    let before = store::settings(&mut tx).await?.map(|(f, _, _)| f.describe()).unwrap_or_else(|| "（未设置）".into());
    store::save_settings(&mut tx, &formula, access.now(), &access.actor().display_name).await?;
    access.audit(&mut tx, "performance.settings", "performance_settings", &format!("{before} → {}", formula.describe())).await?;
    tx.commit().await?;
    Ok(formula)
}

// ---- reading ----

/// A sheet with its trace.
pub struct SheetView {
    pub sheet: SheetRow,
    pub computed: Computed,
}

/// A month: whether it was generated (and with which formula), whether it is locked, its sheets.
pub struct MonthView {
    pub month: Month,
    pub row: Option<MonthRow>,
    pub sheets: Vec<SheetView>,
    /// The month's status changes (its lock).
    pub history: Vec<hops_platform::flow::HistoryRow>,
}

impl MonthView {
    pub fn total(&self) -> Money {
        self.sheets.iter().map(|s| s.sheet.total).sum()
    }
    pub fn count(&self, status: Status) -> usize {
        self.sheets.iter().filter(|s| s.sheet.status == status).count()
    }
    pub fn locked(&self) -> bool {
        self.row.as_ref().is_some_and(|r| r.locked_at.is_some())
    }
}

fn by_sheet(adjustments: Vec<AdjustmentRow>) -> HashMap<i64, Vec<model::Adjustment>> {
    let mut map: HashMap<i64, Vec<model::Adjustment>> = HashMap::new();
    for a in adjustments {
        map.entry(a.sheet_id).or_default().push(a.adjustment);
    }
    map
}

/// A month's sheets (a doctor sees only their own).
pub async fn month(access: &Access, month: Month) -> Result<MonthView> {
    let viewer = viewer(access).await?;
    let mut c = access.tenant().read().await?;
    let code = month.code();
    let row = store::month(&mut c, &code).await?;
    let mut sheets = store::sheets_of_month(&mut c, &code).await?;
    if let Viewer::Doctor(me) = viewer {
        sheets.retain(|s| s.doctor_id == me);
    }
    let adjustments = by_sheet(store::adjustments_of_month(&mut c, &code).await?);
    let sheets = match &row {
        None => Vec::new(),
        Some(r) => sheets
            .into_iter()
            .map(|sheet| {
                let adj = adjustments.get(&sheet.id).map(Vec::as_slice).unwrap_or(&[]);
                let computed = model::compute(&r.formula, &sheet.activity, adj).map_err(overflow)?;
                Ok(SheetView { sheet, computed })
            })
            .collect::<Result<_>>()?,
    };
    let history = hops_platform::flow::service::history(&mut c, model::MONTH_FLOW.subject(month.subject_id())).await?;
    Ok(MonthView { month, row, sheets, history })
}

/// The signed-in doctor's sheets of every month, newest first (`None` for staff).
pub async fn my_sheets(access: &Access) -> Result<Option<Vec<SheetRow>>> {
    match viewer(access).await? {
        Viewer::Staff { .. } => Ok(None),
        Viewer::Doctor(me) => {
            let mut c = access.tenant().read().await?;
            Ok(Some(store::sheets_of_doctor(&mut c, me).await?))
        }
    }
}

/// What waits for the signed-in user among the sheets of months not locked, per month (oldest
/// first): for those who manage performance the disputes to resolve, for a doctor their sheets
/// to confirm or dispute; nothing for anyone else (a doctor account linked to no doctor too).
pub async fn waiting(access: &Access) -> Result<(Waiting, Vec<(String, i64)>)> {
    let (kind, status, doctor) = if access.can(Permission::AnalyticsRead) {
        if !access.can(Permission::AnalyticsPublish) {
            return Ok((Waiting::Nothing, Vec::new()));
        }
        (Waiting::Disputes, Status::Disputed, None)
    } else {
        match linked_doctor(access).await? {
            Some(me) => (Waiting::ToConfirm, Status::Draft, Some(me)),
            None => return Ok((Waiting::Nothing, Vec::new())),
        }
    };
    let mut c = access.tenant().read().await?;
    Ok((kind, store::open_sheets(&mut c, status, doctor).await?))
}

/// What [`waiting`] counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// Doctors' disputes to resolve.
    Disputes,
    /// The doctor's own sheets to confirm or dispute.
    ToConfirm,
    Nothing,
}

/// Everything the sheet page shows.
pub struct SheetDetail {
    pub sheet: SheetRow,
    pub month: Month,
    pub month_row: MonthRow,
    pub computed: Computed,
    pub adjustments: Vec<AdjustmentRow>,
    pub events: Vec<EventRow>,
    /// The sheet's status changes.
    pub history: Vec<hops_platform::flow::HistoryRow>,
    /// The viewer is the sheet's doctor.
    pub is_own: bool,
    /// The viewer may manage performance.
    pub can_manage: bool,
}

impl SheetDetail {
    pub fn locked(&self) -> bool {
        self.month_row.locked_at.is_some()
    }
}

/// The sheet, or 404 (not in this hospital) / 403 (another doctor's).
async fn visible_sheet<C: hops_platform::db::Conn>(c: &mut hops_platform::db::Scoped<C>, viewer: Viewer, id: i64) -> Result<SheetRow> {
    let sheet = store::sheet_by_id(c, id).await?.ok_or_else(|| Error::not_found("绩效单"))?;
    if let Viewer::Doctor(me) = viewer
        && sheet.doctor_id != me
    {
        return Err(Error::client(403, "forbidden", "只能查看本人的绩效单"));
    }
    Ok(sheet)
}

pub async fn sheet(access: &Access, id: i64) -> Result<SheetDetail> {
    let viewer = viewer(access).await?;
    let mut c = access.tenant().read().await?;
    let sheet = visible_sheet(&mut c, viewer, id).await?;
    let month = month_of(&sheet)?;
    let month_row = store::month(&mut c, &sheet.month).await?.ok_or_else(|| Error::not_found("绩效月份"))?;
    let adjustments = store::adjustments(&mut c, id).await?;
    let list: Vec<model::Adjustment> = adjustments.iter().map(|a| a.adjustment.clone()).collect();
    let computed = model::compute(&month_row.formula, &sheet.activity, &list).map_err(overflow)?;
    let events = store::events(&mut c, id).await?;
    let history = hops_platform::flow::service::history(&mut c, model::FLOW.subject(id)).await?;
    Ok(SheetDetail {
        history,
        is_own: viewer == Viewer::Doctor(sheet.doctor_id),
        can_manage: viewer == Viewer::Staff { manage: true },
        sheet,
        month,
        month_row,
        computed,
        adjustments,
        events,
    })
}

// ---- changes ----

/// Opens the write transaction of a change to sheet `id`: the sheet exists (404) and the viewer
/// may see it (403); its month's row is locked for the transaction and must not be locked (409).
async fn begin_change(access: &Access, viewer: Viewer, id: i64) -> Result<(Tx, SheetRow, MonthRow)> {
    let mut tx = access.tenant().write().await?;
    let first = visible_sheet(&mut tx, viewer, id).await?;
    let month = month_of(&first)?;
    let row = store::month_for_update(&mut tx, &first.month).await?.ok_or_else(|| Error::not_found("绩效月份"))?;
    if row.locked_at.is_some() {
        return Err(locked(month));
    }
    // Read again under the month's lock: a concurrent change may have committed meanwhile.
    let sheet = store::sheet_by_id(&mut tx, id).await?.ok_or_else(|| Error::not_found("绩效单"))?;
    Ok((tx, sheet, row))
}

async fn event(access: &Access, tx: &mut Tx, sheet: i64, action: &str, comment: &str) -> Result<()> {
    let id = tx.next_id(access.engine()).await?;
    store::insert_event(tx, id, sheet, access.now(), &access.actor().display_name, action, comment).await?;
    Ok(())
}

fn target(sheet: &SheetRow) -> String {
    format!("performance_sheet:{}", sheet.id)
}

/// The doctor confirms or disputes their sheet; an operator may record the doctor's answer on
/// their behalf, with a note saying how it was given.
pub async fn answer(access: &Access, id: i64, a: Answer, comment: &str) -> Result<Status> {
    let viewer = viewer(access).await?;
    let (mut tx, sheet, _) = begin_change(access, viewer, id).await?;
    let own = viewer == Viewer::Doctor(sheet.doctor_id);
    if !own && viewer != (Viewer::Staff { manage: true }) {
        return Err(Error::forbidden());
    }
    let comment = match (own, a) {
        (true, Answer::Confirm) => model::comment("comment", "备注", comment, false),
        (true, Answer::Dispute) => model::comment("comment", "异议说明", comment, true),
        (false, _) => model::comment("comment", "代医生答复的说明（如：电话确认、医生当面提出）", comment, true),
    }
    .map_err(|e| Error::invalid(vec![e]))?;
    let status = model::answer(sheet.status, a).map_err(|m| Error::conflict("invalid_transition", m))?;
    store::set_sheet_state(&mut tx, id, sheet.total, status, access.now()).await?;
    model::FLOW.record(access, &mut tx, id, sheet.status, model::Action::of_answer(a, own), &comment).await?;
    let what = match a {
        Answer::Confirm => "performance.confirm",
        Answer::Dispute => "performance.dispute",
    };
    let by = if own { "医生本人" } else { "代医生" };
    access
        .audit(&mut tx, what, &target(&sheet), &format!("{} {} {}（{by}）{}", sheet.month, sheet.doctor_code, sheet.total, comment))
        .await?;
    tx.commit().await?;
    Ok(status)
}

/// Adds an adjustment inside a change and recomputes the sheet; returns the new total.
async fn apply_adjustment(access: &Access, tx: &mut Tx, sheet: &SheetRow, month: &MonthRow, a: &model::Adjustment) -> Result<Money> {
    let aid = tx.next_id(access.engine()).await?;
    store::insert_adjustment(tx, aid, sheet.id, a, access.now(), &access.actor().display_name).await?;
    let all: Vec<model::Adjustment> = store::adjustments(tx, sheet.id).await?.into_iter().map(|r| r.adjustment).collect();
    let computed = model::compute(&month.formula, &sheet.activity, &all).map_err(overflow)?;
    let what = match a.kind {
        model::AdjustmentKind::Complaint => format!("投诉成立 {}：{}", Money(-month.formula.complaint_deduction.0), a.reason),
        model::AdjustmentKind::Manual => format!("人工调整 {}：{}", a.amount, a.reason),
    };
    event(access, tx, sheet.id, "adjusted", &format!("{what}；合计 {} → {}", sheet.total, computed.total)).await?;
    access.audit(tx, "performance.adjust", &target(sheet), &format!("{} {} {what}", sheet.month, sheet.doctor_code)).await?;
    Ok(computed.total)
}

/// Records an upheld complaint or a manual adjustment (+/−) with its reason.
pub async fn adjust(access: &Access, id: i64, draft: &AdjustmentDraft) -> Result<Money> {
    let viewer = viewer(access).await?;
    require_manage(access)?;
    let (mut tx, sheet, month) = begin_change(access, viewer, id).await?;
    let adjustment = draft.parse().map_err(Error::invalid)?;
    let total = apply_adjustment(access, &mut tx, &sheet, &month, &adjustment).await?;
    let status = model::after_change(sheet.status, sheet.total, total);
    store::set_sheet_state(&mut tx, id, total, status, access.now()).await?;
    if status != sheet.status {
        model::FLOW
            .record(
                access,
                &mut tx,
                id,
                sheet.status,
                model::Action::Reset,
                &format!("调整后合计 {} → {total}，需医生重新确认", sheet.total),
            )
            .await?;
    }
    tx.commit().await?;
    Ok(total)
}

/// An operator answers a dispute, optionally with an adjustment (kind empty: none).
pub async fn resolve(access: &Access, id: i64, comment: &str, adjustment: &AdjustmentDraft) -> Result<Status> {
    let viewer = viewer(access).await?;
    require_manage(access)?;
    let (mut tx, sheet, month) = begin_change(access, viewer, id).await?;
    let mut errors = Vec::new();
    let comment = model::comment("comment", "处理意见", comment, true).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    let adjustment = if adjustment.kind.trim().is_empty() {
        None
    } else {
        let mut d = adjustment.clone();
        if d.reason.trim().is_empty() {
            d.reason = comment.clone();
        }
        match d.parse() {
            Ok(a) => Some(a),
            Err(e) => {
                errors.extend(e.into_iter().filter(|f| f.field != "reason" || !comment.is_empty()));
                None
            }
        }
    };
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    let status = model::resolve(sheet.status).map_err(|m| Error::conflict("invalid_transition", m))?;
    let total = match &adjustment {
        Some(a) => apply_adjustment(access, &mut tx, &sheet, &month, a).await?,
        None => sheet.total,
    };
    store::set_sheet_state(&mut tx, id, total, status, access.now()).await?;
    model::FLOW.record(access, &mut tx, id, sheet.status, model::Action::Resolve, &comment).await?;
    access.audit(&mut tx, "performance.resolve", &target(&sheet), &format!("{} {} {comment}", sheet.month, sheet.doctor_code)).await?;
    tx.commit().await?;
    Ok(status)
}

/// What a generation did.
#[derive(Debug, Default)]
pub struct Generated {
    pub created: usize,
    pub updated: usize,
    pub removed: usize,
    pub sheets: usize,
    pub total: Money,
}

/// Generates (or regenerates, while the month is not locked) the sheets of a month from the
/// consultations created in it, with the formula in force: one sheet per doctor with activity,
/// and sheets with adjustments are kept. A confirmed sheet whose total changes goes back to
/// the doctor; a draft sheet whose doctor no longer has activity or adjustments is removed.
pub async fn generate(access: &Access, month: Month) -> Result<Generated> {
    require_manage(access)?;
    let Some((formula, _, _)) = settings(access).await? else {
        return Err(Error::conflict("no_formula", "还没有设置绩效方案：请先在“绩效方案”页填写并保存"));
    };
    let filter = hops_master::service::DoctorFilter { q: "", department: None, title: "" };
    let doctors: HashMap<DoctorId, hops_master::service::DoctorRow> =
        hops_master::service::list_doctors(access, &filter, Paging { page: 1, per_page: 1_000_000 })
            .await?
            .0
            .into_iter()
            .map(|d| (d.id, d))
            .collect();
    let code = month.code();
    let (from, to) = (month.range().start.start(), month.range().end_exclusive.start());
    let now = access.now();
    let by = access.actor().display_name.clone();

    let mut tx = access.tenant().write().await?;
    if store::month_for_update(&mut tx, &code).await?.is_some_and(|m| m.locked_at.is_some()) {
        return Err(locked(month));
    }
    let activity = store::activity(&mut tx, from, to, formula.timeout_micros()).await?;
    let existing: HashMap<DoctorId, SheetRow> =
        store::sheets_of_month(&mut tx, &code).await?.into_iter().map(|s| (s.doctor_id, s)).collect();
    let adjustments = by_sheet(store::adjustments_of_month(&mut tx, &code).await?);
    store::upsert_month(&mut tx, &code, &formula, now, &by).await?;

    let mut g = Generated::default();
    let mut wanted: Vec<(DoctorId, Activity)> = activity.into_iter().filter(|(_, a)| !a.is_empty()).collect();
    for (doctor, sheet) in &existing {
        if !wanted.iter().any(|(d, _)| d == doctor) && (adjustments.contains_key(&sheet.id) || sheet.status != Status::Draft) {
            wanted.push((*doctor, Activity::default()));
        }
    }
    for (doctor, act) in &wanted {
        let old = existing.get(doctor);
        let adj = old.and_then(|s| adjustments.get(&s.id)).map(Vec::as_slice).unwrap_or(&[]);
        let computed = model::compute(&formula, act, adj).map_err(overflow)?;
        let (dcode, dname, dept) = match (doctors.get(doctor), old) {
            (Some(d), _) => (d.code.clone(), d.name.clone(), d.department_name.clone()),
            (None, Some(s)) => (s.doctor_code.clone(), s.doctor_name.clone(), s.department_name.clone()),
            (None, None) => (doctor.0.to_string(), String::new(), String::new()),
        };
        let status = old.map(|s| model::after_change(s.status, s.total, computed.total)).unwrap_or(Status::Draft);
        let w = SheetWrite {
            doctor_code: &dcode,
            doctor_name: &dname,
            department_name: &dept,
            activity: act,
            total: computed.total,
            status,
            now,
        };
        match old {
            Some(s) => {
                store::update_sheet(&mut tx, s.id, &w).await?;
                if s.total != computed.total || s.activity != *act {
                    event(access, &mut tx, s.id, "regenerated", &format!("合计 {} → {}", s.total, computed.total)).await?;
                }
                if s.status != status {
                    let note = format!("重新生成后合计 {} → {}，需医生重新确认", s.total, computed.total);
                    model::FLOW.record(access, &mut tx, s.id, s.status, model::Action::Reset, &note).await?;
                }
                g.updated += 1;
            }
            None => {
                let id = tx.next_id(access.engine()).await?;
                store::insert_sheet(&mut tx, id, &code, *doctor, &w).await?;
                event(access, &mut tx, id, "generated", &format!("合计 {}", computed.total)).await?;
                g.created += 1;
            }
        }
        g.total = g.total.checked_add(computed.total).ok_or_else(|| overflow(model::Overflow))?;
    }
    for (doctor, sheet) in &existing {
        if !wanted.iter().any(|(d, _)| d == doctor) {
            store::delete_sheet(&mut tx, sheet.id).await?;
            hops_platform::flow::service::forget(&mut tx, model::FLOW.subject(sheet.id)).await?;
            g.removed += 1;
        }
    }
    g.sheets = wanted.len();
    let detail = format!(
        "{}：{} 张绩效单（新增 {}，更新 {}，移除 {}），合计 {}；方案：{}",
        month.label_zh(),
        g.sheets,
        g.created,
        g.updated,
        g.removed,
        g.total,
        formula.describe()
    );
    access.audit(&mut tx, "performance.generate", &format!("performance:{code}"), &detail).await?;
    tx.commit().await?;
    Ok(g)
}

/// Locks a generated month: no more changes or regeneration. Refused while disputes are open.
pub async fn lock(access: &Access, month: Month) -> Result<()> {
    require_manage(access)?;
    let code = month.code();
    let mut tx = access.tenant().write().await?;
    let row = store::month_for_update(&mut tx, &code).await?;
    match row {
        None => return Err(Error::conflict("not_generated", format!("{} 还没有生成绩效单，不能锁定", month.label_zh()))),
        Some(r) if r.locked_at.is_some() => return Err(locked(month)),
        Some(_) => {}
    }
    let sheets = store::sheets_of_month(&mut tx, &code).await?;
    let disputed = sheets.iter().filter(|s| s.status == Status::Disputed).count();
    if disputed > 0 {
        return Err(Error::conflict("open_disputes", format!("还有 {disputed} 张有异议的绩效单未处理，处理后才能锁定")));
    }
    if !store::lock_month(&mut tx, &code, access.now(), &access.actor().display_name).await? {
        return Err(locked(month));
    }
    let (open, lock) = (model::MonthStatus::Open, model::MonthAction::Lock);
    model::MONTH_FLOW.record(access, &mut tx, month.subject_id(), open, lock, "").await?;
    let total: Money = sheets.iter().map(|s| s.total).sum();
    let drafts = sheets.iter().filter(|s| s.status == Status::Draft).count();
    let detail = format!("锁定 {}：{} 张绩效单，合计 {total}，其中医生未确认 {drafts} 张", month.label_zh(), sheets.len());
    access.audit(&mut tx, "performance.lock", &format!("performance:{code}"), &detail).await?;
    tx.commit().await?;
    Ok(())
}

pub const EXPORT_HEADERS: [&str; 10] = ["月份", "医生工号", "医生姓名", "科室", "状态", "项目", "数量", "单价", "金额（元）", "月份状态"];

/// The month's sheets and their trace lines as XLSX (one row per line, then the sheet's total).
/// Audited as an export.
pub async fn export(access: &Access, month: Month) -> Result<Vec<u8>> {
    access.require(Permission::AnalyticsRead)?;
    access.require(Permission::DataExport)?;
    let view = self::month(access, month).await?;
    let code = month.code();
    let state = match &view.row {
        None => "未生成",
        Some(r) if r.locked_at.is_some() => "已锁定",
        Some(_) => "核对中",
    };
    let mut rows = Vec::new();
    for s in &view.sheets {
        let head = |item: &str, count: String, unit: &str, amount: Money| {
            vec![
                code.clone(),
                s.sheet.doctor_code.clone(),
                s.sheet.doctor_name.clone(),
                s.sheet.department_name.clone(),
                s.sheet.status.label_zh().to_string(),
                item.to_string(),
                count,
                unit.to_string(),
                amount.to_yuan_string(),
                state.to_string(),
            ]
        };
        for l in &s.computed.lines {
            rows.push(head(&l.item, l.count.to_string(), &l.unit, l.amount));
        }
        rows.push(head("合计", String::new(), "", s.computed.total));
    }
    let bytes = tabular::write_xlsx("医生绩效", &EXPORT_HEADERS, &rows)?;
    access
        .audit_read(
            "export",
            &format!("performance:{code}"),
            &format!("导出医生绩效 {}：{} 张绩效单，合计 {}", month.label_zh(), view.sheets.len(), view.total()),
        )
        .await?;
    Ok(bytes)
}

/// Field errors of a failed change, for forms (`None` when the error is not a validation one).
pub fn field_errors(e: &Error) -> Option<Vec<FieldError>> {
    match e {
        Error::Client { status: 422, fields, .. } if !fields.is_empty() => Some(fields.clone()),
        _ => None,
    }
}
