//! The FAQ bot: `POST /api/v1/bot/ask` for integrators (bearer token; the hospital is the
//! token's), the same answer for the patients' chat page at `/p/{hospital}/bot` (server-rendered,
//! works without JavaScript; the conversation is bound to its own HttpOnly cookie, signed in or
//! not), and the hand-over to a person: a patient signed in through the platform's patient login
//! hands over with the phone they proved; others may type one.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hops_platform::patient::{PatientVisit, Site};
use hops_platform::throttle::{ClientKey, Rate};
use hops_platform::web::{Api, ApiDoc, ApiResult, AppState, Form, Json, Method, Routes, Scope};
use hops_platform::{Access, Core, Error};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::bot::matcher::Hit;
use crate::bot::service::{self as bot, Outcome, Reply};
use crate::kb::model::answer_html;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .api(
            Method::Post,
            "/api/v1/bot/ask",
            ApiDoc::new("智能客服", "向智能客服提问")
                .describe(
                    "从本院已发布的知识库中回答患者的问题；只有把握足够（confidence ≥ 0.5）时 answered 为 true 并给出答案，\
                     否则说明不确定并给出最接近的问题（alternatives），可转人工。涉及病情、用药的问题不作回答，引导在线问诊（outcome=doctor）。\
                     session 为会话令牌：首次提问不填，之后带上返回的 session。",
                )
                .body::<AskIn>()
                .returns::<AskOut>(),
            ask_api,
        )
        .scope(Scope::Visitor)
        .public(Method::Get, "/p/{hospital_code}/bot", "智能客服（患者端）", chat_page)
        .public(Method::Post, "/p/{hospital_code}/bot", "智能客服（患者端）：提问", chat_ask)
        .public(Method::Post, "/p/{hospital_code}/bot/handover", "智能客服（患者端）：转人工", chat_handover)
}

#[derive(Deserialize, ToSchema)]
pub struct AskIn {
    question: String,
    #[serde(default)]
    session: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AltOut {
    article_id: i64,
    matched_question: String,
    confidence: f64,
}

impl From<Hit> for AltOut {
    fn from(h: Hit) -> Self {
        AltOut { article_id: h.article_id, matched_question: h.matched_question, confidence: (h.confidence * 1000.0).round() / 1000.0 }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AskOut {
    answered: bool,
    article_id: Option<i64>,
    matched_question: Option<String>,
    /// The article's answer (plain text with light markup).
    answer: Option<String>,
    confidence: Option<f64>,
    alternatives: Vec<AltOut>,
    /// answered | unsure | doctor | person
    outcome: String,
    /// What the bot says when it does not answer.
    message: String,
    session: String,
    /// The ticket number once handed over to a person.
    ticket: Option<String>,
}

fn ask_out(r: Reply) -> AskOut {
    AskOut {
        answered: r.outcome == Outcome::Answered,
        article_id: r.best.as_ref().map(|b| b.article_id),
        matched_question: r.best.as_ref().map(|b| b.matched_question.clone()),
        confidence: r.best.as_ref().map(|b| (b.confidence * 1000.0).round() / 1000.0),
        answer: r.answer,
        alternatives: r.alternatives.into_iter().map(Into::into).collect(),
        outcome: r.outcome.code().into(),
        message: r.message,
        session: r.session,
        ticket: r.ticket,
    }
}

async fn ask_api(api: Api, Json(b): Json<AskIn>) -> ApiResult<Json<AskOut>> {
    Ok(Json(ask_out(bot::ask(api.access(), b.session.as_deref(), "api", &b.question).await?)))
}

/// The chat's site and who asks: the signed-in patient (their phone), else an anonymous visitor.
struct Chat {
    site: Site,
    access: Access,
    phone: Option<String>,
}

impl Chat {
    fn of(v: PatientVisit) -> Chat {
        match v.signed {
            Some(p) => Chat { access: p.access().clone(), phone: Some(p.signed.phone.masked()), site: v.site },
            None => Chat { access: v.site.access.clone(), phone: None, site: v.site },
        }
    }

    fn code(&self) -> &str {
        &self.site.code
    }
}

const COOKIE: &str = "hops_bot";

/// Questions on the public chat page: a person types far slower; a script is refused.
const ASK_RATE: Rate = Rate { name: "desk.bot.ask", per_hour: 600, burst: 10, hospital_per_hour: 36_000, message: "您提问太频繁了" };
/// Hand-overs create tickets agents must read: a few per caller and hour.
const HANDOVER_RATE: Rate =
    Rate { name: "desk.bot.handover", per_hour: 6, burst: 3, hospital_per_hour: 600, message: "转人工请求太频繁" };

fn cookie(headers: &HeaderMap) -> Option<String> {
    hops_platform::web::cookie(headers, COOKIE).map(str::to_string)
}

/// One exchange as shown on the chat page.
pub struct Line {
    pub question: String,
    pub outcome: Outcome,
    /// Safe HTML of the answer (answered), else empty.
    pub answer_html: String,
    pub matched: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "desk_h5_bot.html")]
struct ChatPage {
    hospital: String,
    base: String,
    lines: Vec<Line>,
    alternatives: Vec<Hit>,
    handed_over: Option<String>,
    replies: Vec<(String, String)>,
    offer_person: bool,
    /// The signed-in patient's phone (masked): the hand-over carries it.
    phone: Option<String>,
    /// Where to sign in and come back here.
    sign_in: String,
    error: String,
}

type R = Result<Response, Response>;

fn message_of(o: Outcome) -> &'static str {
    match o {
        Outcome::Unsure => "抱歉，我还不能确定您想问的是什么。您可以换个说法再问，或点击“转人工”。",
        Outcome::Doctor => "您的问题涉及病情判断或用药，请在首页点击“在线问诊”咨询医生；如症状严重或紧急，请立即就医或拨打 120。",
        Outcome::Person => "已为您转接人工客服。",
        Outcome::Answered => "",
    }
}

async fn render(chat: &Chat, token: Option<&str>, last: Option<Reply>, error: String) -> R {
    let fail = |e| chat.site.fail(e);
    let t = match token {
        Some(t) => bot::transcript(&chat.access, t).await.map_err(fail)?,
        None => bot::Transcript::default(),
    };
    let lines: Vec<Line> = t
        .exchanges
        .into_iter()
        .map(|x| Line {
            question: x.turn.question,
            outcome: x.outcome,
            answer_html: x.article.as_ref().map(|a| answer_html(&a.answer)).unwrap_or_default(),
            matched: x.article.map(|a| a.question).unwrap_or_default(),
            message: message_of(x.outcome).to_string(),
        })
        .collect();
    let handed_over = t.ticket;
    let replies: Vec<(String, String)> = t.replies.into_iter().map(|(at, body)| (at.format_minute(), body)).collect();
    let offer_person = handed_over.is_none() && !lines.is_empty();
    let base = format!("{}/bot", chat.site.home());
    let page = ChatPage {
        hospital: chat.site.name.clone(),
        sign_in: chat.site.sign_in_path(&base),
        phone: chat.phone.clone(),
        base,
        alternatives: last.map(|r| r.alternatives).unwrap_or_default(),
        lines,
        handed_over,
        replies,
        offer_person,
        error,
    };
    chat.site.render(page)
}

async fn chat_page(v: PatientVisit, headers: HeaderMap) -> R {
    render(&Chat::of(v), cookie(&headers).as_deref(), None, String::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AskForm {
    question: String,
}

fn with_cookie(core: &Core, mut resp: Response, code: &str, token: &str) -> Response {
    let c = hops_platform::web::set_cookie(core, COOKIE, token, &format!("/p/{code}/bot"), Some(86400));
    if let Ok(v) = c.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The chat page again with `e`'s message above the form, answering `e`'s status.
async fn refused(chat: &Chat, token: Option<&str>, e: Error) -> R {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let msg = match e.fields() {
        [] => e.public_message(),
        fields => fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；"),
    };
    let resp = render(chat, token, None, msg).await?;
    Ok((status, resp).into_response())
}

async fn chat_ask(
    State(state): State<AppState>,
    v: PatientVisit,
    ClientKey(caller): ClientKey,
    headers: HeaderMap,
    Form(f): Form<AskForm>,
) -> R {
    let chat = Chat::of(v);
    let token = cookie(&headers);
    if let Err(e) = state.core().throttle.check(&ASK_RATE, chat.access.hospital().0, &caller) {
        return refused(&chat, token.as_deref(), e).await;
    }
    match bot::ask(&chat.access, token.as_deref(), "h5", &f.question).await {
        Ok(reply) => {
            let t = reply.session.clone();
            let resp = render(&chat, Some(&t), Some(reply), String::new()).await?;
            Ok(with_cookie(state.core(), resp, chat.code(), &t))
        }
        Err(e @ Error::Client { status: 422, .. }) => refused(&chat, token.as_deref(), e).await,
        Err(e) => Err(chat.site.fail(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HandoverForm {
    name: String,
    phone: String,
}

async fn chat_handover(
    State(state): State<AppState>,
    v: PatientVisit,
    ClientKey(caller): ClientKey,
    headers: HeaderMap,
    Form(f): Form<HandoverForm>,
) -> R {
    let chat = Chat::of(v);
    let Some(token) = cookie(&headers) else {
        return render(&chat, None, None, "会话已过期，请先描述您的问题".into()).await;
    };
    if let Err(e) = state.core().throttle.check(&HANDOVER_RATE, chat.access.hospital().0, &caller) {
        return refused(&chat, Some(&token), e).await;
    }
    match bot::handover(&chat.access, &token, &f.name, &f.phone).await {
        Ok(_) => Ok(Redirect::to(&format!("{}/bot", chat.site.home())).into_response()),
        Err(e @ Error::Client { status: 422, .. }) => refused(&chat, Some(&token), e).await,
        Err(e) => Err(chat.site.fail(e)),
    }
}
