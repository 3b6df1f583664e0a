//! JSON API of the leaderboards.

use axum::extract::Query;
use hops_platform::web::Param;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Routes, Scope};
use hops_platform::{Access, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{self, Entry, RankKind, Settings, SettingsDraft};
use super::service;
use super::web::{month_and_kind, round};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .api(
            Method::Get,
            "/api/v1/rankings",
            ApiDoc::new("排行榜", "月度医生/科室排行榜")
                .describe(
                    "按本院当前规则实时计算。month 为 YYYY-MM（默认上个月），kind 为 doctor 或 department（默认 doctor）。\
                     问诊按下单时间（北京时间）计入月份。综合得分 = Σ 权重 × 标准化得分（0–100）；满意度为贝叶斯平均 \
                     (m × μ + 评分总和) ÷ (m + 评分条数)，μ 为本院本月平均评分；首次响应越短越好；完成问诊少于最低样本量者列入 unranked。",
                )
                .query_as("month", Param::Month, "YYYY-MM，默认上个月")
                .query_as("kind", Param::OneOf(&["doctor", "department"]), "doctor|department，默认 doctor")
                .returns::<RankingOut>(),
            api_ranking,
        )
        .api(
            Method::Get,
            "/api/v1/rankings/settings",
            ApiDoc::new("排行榜", "排行榜规则（权重、先验权重、最低样本量）").returns::<RankingSettingsOut>(),
            api_settings,
        )
        .api(
            Method::Put,
            "/api/v1/rankings/settings",
            ApiDoc::new("排行榜", "修改排行榜规则")
                .describe("需要医院管理员权限。四项权重须非负且之和为 1（允许误差 ±0.001）；prior_weight 为 0–1000 的整数；min_sample 为 1–100000 的整数。有误时不做任何修改并返回逐字段错误。")
                .body::<RankingSettingsIn>()
                .returns::<RankingSettingsOut>(),
            api_save_settings,
        )
}

// ---- API ----

#[derive(Serialize, Deserialize, ToSchema)]
pub struct WeightsIo {
    volume: f64,
    satisfaction: f64,
    reply: f64,
    revisit: f64,
}

fn weights_io(s: &Settings) -> WeightsIo {
    let w = &s.weights;
    WeightsIo { volume: w.volume, satisfaction: w.satisfaction, reply: w.reply, revisit: w.revisit }
}

#[derive(Serialize, ToSchema)]
pub struct RankingMethodOut {
    weights: WeightsIo,
    /// m of the Bayesian average.
    prior_weight: i64,
    /// Completed consultations needed to be ranked.
    min_sample: i64,
    /// μ: the hospital's mean rating in the month (null when nobody was rated).
    prior_mean: Option<f64>,
    /// Ratings behind μ.
    ratings: i64,
    /// The method in words (Chinese), as shown beside the ranking.
    text: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RankingScoresOut {
    volume: f64,
    satisfaction: f64,
    reply: f64,
    revisit: f64,
}

#[derive(Serialize, ToSchema)]
pub struct RankingEntryOut {
    /// 1-based, equal composites share a rank; null when unranked.
    rank: Option<usize>,
    code: String,
    name: String,
    /// The doctor's department (doctors only).
    department: Option<String>,
    /// The doctor's title (doctors only).
    title: Option<String>,
    /// Consultations created in the month.
    consultations: i64,
    /// Completed consultations (the volume indicator).
    completed: i64,
    ratings: i64,
    /// Plain mean rating.
    rating_mean: Option<f64>,
    /// Bayesian average rating (the satisfaction indicator).
    satisfaction: Option<f64>,
    /// Mean minutes from payment to first reply.
    first_reply_minutes: Option<f64>,
    /// Share of revisits, as a fraction.
    revisit_rate: Option<f64>,
    /// Normalised scores 0–100 (ranked only).
    scores: Option<RankingScoresOut>,
    /// Weighted sum of the scores, 0–100 (ranked only).
    composite: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct RankingOut {
    /// YYYY-MM.
    month: String,
    label: String,
    /// doctor or department.
    kind: String,
    method: RankingMethodOut,
    ranked: Vec<RankingEntryOut>,
    /// Below the minimum sample.
    unranked: Vec<RankingEntryOut>,
    /// When the month was published ("YYYY-MM-DD HH:MM", Beijing time); null if not published.
    published_at: Option<String>,
}

fn entry_out(e: &Entry, kind: RankKind) -> RankingEntryOut {
    let i = &e.indicators;
    let doctor = kind == RankKind::Doctor;
    RankingEntryOut {
        rank: e.rank,
        code: e.subject.code.clone(),
        name: e.subject.name.clone(),
        department: doctor.then(|| e.subject.department.clone()),
        title: doctor.then(|| e.subject.title.clone()),
        consultations: e.subject.sums.consultations,
        completed: i.volume,
        ratings: e.subject.sums.rated,
        rating_mean: i.rating_mean.map(|x| round(x, 4)),
        satisfaction: i.satisfaction.map(|x| round(x, 4)),
        first_reply_minutes: i.reply_minutes.map(|x| round(x, 2)),
        revisit_rate: i.revisit_rate.map(|x| round(x, 4)),
        scores: e.scores.map(|s| RankingScoresOut {
            volume: round(s.volume, 2),
            satisfaction: round(s.satisfaction, 2),
            reply: round(s.reply, 2),
            revisit: round(s.revisit, 2),
        }),
        composite: e.composite,
    }
}

#[derive(Deserialize)]
struct ApiRankQuery {
    month: Option<String>,
    kind: Option<String>,
}

async fn api_ranking(api: Api, Query(q): Query<ApiRankQuery>) -> ApiResult<Json<RankingOut>> {
    let access = api.access();
    let (month, kind) = month_and_kind(access, q.month.as_deref(), q.kind.as_deref())?;
    let r = service::ranking(access, month, kind).await?;
    let b = &r.board;
    Ok(Json(RankingOut {
        month: model::month_code(month),
        label: month.label_zh(),
        kind: kind.code().into(),
        method: RankingMethodOut {
            weights: weights_io(&b.settings),
            prior_weight: b.settings.prior_weight,
            min_sample: b.settings.min_sample,
            prior_mean: b.prior_mean.map(|x| round(x, 4)),
            ratings: b.ratings,
            text: model::method_text(b, kind),
        },
        ranked: b.ranked.iter().map(|e| entry_out(e, kind)).collect(),
        unranked: b.unranked.iter().map(|e| entry_out(e, kind)).collect(),
        published_at: r.published.map(|p| p.at.format_minute()),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RankingSettingsOut {
    weights: WeightsIo,
    prior_weight: i64,
    min_sample: i64,
    /// Null while the defaults apply.
    updated_at: Option<String>,
    updated_by: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct RankingSettingsIn {
    /// Non-negative, summing to 1 (± 0.001).
    weights: WeightsIo,
    /// m of the Bayesian average, 0–1000.
    prior_weight: i64,
    /// Completed consultations needed to be ranked, 1–100000.
    min_sample: i64,
}

async fn settings_out(access: &Access) -> Result<RankingSettingsOut> {
    let m = service::method(access).await?;
    let (updated_at, updated_by) = match m.updated {
        Some((at, by)) => (Some(at.format_minute()), Some(by)),
        None => (None, None),
    };
    Ok(RankingSettingsOut {
        weights: weights_io(&m.settings),
        prior_weight: m.settings.prior_weight,
        min_sample: m.settings.min_sample,
        updated_at,
        updated_by,
    })
}

async fn api_settings(api: Api) -> ApiResult<Json<RankingSettingsOut>> {
    Ok(Json(settings_out(api.access()).await?))
}

async fn api_save_settings(api: Api, Json(body): Json<RankingSettingsIn>) -> ApiResult<Json<RankingSettingsOut>> {
    let draft = SettingsDraft {
        weight_volume: body.weights.volume.to_string(),
        weight_satisfaction: body.weights.satisfaction.to_string(),
        weight_reply: body.weights.reply.to_string(),
        weight_revisit: body.weights.revisit.to_string(),
        prior_weight: body.prior_weight.to_string(),
        min_sample: body.min_sample.to_string(),
    };
    service::save_method(api.access(), &draft).await?;
    Ok(Json(settings_out(api.access()).await?))
}
