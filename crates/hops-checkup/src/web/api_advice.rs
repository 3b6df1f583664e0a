//! JSON API of the questionnaire and its add-on recommendations.

use std::collections::BTreeMap;

use hops_kernel::Sex;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Routes, Scope};
use hops_platform::{Error, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::advice::model::{AdviceRule, Question, QuestionKind, Questionnaire, Recommendation, Respondent};
use crate::advice::service::{self as advice, AdviceRequest};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .api(
            Method::Get,
            "/api/v1/checkup/questionnaire",
            ApiDoc::new("健康问卷", "健康问卷与加项推荐规则").returns::<QuestionnaireIo>(),
            get_questionnaire,
        )
        .api(
            Method::Put,
            "/api/v1/checkup/questionnaire",
            ApiDoc::new("健康问卷", "整体替换健康问卷与推荐规则")
                .describe(
                    "整体校验、全部或全不：问题编码重复、选项为空或重复、规则指向不存在的问题或选项、项目编码不存在、\
                     规则的适用人群与项目无交集等，返回 422 并列出每个字段的问题（如 rules[2].item），不做任何改变。",
                )
                .body::<QuestionnaireIo>()
                .returns::<QuestionnaireIo>()
                .error(422, "问卷有误，未做任何改变"),
            put_questionnaire,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/recommendations",
            ApiDoc::new("健康问卷", "按问卷答案推荐加项")
                .describe(
                    "answers 为 {问题编码: [所选选项]}。不推荐已在所选套餐（含加减项）中的项目、停用的项目，以及按性别、年龄、\
                     婚姻状况不适用的项目；性别未给出时取套餐的性别限制，年龄或婚姻状况未知时不推荐有相应限制的项目。\
                     同一项目由多个答案推荐时合并理由。未知问题或选项返回 422。",
                )
                .body::<RecommendIn>()
                .returns::<RecommendOut>(),
            recommend,
        )
}

#[derive(Deserialize, Serialize, ToSchema)]
#[schema(as = AdviceQuestionIo)]
pub struct QuestionIo {
    code: String,
    text: String,
    /// single | multi
    kind: String,
    options: Vec<String>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct AdviceRuleIo {
    /// Question code.
    question: String,
    /// One of the question's options.
    answer: String,
    /// Item code.
    item: String,
    reason: String,
    /// 男 | 女, or absent for both.
    #[serde(default)]
    sex: Option<String>,
    #[serde(default)]
    min_age: Option<u32>,
    #[serde(default)]
    max_age: Option<u32>,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct QuestionnaireIo {
    questions: Vec<QuestionIo>,
    #[serde(default)]
    rules: Vec<AdviceRuleIo>,
}

impl From<Questionnaire> for QuestionnaireIo {
    fn from(q: Questionnaire) -> Self {
        QuestionnaireIo {
            questions: q
                .questions
                .into_iter()
                .map(|q| QuestionIo { code: q.code, text: q.text, kind: q.kind.code().into(), options: q.options, active: q.active })
                .collect(),
            rules: q
                .rules
                .into_iter()
                .map(|r| AdviceRuleIo {
                    question: r.question,
                    answer: r.answer,
                    item: r.item,
                    reason: r.reason,
                    sex: r.sex.map(|s| s.label_zh().to_string()),
                    min_age: r.min_age,
                    max_age: r.max_age,
                })
                .collect(),
        }
    }
}

/// 男 / 女 (or M / F); empty is none.
pub(super) fn sex(s: Option<&str>, field: &str, fields: &mut Vec<FieldError>) -> Option<Sex> {
    match s.map(str::trim).unwrap_or("") {
        "" => None,
        "男" => Some(Sex::Male),
        "女" => Some(Sex::Female),
        other => Sex::from_code(other).or_else(|| {
            fields.push(FieldError::new(field, "性别应为 男 或 女"));
            None
        }),
    }
}

async fn get_questionnaire(api: Api) -> ApiResult<Json<QuestionnaireIo>> {
    Ok(Json(advice::questionnaire(api.access()).await?.into()))
}

async fn put_questionnaire(api: Api, Json(body): Json<QuestionnaireIo>) -> ApiResult<Json<QuestionnaireIo>> {
    let mut fields = Vec::new();
    let questions = body
        .questions
        .into_iter()
        .enumerate()
        .map(|(n, q)| Question {
            kind: QuestionKind::from_code(&q.kind).unwrap_or_else(|| {
                fields.push(FieldError::new(format!("questions[{n}].kind"), "题型应为 single（单选）或 multi（多选）"));
                QuestionKind::Multi
            }),
            code: q.code,
            text: q.text,
            options: q.options,
            active: q.active,
        })
        .collect();
    let rules = body
        .rules
        .into_iter()
        .enumerate()
        .map(|(n, r)| AdviceRule {
            sex: sex(r.sex.as_deref(), &format!("rules[{n}].sex"), &mut fields),
            question: r.question,
            answer: r.answer,
            item: r.item,
            reason: r.reason,
            min_age: r.min_age,
            max_age: r.max_age,
        })
        .collect();
    if !fields.is_empty() {
        return Err(Error::invalid(fields).into());
    }
    Ok(Json(advice::save(api.access(), Questionnaire { questions, rules }).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct RecommendIn {
    package: String,
    #[serde(default)]
    add_items: Vec<String>,
    #[serde(default)]
    remove_items: Vec<String>,
    /// Chosen options by question code.
    #[serde(default)]
    answers: BTreeMap<String, Vec<String>>,
    /// 男 | 女
    sex: Option<String>,
    age: Option<u32>,
    married: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct RecommendationOut {
    item_code: String,
    item_name: String,
    /// Yuan.
    price: String,
    reasons: Vec<String>,
    /// Items it depends on that are not chosen yet (added with it).
    requires: Vec<String>,
    /// Chosen items it excludes (replaced by it).
    replaces: Vec<String>,
}

impl From<Recommendation> for RecommendationOut {
    fn from(r: Recommendation) -> Self {
        RecommendationOut {
            item_code: r.item_code,
            item_name: r.item_name,
            price: r.price.to_yuan_string(),
            reasons: r.reasons,
            requires: r.requires,
            replaces: r.replaces,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecommendOut {
    recommendations: Vec<RecommendationOut>,
}

async fn recommend(api: Api, Json(r): Json<RecommendIn>) -> ApiResult<Json<RecommendOut>> {
    let mut fields = Vec::new();
    let sex = sex(r.sex.as_deref(), "sex", &mut fields);
    if r.age.is_some_and(|a| a > 150) {
        fields.push(FieldError::new("age", "年龄应在 0–150 岁之间"));
    }
    if !fields.is_empty() {
        return Err(Error::invalid(fields).into());
    }
    let request = AdviceRequest {
        package: r.package,
        add: r.add_items.iter().map(|s| s.trim().to_string()).collect(),
        remove: r.remove_items.iter().map(|s| s.trim().to_string()).collect(),
        answers: r.answers,
        person: Respondent { sex, age: r.age, married: r.married },
    };
    let list = advice::recommend(api.access(), &request).await?;
    Ok(Json(RecommendOut { recommendations: list.into_iter().map(Into::into).collect() }))
}
