//! Import and export of master data (CSV/XLSX), all or nothing by default: a file with any bad
//! row changes nothing and comes back with every problem listed by row and column.

use std::collections::{HashMap, HashSet};

use hops_platform::people::service as people;
use hops_platform::tabular::{self, Column, RowError, Table, cell};
pub use hops_platform::tabular::{ImportReport, Mode};
use hops_platform::{Access, Error, Permission, Result};

use crate::model::{self, DepartmentDraft, DoctorDraft, PatientDraft};
use crate::service::{self, field_errors_to_rows};
use crate::store::{self, DepartmentWrite, DoctorWrite};
use hops_kernel::{DepartmentId, DoctorId, PatientId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Departments,
    Doctors,
    Patients,
}

pub const DEPARTMENT_COLUMNS: &[Column] = &[
    Column { key: "code", label: "科室编码", required: true, note: "唯一，字母数字，如 CARD", example: "CARD" },
    Column { key: "name", label: "科室名称", required: true, note: "不超过 50 字", example: "心血管内科" },
    Column { key: "category", label: "科室类别", required: false, note: "如 内科、外科、医技", example: "内科" },
    Column { key: "online", label: "开通线上", required: false, note: "是/否，默认 是", example: "是" },
];

pub const DOCTOR_COLUMNS: &[Column] = &[
    Column { key: "code", label: "医生工号", required: true, note: "唯一，字母数字", example: "D0001" },
    Column { key: "name", label: "医生姓名", required: true, note: "", example: "王建国" },
    Column { key: "department_code", label: "科室编码", required: true, note: "须为已存在的科室编码", example: "CARD" },
    Column {
        key: "title", label: "职称", required: true, note: "主任医师、副主任医师、主治医师、住院医师等", example: "主任医师"
    },
    Column { key: "specialty", label: "擅长", required: false, note: "不超过 200 字", example: "冠心病、高血压" },
    Column { key: "online_clinic", label: "开通线上门诊", required: false, note: "是/否，默认 是", example: "是" },
];

pub const PATIENT_COLUMNS: &[Column] = &[
    Column {
        key: "external_id",
        label: "外部编号",
        required: false,
        note: "互联网医院平台中的患者编号；重复导入时据此更新",
        example: "P000001",
    },
    Column { key: "name", label: "姓名", required: true, note: "", example: "张三" },
    Column { key: "sex", label: "性别", required: false, note: "男/女；填写身份证号时可留空", example: "" },
    Column { key: "birth_date", label: "出生日期", required: false, note: "YYYY-MM-DD；填写身份证号时可留空", example: "" },
    Column {
        key: "id_number",
        label: "身份证号",
        required: false,
        note: "18 位居民身份证号，按 GB 11643 校验",
        example: "11010519491231002X",
    },
    Column { key: "phone", label: "手机号", required: false, note: "11 位大陆手机号", example: "13812345678" },
    Column {
        key: "channel", label: "来源渠道", required: false, note: "如 微信公众号、院内扫码", example: "微信公众号"
    },
    Column {
        key: "registered_at",
        label: "注册时间",
        required: false,
        note: "YYYY-MM-DD HH:MM，北京时间；默认导入时间",
        example: "2026-01-05 09:30",
    },
];

impl Kind {
    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Departments => DEPARTMENT_COLUMNS,
            Kind::Doctors => DOCTOR_COLUMNS,
            Kind::Patients => PATIENT_COLUMNS,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Departments => "科室",
            Kind::Doctors => "医生",
            Kind::Patients => "患者",
        }
    }
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Departments => "departments",
            Kind::Doctors => "doctors",
            Kind::Patients => "patients",
        }
    }
    fn column_label(self, field: &str) -> String {
        self.columns().iter().find(|c| c.key == field).map(|c| c.label.to_string()).unwrap_or_else(|| field.to_string())
    }
}

/// Imports a table of `kind`.
pub async fn import(access: &Access, kind: Kind, table: &Table, mode: Mode) -> Result<ImportReport> {
    access.require(Permission::MasterImport)?;
    let mut report = ImportReport { total: table.rows.len(), ..Default::default() };
    let idx = match table.locate(kind.columns()) {
        Ok(i) => i,
        Err(errors) => {
            report.rejected = errors;
            return Ok(report);
        }
    };
    let get = |row: &[String], key: &str| -> String {
        let i = kind.columns().iter().position(|c| c.key == key).expect("known column");
        cell(row, idx[i]).to_string()
    };
    if table.rows.is_empty() {
        report.rejected.push(RowError { row: 2, column: String::new(), message: "文件中没有数据行".into() });
        return Ok(report);
    }
    match kind {
        Kind::Departments => {
            let mut valid = Vec::new();
            let mut seen = HashSet::new();
            for (i, row) in table.rows.iter().enumerate() {
                let n = i + 2;
                let draft = DepartmentDraft {
                    code: get(row, "code"),
                    name: get(row, "name"),
                    category: get(row, "category"),
                    online: get(row, "online"),
                };
                match model::department(&draft) {
                    Ok(d) if !seen.insert(d.code.clone()) => report.rejected.push(RowError {
                        row: n,
                        column: "科室编码".into(),
                        message: format!("文件中科室编码 {} 重复", d.code),
                    }),
                    Ok(d) => valid.push(d),
                    Err(e) => report.rejected.extend(field_errors_to_rows(n, e, |f| kind.column_label(f))),
                }
            }
            if mode == Mode::AllOrNothing && !report.rejected.is_empty() {
                return Ok(report);
            }
            let mut tx = access.tenant().write().await?;
            let ids = tx.next_ids(access.engine(), valid.len()).await?;
            for (d, id) in valid.iter().zip(ids) {
                let w = DepartmentWrite { code: &d.code, name: &d.name, category: &d.category, online: d.online, now: access.now() };
                let (_, created) = store::upsert_department(&mut tx, DepartmentId(id), w).await?;
                report.count(created)
            }
            finish(access, tx, kind, &mut report).await?;
        }
        Kind::Doctors => {
            let mut tx = access.tenant().write().await?;
            let departments: HashMap<String, DepartmentId> =
                store::department_ids(&mut tx).await?.into_iter().map(|(c, id, _)| (c, id)).collect();
            let mut valid = Vec::new();
            let mut seen = HashSet::new();
            for (i, row) in table.rows.iter().enumerate() {
                let n = i + 2;
                let draft = DoctorDraft {
                    code: get(row, "code"),
                    name: get(row, "name"),
                    department_code: get(row, "department_code"),
                    title: get(row, "title"),
                    specialty: get(row, "specialty"),
                    online_clinic: get(row, "online_clinic"),
                };
                match model::doctor(&draft) {
                    Ok(d) => match departments.get(&d.department_code) {
                        None => report.rejected.push(RowError {
                            row: n,
                            column: "科室编码".into(),
                            message: format!("科室编码 {} 不存在", d.department_code),
                        }),
                        Some(_) if !seen.insert(d.code.clone()) => report.rejected.push(RowError {
                            row: n,
                            column: "医生工号".into(),
                            message: format!("文件中医生工号 {} 重复", d.code),
                        }),
                        Some(dep) => valid.push((d.clone(), *dep)),
                    },
                    Err(e) => report.rejected.extend(field_errors_to_rows(n, e, |f| kind.column_label(f))),
                }
            }
            if mode == Mode::AllOrNothing && !report.rejected.is_empty() {
                return Ok(report);
            }
            let ids = tx.next_ids(access.engine(), valid.len()).await?;
            for ((d, dep), id) in valid.iter().zip(ids) {
                let w = DoctorWrite {
                    code: &d.code,
                    name: &d.name,
                    department_id: *dep,
                    title: &d.title,
                    specialty: &d.specialty,
                    online_clinic: d.online_clinic,
                    now: access.now(),
                };
                let (_, created) = store::upsert_doctor(&mut tx, DoctorId(id), w).await?;
                report.count(created)
            }
            finish(access, tx, kind, &mut report).await?;
        }
        Kind::Patients => {
            let today = access.now().local_day();
            let mut valid = Vec::new();
            let mut seen_ext = HashSet::new();
            let mut seen_id = HashSet::new();
            for (i, row) in table.rows.iter().enumerate() {
                let n = i + 2;
                let draft = PatientDraft {
                    external_id: get(row, "external_id"),
                    name: get(row, "name"),
                    sex: get(row, "sex"),
                    birth_date: get(row, "birth_date"),
                    id_number: get(row, "id_number"),
                    phone: get(row, "phone"),
                    channel: get(row, "channel"),
                    registered_at: get(row, "registered_at"),
                };
                match model::patient(&draft, today) {
                    Ok(p) => {
                        if let Some(e) = &p.external_id
                            && !seen_ext.insert(e.clone())
                        {
                            report.rejected.push(RowError {
                                row: n,
                                column: "外部编号".into(),
                                message: format!("文件中外部编号 {e} 重复"),
                            });
                            continue;
                        }
                        if let Some(id) = &p.id_number
                            && !seen_id.insert(id.as_str().to_string())
                        {
                            report.rejected.push(RowError {
                                row: n,
                                column: "身份证号".into(),
                                message: format!("文件中身份证号 {} 重复", id.masked()),
                            });
                            continue;
                        }
                        valid.push(p);
                    }
                    Err(e) => report.rejected.extend(field_errors_to_rows(n, e, |f| kind.column_label(f))),
                }
            }
            if mode == Mode::AllOrNothing && !report.rejected.is_empty() {
                return Ok(report);
            }
            let mut tx = access.tenant().write().await?;
            let ids = tx.next_ids(access.engine(), valid.len()).await?;
            for (p, id) in valid.iter().zip(ids) {
                // The patient a row refers to: by external id, else the patient role of the
                // person with its ID-card number.
                let existing = match &p.external_id {
                    Some(e) => store::patient_by_external_id(&mut tx, e).await?,
                    None => None,
                };
                let existing = match (existing, &p.id_number) {
                    (Some(e), _) => Some(e),
                    (None, Some(n)) => match people::on_file_in(access, &mut tx, n).await? {
                        Some(person) => store::patient_of_person(&mut tx, person.id).await?,
                        None => None,
                    },
                    (None, None) => None,
                };
                match existing {
                    Some(existing) => {
                        let person = store::patient_by_id(&mut tx, existing).await?.ok_or_else(|| Error::not_found("患者"))?.person_id;
                        service::update_patient_in(access, &mut tx, (existing, person), p, (false, false)).await?;
                        report.updated += 1;
                    }
                    None => {
                        service::insert_patient_in(access, &mut tx, PatientId(id), p).await?;
                        report.inserted += 1;
                    }
                }
            }
            finish(access, tx, kind, &mut report).await?;
        }
    }
    Ok(report)
}

async fn finish(access: &Access, mut tx: hops_platform::Tx, kind: Kind, report: &mut ImportReport) -> Result<()> {
    let detail = format!("共 {} 行：新增 {}，更新 {}，拒绝 {} 行", report.total, report.inserted, report.updated, report.rejected_rows());
    access.audit(&mut tx, &format!("{}.import", kind.slug().trim_end_matches('s')), kind.slug(), &detail).await?;
    tx.commit().await?;
    report.committed = true;
    Ok(())
}

/// The import template of `kind` (XLSX).
pub fn template(kind: Kind) -> Result<Vec<u8>> {
    tabular::template_xlsx(kind.label_zh(), kind.columns())
}

const EXPORT_LIMIT: i64 = 1_000_000;

/// Everything of `kind` as XLSX, personal numbers masked. Audited.
pub async fn export(access: &Access, kind: Kind) -> Result<Vec<u8>> {
    access.require(Permission::DataExport)?;
    let all = hops_platform::web::Paging { page: 1, per_page: EXPORT_LIMIT };
    let headers: Vec<&str> = kind.columns().iter().map(|c| c.label).collect();
    let rows: Vec<Vec<String>> = match kind {
        Kind::Departments => service::list_departments(access, "", all)
            .await?
            .0
            .into_iter()
            .map(|d| vec![d.code, d.name, d.category, yes_no(d.online)])
            .collect(),
        Kind::Doctors => service::list_doctors(access, &store::DoctorFilter { q: "", department: None, title: "" }, all)
            .await?
            .0
            .into_iter()
            .map(|d| vec![d.code, d.name, d.department_code, d.title, d.specialty, yes_no(d.online_clinic)])
            .collect(),
        Kind::Patients => service::list_patients(access, &service::PatientQuery { q: "", sex: "", channel: "" }, all)
            .await?
            .0
            .into_iter()
            .map(|p| {
                vec![
                    p.external_id.unwrap_or_default(),
                    p.name,
                    p.sex.label_zh().to_string(),
                    p.birth.map(|b| b.to_string()).unwrap_or_default(),
                    p.id_number_masked,
                    p.phone_masked,
                    p.channel,
                    p.registered_at.format_minute(),
                ]
            })
            .collect(),
    };
    let bytes = tabular::write_xlsx(kind.label_zh(), &headers, &rows)?;
    access.audit_read("export", kind.slug(), &format!("导出{} {} 条（脱敏）", kind.label_zh(), rows.len())).await?;
    if rows.len() as i64 >= EXPORT_LIMIT {
        return Err(Error::bad_request("too_many_rows", "导出超过 100 万行，请先筛选"));
    }
    Ok(bytes)
}

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}
