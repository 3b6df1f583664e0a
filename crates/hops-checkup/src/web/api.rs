//! JSON API of the catalogue, rules, audit, employers, capacity and availability.

use hops_platform::web::Param;
use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use hops_kernel::{LocalDay, Money, Sex};
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Routes, Scope};
use hops_platform::{Error, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::capacity::model::DaySetting;
use crate::capacity::service::{self as capacity, DayView};
use crate::catalogue::audit::Finding;
use crate::catalogue::model::{Applicability, Item, Marital, Package, Rule, Selection, Violation};
use crate::catalogue::service as catalogue;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .api(Method::Get, "/api/v1/checkup/items", ApiDoc::new("体检目录", "体检项目列表").returns::<Vec<ItemOut>>(), list_items)
        .api(
            Method::Post,
            "/api/v1/checkup/items",
            ApiDoc::new("体检目录", "新建或修改体检项目（按编码）").body::<ItemIn>().returns::<ItemOut>(),
            save_item,
        )
        .api(Method::Get, "/api/v1/checkup/packages", ApiDoc::new("体检目录", "套餐列表").returns::<Vec<PackageOut>>(), list_packages)
        .api(
            Method::Post,
            "/api/v1/checkup/packages",
            ApiDoc::new("体检目录", "新建或修改套餐（按编码）").body::<PackageIn>().returns::<PackageOut>(),
            save_package,
        )
        .api(Method::Get, "/api/v1/checkup/rules", ApiDoc::new("体检目录", "项目规则列表").returns::<Vec<RuleOut>>(), list_rules)
        .api(
            Method::Post,
            "/api/v1/checkup/rules",
            ApiDoc::new("体检目录", "新增规则（互斥 exclusive、依赖 requires、必检 required）")
                .body::<RuleIn>()
                .returns::<RuleOut>()
                .status(201),
            add_rule,
        )
        .api(Method::Delete, "/api/v1/checkup/rules/{rule_id}", ApiDoc::new("体检目录", "删除规则").status(204), delete_rule)
        .api(
            Method::Get,
            "/api/v1/checkup/audit",
            ApiDoc::new("体检目录", "配置审核：依赖循环、互斥的必检项目、违反自身规则的套餐、无人可选的项目").returns::<Vec<FindingOut>>(),
            audit,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/check",
            ApiDoc::new("体检目录", "校验所选套餐与加减项并计价（返回全部违规）").body::<CheckIn>().returns::<CheckOut>(),
            check,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/resources",
            ApiDoc::new("体检目录", "新建或修改稀缺资源").body::<ResourceIn>().status(204),
            save_resource,
        )
        .api(
            Method::Get,
            "/api/v1/checkup/capacity/{date}",
            ApiDoc::new("号源", "某日各号源池的容量与已用数").returns::<DayOut>(),
            get_capacity,
        )
        .api(
            Method::Put,
            "/api/v1/checkup/capacity/{date}",
            ApiDoc::new("号源", "设置某日号源（未列出的号源池关闭）").body::<CapacityIn>().returns::<DayOut>(),
            put_capacity,
        )
        .api(
            Method::Put,
            "/api/v1/checkup/closed/{date}",
            ApiDoc::new("号源", "设置某日不开放（已有有效预约时拒绝）").body::<ClosedIn>().status(204).error(409, "当日已有有效预约"),
            close_day,
        )
        .api(Method::Delete, "/api/v1/checkup/closed/{date}", ApiDoc::new("号源", "恢复某日开放").status(204), open_day)
        .api(
            Method::Get,
            "/api/v1/checkup/availability",
            ApiDoc::new("号源", "某套餐各日期的剩余号源")
                .query_required("from", Param::Date, "开始日期 YYYY-MM-DD")
                .query_required("to", Param::Date, "结束日期 YYYY-MM-DD")
                .query_required("package", Param::Text, "套餐编码")
                .returns::<Vec<AvailabilityOut>>(),
            availability,
        )
}

fn day_param(s: &str, field: &str) -> Result<LocalDay, Error> {
    LocalDay::parse(s.trim()).map_err(|_| Error::invalid_field(field, "日期格式应为 YYYY-MM-DD"))
}

// ---- items and packages ----

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct ApplicabilityIo {
    /// 男 | 女 | M | F, or empty for both.
    sex: Option<String>,
    min_age: Option<u32>,
    max_age: Option<u32>,
    /// any | married | unmarried (不限 | 已婚 | 未婚).
    marital: Option<String>,
}

impl ApplicabilityIo {
    fn parse(&self, fields: &mut Vec<FieldError>) -> Applicability {
        let sex = match self.sex.as_deref().map(str::trim).unwrap_or("") {
            "" => None,
            "男" => Some(Sex::Male),
            "女" => Some(Sex::Female),
            s => Sex::from_code(s).or_else(|| {
                fields.push(FieldError::new("sex", "性别限制应为 男、女 或留空"));
                None
            }),
        };
        let marital = Marital::from_code(self.marital.as_deref().unwrap_or("")).unwrap_or_else(|| {
            fields.push(FieldError::new("marital", "婚姻限制应为 any、married 或 unmarried"));
            Marital::Any
        });
        Applicability { sex, min_age: self.min_age, max_age: self.max_age, marital }
    }

    fn of(a: &Applicability) -> ApplicabilityIo {
        ApplicabilityIo {
            sex: a.sex.map(|s| s.label_zh().to_string()),
            min_age: a.min_age,
            max_age: a.max_age,
            marital: Some(a.marital.code().to_string()),
        }
    }
}

fn money(yuan: &str, field: &str, fields: &mut Vec<FieldError>) -> Money {
    Money::parse(yuan.trim()).unwrap_or_else(|_| {
        fields.push(FieldError::new(field, "金额应为元，最多两位小数"));
        Money(0)
    })
}

#[derive(Deserialize, ToSchema)]
pub struct ItemIn {
    code: String,
    name: String,
    category: String,
    body_part: String,
    #[serde(default)]
    meaning: String,
    #[serde(default)]
    target_group: String,
    /// Yuan, e.g. "120.00".
    price: String,
    #[serde(default)]
    applicability: ApplicabilityIo,
    #[serde(default)]
    preparation: String,
    resource: Option<String>,
    active: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    code: String,
    name: String,
    category: String,
    body_part: String,
    meaning: String,
    target_group: String,
    price: String,
    applicability: ApplicabilityIo,
    preparation: String,
    resource: Option<String>,
    active: bool,
}

impl From<&Item> for ItemOut {
    fn from(i: &Item) -> Self {
        ItemOut {
            code: i.code.clone(),
            name: i.name.clone(),
            category: i.category.clone(),
            body_part: i.body_part.clone(),
            meaning: i.meaning.clone(),
            target_group: i.target_group.clone(),
            price: i.price.to_yuan_string(),
            applicability: ApplicabilityIo::of(&i.applicability),
            preparation: i.preparation.clone(),
            resource: i.resource.clone(),
            active: i.active,
        }
    }
}

async fn list_items(api: Api) -> ApiResult<Json<Vec<ItemOut>>> {
    let cat = catalogue::catalogue(api.access()).await?;
    Ok(Json(cat.items.values().map(ItemOut::from).collect()))
}

async fn save_item(api: Api, Json(i): Json<ItemIn>) -> ApiResult<Json<ItemOut>> {
    let mut fields = Vec::new();
    let item = Item {
        code: i.code.trim().to_string(),
        name: i.name.trim().to_string(),
        category: i.category.trim().to_string(),
        body_part: i.body_part.trim().to_string(),
        meaning: i.meaning,
        target_group: i.target_group,
        price: money(&i.price, "price", &mut fields),
        applicability: i.applicability.parse(&mut fields),
        preparation: i.preparation,
        resource: i.resource.map(|r| r.trim().to_string()).filter(|r| !r.is_empty()),
        active: i.active.unwrap_or(true),
    };
    if !fields.is_empty() {
        return Err(Error::invalid(fields).into());
    }
    catalogue::save_item(api.access(), &item).await?;
    Ok(Json(ItemOut::from(&item)))
}

#[derive(Deserialize, ToSchema)]
pub struct PackageIn {
    code: String,
    name: String,
    #[serde(default)]
    target_group: String,
    #[serde(default)]
    description: String,
    price: String,
    #[serde(default)]
    applicability: ApplicabilityIo,
    items: Vec<String>,
    #[serde(default)]
    special_pool: bool,
    active: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct PackageOut {
    code: String,
    name: String,
    target_group: String,
    description: String,
    price: String,
    /// Sum of the items' list prices.
    list_price: String,
    applicability: ApplicabilityIo,
    items: Vec<String>,
    special_pool: bool,
    active: bool,
}

fn package_out(p: &Package, list: Money) -> PackageOut {
    PackageOut {
        code: p.code.clone(),
        name: p.name.clone(),
        target_group: p.target_group.clone(),
        description: p.description.clone(),
        price: p.price.to_yuan_string(),
        list_price: list.to_yuan_string(),
        applicability: ApplicabilityIo::of(&p.applicability),
        items: p.items.clone(),
        special_pool: p.special_pool,
        active: p.active,
    }
}

async fn list_packages(api: Api) -> ApiResult<Json<Vec<PackageOut>>> {
    let cat = catalogue::catalogue(api.access()).await?;
    let list = |p: &Package| p.items.iter().filter_map(|c| cat.items.get(c)).map(|i| i.price).sum();
    Ok(Json(cat.packages.values().map(|p| package_out(p, list(p))).collect()))
}

async fn save_package(api: Api, Json(p): Json<PackageIn>) -> ApiResult<Json<PackageOut>> {
    let mut fields = Vec::new();
    let package = Package {
        code: p.code.trim().to_string(),
        name: p.name.trim().to_string(),
        target_group: p.target_group,
        description: p.description,
        price: money(&p.price, "price", &mut fields),
        applicability: p.applicability.parse(&mut fields),
        items: p.items.iter().map(|s| s.trim().to_string()).collect(),
        special_pool: p.special_pool,
        active: p.active.unwrap_or(true),
    };
    if !fields.is_empty() {
        return Err(Error::invalid(fields).into());
    }
    catalogue::save_package(api.access(), &package).await?;
    let cat = catalogue::catalogue(api.access()).await?;
    let list = package.items.iter().filter_map(|c| cat.items.get(c)).map(|i| i.price).sum();
    Ok(Json(package_out(&package, list)))
}

// ---- rules, audit, check ----

#[derive(Deserialize, ToSchema)]
pub struct RuleIn {
    /// exclusive | requires | required
    kind: String,
    item_a: String,
    item_b: Option<String>,
    #[serde(default)]
    note: String,
}

#[derive(Serialize, ToSchema)]
pub struct RuleOut {
    id: i64,
    kind: String,
    kind_label: String,
    item_a: String,
    item_b: Option<String>,
    note: String,
}

fn rule_out(id: i64, r: &Rule, note: String) -> RuleOut {
    let items = r.items();
    RuleOut {
        id,
        kind: r.kind_code().into(),
        kind_label: r.kind_label().into(),
        item_a: items[0].to_string(),
        item_b: items.get(1).map(|s| s.to_string()),
        note,
    }
}

async fn list_rules(api: Api) -> ApiResult<Json<Vec<RuleOut>>> {
    Ok(Json(catalogue::rules(api.access()).await?.into_iter().map(|(id, r, note)| rule_out(id, &r, note)).collect()))
}

async fn add_rule(api: Api, Json(r): Json<RuleIn>) -> ApiResult<(StatusCode, Json<RuleOut>)> {
    let Some(rule) = Rule::from_parts(&r.kind, &r.item_a, r.item_b.as_deref()) else {
        return Err(Error::invalid_field(
            "kind",
            "规则类型应为 exclusive（互斥）、requires（依赖，须填 item_b）或 required（必检，不填 item_b）",
        )
        .into());
    };
    let id = catalogue::add_rule(api.access(), &rule, &r.note).await?;
    Ok((StatusCode::CREATED, Json(rule_out(id, &rule, r.note.trim().to_string()))))
}

async fn delete_rule(api: Api, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    catalogue::delete_rule(api.access(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct FindingOut {
    kind: String,
    kind_label: String,
    package: Option<String>,
    items: Vec<String>,
    message: String,
}

impl From<Finding> for FindingOut {
    fn from(f: Finding) -> Self {
        FindingOut { kind: f.kind.into(), kind_label: f.kind_label().into(), package: f.package, items: f.items, message: f.message }
    }
}

async fn audit(api: Api) -> ApiResult<Json<Vec<FindingOut>>> {
    Ok(Json(catalogue::audit(api.access()).await?.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct CheckIn {
    package: String,
    #[serde(default)]
    add_items: Vec<String>,
    #[serde(default)]
    remove_items: Vec<String>,
    /// 男 | 女 (with `age`, optional: restrictions are checked only when given).
    sex: Option<String>,
    age: Option<u32>,
    married: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ViolationOut {
    code: String,
    items: Vec<String>,
    message: String,
}

impl From<Violation> for ViolationOut {
    fn from(v: Violation) -> Self {
        ViolationOut { code: v.code.into(), items: v.items, message: v.message }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CheckOut {
    valid: bool,
    violations: Vec<ViolationOut>,
    total: Option<String>,
    items: Vec<PricedItemOut>,
}

#[derive(Serialize, ToSchema)]
pub struct PricedItemOut {
    code: String,
    price: String,
    added: bool,
}

async fn check(api: Api, Json(c): Json<CheckIn>) -> ApiResult<Json<CheckOut>> {
    let person = match (c.sex.as_deref(), c.age) {
        (Some(s), Some(age)) => {
            let sex = match s.trim() {
                "男" => Sex::Male,
                "女" => Sex::Female,
                other => Sex::from_code(other).ok_or_else(|| Error::invalid_field("sex", "性别应为 男 或 女"))?,
            };
            Some(crate::catalogue::model::Profile { sex, age, married: c.married })
        }
        _ => None,
    };
    let selection = Selection { package: c.package.trim().to_string(), add: c.add_items, remove: c.remove_items };
    Ok(Json(match catalogue::check(api.access(), &selection, person.as_ref()).await? {
        Ok(p) => CheckOut {
            valid: true,
            violations: vec![],
            total: Some(p.total.to_yuan_string()),
            items: p
                .items
                .into_iter()
                .map(|(code, price, src)| PricedItemOut {
                    code,
                    price: price.to_yuan_string(),
                    added: src == crate::catalogue::model::Source::Added,
                })
                .collect(),
        },
        Err(v) => CheckOut { valid: false, violations: v.into_iter().map(Into::into).collect(), total: None, items: vec![] },
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ResourceIn {
    code: String,
    name: String,
}

async fn save_resource(api: Api, Json(r): Json<ResourceIn>) -> ApiResult<StatusCode> {
    catalogue::save_resource(api.access(), r.code.trim(), &r.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- capacity ----

#[derive(Deserialize, ToSchema)]
pub struct CapacityIn {
    #[serde(default)]
    individual: i64,
    #[serde(default)]
    vip: i64,
    /// Places per employer code.
    #[serde(default)]
    groups: BTreeMap<String, i64>,
    /// Places per special package code.
    #[serde(default)]
    specials: BTreeMap<String, i64>,
    /// Places per scarce-resource code.
    #[serde(default)]
    resources: BTreeMap<String, i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PoolOut {
    kind: String,
    kind_label: String,
    key: String,
    capacity: i64,
    used: i64,
    remaining: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DayOut {
    date: String,
    closed: Option<String>,
    pools: Vec<PoolOut>,
    vip_release_at: String,
    vip_released: bool,
}

impl From<DayView> for DayOut {
    fn from(d: DayView) -> Self {
        DayOut {
            date: d.day.to_string(),
            closed: d.closed,
            pools: d
                .pools
                .into_iter()
                .map(|p| PoolOut {
                    kind: p.key.kind.code().into(),
                    kind_label: p.key.kind.label_zh().into(),
                    remaining: p.remaining(),
                    key: p.key.key,
                    capacity: p.capacity,
                    used: p.used,
                })
                .collect(),
            vip_release_at: d.vip_release_at.format_minute(),
            vip_released: d.vip_released,
        }
    }
}

async fn get_capacity(api: Api, Path(date): Path<String>) -> ApiResult<Json<DayOut>> {
    let day = day_param(&date, "date")?;
    Ok(Json(capacity::day(api.access(), day).await?.into()))
}

async fn put_capacity(api: Api, Path(date): Path<String>, Json(c): Json<CapacityIn>) -> ApiResult<Json<DayOut>> {
    let day = day_param(&date, "date")?;
    let setting = DaySetting { individual: c.individual, vip: c.vip, groups: c.groups, specials: c.specials, resources: c.resources };
    Ok(Json(capacity::set_day(api.access(), day, &setting).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct ClosedIn {
    reason: String,
}

async fn close_day(api: Api, Path(date): Path<String>, Json(c): Json<ClosedIn>) -> ApiResult<StatusCode> {
    capacity::set_closed(api.access(), day_param(&date, "date")?, true, &c.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn open_day(api: Api, Path(date): Path<String>) -> ApiResult<StatusCode> {
    capacity::set_closed(api.access(), day_param(&date, "date")?, false, "").await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct AvailabilityQuery {
    from: String,
    to: String,
    package: String,
}

#[derive(Serialize, ToSchema)]
pub struct AvailabilityOut {
    date: String,
    closed: bool,
    remaining: i64,
}

async fn availability(api: Api, Query(q): Query<AvailabilityQuery>) -> ApiResult<Json<Vec<AvailabilityOut>>> {
    let (from, to) = (day_param(&q.from, "from")?, day_param(&q.to, "to")?);
    let days = capacity::availability(api.access(), from, to, q.package.trim()).await?;
    Ok(Json(days.into_iter().map(|a| AvailabilityOut { date: a.day.to_string(), closed: a.closed, remaining: a.remaining }).collect()))
}
