//! JSON API of the weekday capacity templates and bulk setting of a date range.

use std::collections::{BTreeMap, BTreeSet};

use hops_kernel::LocalDay;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Routes, Scope};
use hops_platform::{Error, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::capacity::model::DaySetting;
use crate::capacity::template::{self, BulkRequest, Source, Templates};
use crate::capacity::template_service::{self as templates, BulkOutcome};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .api(
            Method::Get,
            "/api/v1/checkup/capacity/templates",
            ApiDoc::new("号源", "按星期的号源模板（只列出有模板的星期）").returns::<TemplatesIo>(),
            get_templates,
        )
        .api(
            Method::Put,
            "/api/v1/checkup/capacity/templates",
            ApiDoc::new("号源", "保存号源模板（整体替换：未列出的星期没有模板）").body::<TemplatesIo>().returns::<TemplatesIo>(),
            put_templates,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/capacity/bulk",
            ApiDoc::new("号源", "批量设置一段日期的号源（按模板或统一设置，跳过不开放日期）")
                .describe(
                    "from–to 至多 366 天且不早于今天；weekdays 为 1（周一）到 7（周日），省略为每天；template 为 true 时按各日星期的模板设置，\
                     否则按 setting（同 PUT /api/v1/checkup/capacity/{date}）设置，两者只能取其一。不开放的日期与没有模板的星期跳过。\
                     在一个事务中全部设置或全部不设置：任何日期的号源池低于已约人数时返回 422，列出每个这样的日期与号源池，不做任何修改。\
                     dry_run 为 true 时只预览，不修改。",
                )
                .body::<BulkIn>()
                .returns::<BulkOut>()
                .error(422, "范围或号源有误，或会使号源池低于已约人数；未做任何修改"),
            bulk,
        )
}

/// The pools of a date or a weekday (as for `PUT /api/v1/checkup/capacity/{date}`).
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct SettingIo {
    individual: i64,
    vip: i64,
    /// Places per employer code.
    groups: BTreeMap<String, i64>,
    /// Places per special package code.
    specials: BTreeMap<String, i64>,
    /// Places per scarce-resource code.
    resources: BTreeMap<String, i64>,
}

impl SettingIo {
    fn setting(self) -> DaySetting {
        DaySetting { individual: self.individual, vip: self.vip, groups: self.groups, specials: self.specials, resources: self.resources }
    }

    fn of(s: &DaySetting) -> SettingIo {
        SettingIo {
            individual: s.individual,
            vip: s.vip,
            groups: s.groups.clone(),
            specials: s.specials.clone(),
            resources: s.resources.clone(),
        }
    }
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct WeekdayTemplateIo {
    /// 1 = Monday … 7 = Sunday.
    weekday: u8,
    /// 周一 … 周日 (ignored on input).
    #[serde(default)]
    label: String,
    #[serde(default)]
    setting: SettingIo,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct TemplatesIo {
    /// The weekdays that have a template.
    weekdays: Vec<WeekdayTemplateIo>,
}

fn templates_out(t: &Templates) -> TemplatesIo {
    TemplatesIo {
        weekdays: t
            .iter()
            .map(|(w, s)| WeekdayTemplateIo { weekday: *w, label: template::weekday_label(*w).into(), setting: SettingIo::of(s) })
            .collect(),
    }
}

async fn get_templates(api: Api) -> ApiResult<Json<TemplatesIo>> {
    Ok(Json(templates_out(&templates::templates(api.access()).await?)))
}

async fn put_templates(api: Api, Json(body): Json<TemplatesIo>) -> ApiResult<Json<TemplatesIo>> {
    let mut t = Templates::new();
    for w in body.weekdays {
        let weekday = w.weekday;
        if t.insert(weekday, w.setting.setting()).is_some() {
            return Err(Error::invalid_field("weekdays", format!("星期 {weekday} 重复")).into());
        }
    }
    templates::save_templates(api.access(), &t).await?;
    Ok(Json(templates_out(&templates::templates(api.access()).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct BulkIn {
    /// YYYY-MM-DD, today or later.
    from: String,
    /// YYYY-MM-DD, at most 366 days from `from`.
    to: String,
    /// ISO weekdays to set (1 = Monday … 7 = Sunday); every day when left out.
    #[serde(default)]
    weekdays: Vec<u8>,
    /// Set each date from its weekday's template.
    #[serde(default)]
    template: bool,
    /// Or set every date to this.
    setting: Option<SettingIo>,
    /// Only say what would happen.
    #[serde(default)]
    dry_run: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SkippedOut {
    date: String,
    /// closed | no_template
    reason: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct BulkOut {
    /// false for a dry run.
    applied: bool,
    /// Number of dates set (or that would be).
    set: usize,
    /// Of those, dates whose capacities change.
    changed: usize,
    dates: Vec<String>,
    /// Chosen dates left as they are: closed, or no template for their weekday.
    skipped: Vec<SkippedOut>,
}

pub(super) fn bulk_out(o: BulkOutcome, applied: bool) -> BulkOut {
    BulkOut {
        applied,
        set: o.dates.len(),
        changed: o.changed,
        dates: o.dates.iter().map(ToString::to_string).collect(),
        skipped: o
            .skipped
            .into_iter()
            .map(|(d, s)| SkippedOut { date: d.to_string(), reason: s.code().into(), message: s.message(d) })
            .collect(),
    }
}

async fn bulk(api: Api, Json(b): Json<BulkIn>) -> ApiResult<Json<BulkOut>> {
    let mut fields = Vec::new();
    let mut day = |s: &str, field: &str| {
        LocalDay::parse(s.trim()).unwrap_or_else(|_| {
            fields.push(FieldError::new(field, "日期格式应为 YYYY-MM-DD"));
            LocalDay(0)
        })
    };
    let (from, to) = (day(&b.from, "from"), day(&b.to, "to"));
    let source = match (b.template, b.setting) {
        (true, None) => Some(Source::Template(templates::templates(api.access()).await?)),
        (false, Some(s)) => Some(Source::Setting(s.setting())),
        _ => {
            fields.push(FieldError::new("template", "请选择按模板（template: true）或给出号源（setting），两者只能取其一"));
            None
        }
    };
    let Some(source) = source.filter(|_| fields.is_empty()) else {
        return Err(Error::invalid(fields).into());
    };
    let req = BulkRequest { from, to, weekdays: b.weekdays.into_iter().collect::<BTreeSet<u8>>(), source };
    let outcome =
        if b.dry_run { templates::preview_bulk(api.access(), &req).await? } else { templates::apply_bulk(api.access(), &req).await? };
    Ok(Json(bulk_out(outcome, !b.dry_run)))
}
