//! Use cases of the FAQ bot: answer a patient's question from the hospital's published articles
//! (only when confident), send medical questions to a doctor, hand the conversation to a person
//! as a ticket, pass later messages to that ticket and its public replies back; the console's
//! conversations, unanswered questions grouped for editors, and the daily self-service share.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use hops_kernel::{Instant, LocalDay, Phone};
use hops_platform::crypto::{random_token, sha256_hex};
use hops_platform::web::Paging;
use hops_platform::{Access, Error, Permission, Result};

use super::matcher::{Entry, Hit, Index};
use super::store::{self, SessionRow, TurnRow};
use super::text::Analyzer;
use crate::kb::store as kb;
use crate::setup::service as setup;
use crate::ticket::model::{Channel, Priority, RequesterKind, TicketDraft};
use crate::ticket::service::{self as tickets, Origin};
use crate::ticket::store as ticket_store;

pub const QUESTION_MAX: usize = 500;

hops_kernel::coded! {
    /// What the bot did with a question.
    pub Outcome {
        /// Answered from an article.
        Answered = "answered", "已解答";
        /// Not sure: says so, offers close articles and a person.
        Unsure = "unsure", "未能解答";
        /// Needs a doctor: routed to an online consultation, never answered.
        Doctor = "doctor", "转医生问诊";
        /// The conversation is with a person now (handed over).
        Person = "person", "人工处理";
    }
}

/// The bot's reply to one question.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The conversation's token (new on the first question).
    pub session: String,
    pub outcome: Outcome,
    pub best: Option<Hit>,
    /// The answer of `best` when answered.
    pub answer: Option<String>,
    pub alternatives: Vec<Hit>,
    /// What the bot says besides an answer (not sure, see a doctor, handed over).
    pub message: String,
    /// The ticket number once handed over to a person.
    pub ticket: Option<String>,
}

const INDEX_KEY: &str = "desk.bot.index";

/// The hospital's index of published articles, rebuilt when any article changed.
pub async fn index(access: &Access) -> Result<Arc<Index>> {
    let mut c = access.tenant().read().await?;
    let (count, latest, versions) = kb::generation(&mut c).await?;
    let generation = (count as u64).wrapping_mul(1_000_003) ^ (latest as u64) ^ (versions as u64).rotate_left(17);
    if let Some(i) = access.core().shelf.get::<Index>(access.hospital(), INDEX_KEY, generation) {
        return Ok(i);
    }
    let articles = kb::all(&mut c, true).await?;
    drop(c);
    let entries = articles.into_iter().map(|a| Entry { article_id: a.id, question: a.question, variants: a.variants }).collect();
    let built = Arc::new(tokio::task::spawn_blocking(move || Index::build(entries)).await.map_err(|e| Error::Internal(e.into()))?);
    access.core().shelf.put(access.hospital(), INDEX_KEY, generation, built.clone());
    Ok(built)
}

fn token_hash(token: &str) -> String {
    sha256_hex(&format!("desk.bot:{token}"))
}

/// The session of `token`, or a new one.
async fn session(access: &Access, token: Option<&str>, channel: &str) -> Result<(SessionRow, String)> {
    if let Some(t) = token.map(str::trim).filter(|t| !t.is_empty()) {
        let mut c = access.tenant().read().await?;
        if let Some(s) = store::session_by_token(&mut c, &token_hash(t)).await? {
            return Ok((s, t.to_string()));
        }
        // An unknown or foreign token starts a new conversation rather than failing the patient.
    }
    let token = random_token(24);
    let now = access.now();
    let mut tx = access.tenant().write().await?;
    let id = tx.next_id(access.engine()).await?;
    store::insert_session(&mut tx, id, &token_hash(&token), channel, now).await?;
    tx.commit().await?;
    Ok((
        SessionRow { id, channel: channel.into(), started_at: now, last_at: now, questions: 0, answered: 0, handed_over_ticket: None },
        token,
    ))
}

/// Phrases with which patients ask for a person.
fn wants_person(normalized: &str) -> bool {
    const ASKS: [&str; 9] = ["转人工", "人工客服", "人工服务", "找人工", "真人", "找客服", "客服在吗", "人工", "接人工"];
    let t: String = normalized.chars().filter(|c| !c.is_whitespace()).collect();
    ASKS.iter().any(|a| t.contains(a)) && t.chars().count() <= 12
}

const DOCTOR_MESSAGE: &str = "您的问题涉及病情判断或用药，需要由医生根据您的具体情况解答。请在首页点击“在线问诊”，选择对应科室的医生咨询；如症状严重或紧急，请立即前往医院急诊或拨打 120。";
const UNSURE_MESSAGE: &str =
    "抱歉，我还不能确定您想问的是什么。您可以换个说法再问，或看看下面这些问题；也可以点击“转人工”，由客服为您解答。";

/// Answers a question of a conversation (`token` None starts one).
pub async fn ask(access: &Access, token: Option<&str>, channel: &str, question: &str) -> Result<Reply> {
    access.require(Permission::BotAsk)?;
    let q = question.trim();
    if q.is_empty() {
        return Err(Error::invalid_field("question", "请输入您的问题"));
    }
    if q.chars().count() > QUESTION_MAX {
        return Err(Error::invalid_field("question", format!("问题不能超过 {QUESTION_MAX} 个字")));
    }
    let (s, token) = session(access, token, channel).await?;
    let analyzer = Analyzer::shared();
    let now = access.now();
    let mut reply = Reply {
        session: token,
        outcome: Outcome::Unsure,
        best: None,
        answer: None,
        alternatives: Vec::new(),
        message: String::new(),
        ticket: None,
    };
    if let Some(ticket) = s.handed_over_ticket {
        // Already with a person: the message goes to the ticket.
        let t = tickets::customer_message(access, ticket, q).await?;
        reply.outcome = Outcome::Person;
        reply.message = format!("已转给人工客服（工单 {}），您的留言已送达，请稍候。", t.number);
        reply.ticket = Some(t.number);
    } else if wants_person(&analyzer.normalize(q)) {
        reply.outcome = Outcome::Person;
        reply.message = "好的，为您转接人工客服。请留下称呼和手机号（选填），客服会尽快回复您。".into();
    } else if super::needs_doctor(analyzer, q) {
        reply.outcome = Outcome::Doctor;
        reply.message = DOCTOR_MESSAGE.into();
    } else {
        let idx = index(access).await?;
        let q2 = q.to_string();
        let a = tokio::task::spawn_blocking(move || idx.ask(&q2)).await.map_err(|e| Error::Internal(e.into()))?;
        reply.alternatives = a.alternatives;
        if a.answered
            && let Some(best) = a.best
        {
            let mut c = access.tenant().read().await?;
            reply.answer = kb::get(&mut c, best.article_id).await?.map(|art| art.answer);
            reply.outcome = Outcome::Answered;
            reply.best = Some(best);
        } else {
            if let Some(b) = a.best {
                reply.alternatives.insert(0, b);
            }
            reply.alternatives.truncate(3);
            reply.message = UNSURE_MESSAGE.into();
        }
    }
    let mut tx = access.tenant().write().await?;
    let turn = TurnRow {
        session_id: s.id,
        seq: s.questions + 1,
        at: now,
        question: q.to_string(),
        outcome: reply.outcome.code().into(),
        article_id: reply.best.as_ref().map(|b| b.article_id),
        confidence: reply.best.as_ref().map(|b| b.confidence).or_else(|| reply.alternatives.first().map(|b| b.confidence)),
    };
    store::add_turn(&mut tx, &turn).await?;
    tx.commit().await?;
    Ok(reply)
}

/// Hands the conversation to a person: a ticket in the service team's queue with the whole
/// conversation, the patient's name and phone if given — a signed-in patient's proven phone,
/// whatever was typed. Asking again returns the same ticket.
pub async fn handover(access: &Access, token: &str, name: &str, phone: &str) -> Result<ticket_store::TicketRow> {
    access.require(Permission::BotAsk)?;
    let mut c = access.tenant().read().await?;
    let s = store::session_by_token(&mut c, &token_hash(token.trim())).await?.ok_or_else(|| Error::not_found("会话"))?;
    if let Some(t) = s.handed_over_ticket {
        return ticket_store::get(&mut c, t).await?.ok_or_else(|| Error::not_found("工单"));
    }
    let turns = store::turns(&mut c, s.id).await?;
    drop(c);
    let mut errs = Vec::new();
    let name = name.trim();
    if name.chars().count() > 50 {
        errs.push(hops_platform::FieldError::new("name", "称呼不能超过 50 个字"));
    }
    // A signed-in patient's ticket carries the phone they proved, not one typed.
    let proven = access.actor().proven_phone().copied();
    let phone = match phone.trim() {
        _ if proven.is_some() => proven,
        "" => None,
        p => Phone::parse(p).map(Some).unwrap_or_else(|e| {
            errs.push(hops_platform::FieldError::new("phone", e.to_string()));
            None
        }),
    };
    if !errs.is_empty() {
        return Err(Error::invalid(errs));
    }
    let settings = setup::load(access).await?;
    let active = settings.active_category_codes();
    let category = ["consult"].into_iter().map(str::to_string).find(|c| active.contains(c)).or_else(|| active.first().cloned());
    let Some(category) = category else {
        return Err(Error::conflict("no_category", "医院尚未配置工单分类，暂时无法转人工"));
    };
    let last = turns.iter().rev().find(|t| t.outcome != Outcome::Person.code()).or(turns.last());
    let subject: String = last
        .map_or("患者请求人工客服".to_string(), |t| format!("智能客服转人工：{}", t.question.chars().take(60).collect::<String>()));
    let transcript = turns
        .iter()
        .map(|t| format!("{} 患者：{}（{}）", t.at.format_minute(), t.question, Outcome::parse(&t.outcome).map_or("", Outcome::label_zh)))
        .collect::<Vec<_>>()
        .join("\n");
    let draft = TicketDraft {
        channel: Channel::Bot,
        category,
        priority: Priority::Normal,
        subject,
        description: format!(
            "{}智能客服会话记录：\n{transcript}",
            if proven.is_some() { "患者已登录，手机号已通过短信验证。\n" } else { "" }
        ),
        requester_kind: RequesterKind::Patient,
        requester_name: name.to_string(),
        requester_phone: phone,
        tags: vec!["转人工".to_string()],
    };
    let t = tickets::open_checked(access, &settings, &draft, Origin::default()).await?;
    let mut tx = access.tenant().write().await?;
    store::set_handed_over(&mut tx, s.id, t.id).await?;
    tx.commit().await?;
    Ok(t)
}

/// Self-service figures of one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayShare {
    pub day: LocalDay,
    pub conversations: i64,
    /// At least one answer and no hand-over.
    pub resolved: i64,
    pub handed_over: i64,
}

impl DayShare {
    /// Resolved without a person, in percent (None without conversations).
    pub fn percent(&self) -> Option<f64> {
        (self.conversations > 0).then(|| self.resolved as f64 * 100.0 / self.conversations as f64)
    }
}

/// Conversations per day in `from ..= to` and how many the bot resolved alone.
pub async fn daily(access: &Access, from: LocalDay, to: LocalDay) -> Result<Vec<DayShare>> {
    access.require(Permission::DeskWork)?;
    let mut c = access.tenant().read().await?;
    let rows = store::outcomes(&mut c, from.start(), to.plus_days(1).start()).await?;
    let mut days: BTreeMap<LocalDay, DayShare> = BTreeMap::new();
    let mut d = from;
    while d <= to {
        days.insert(d, DayShare { day: d, conversations: 0, resolved: 0, handed_over: 0 });
        d = d.plus_days(1);
    }
    for (at, answered, handed) in rows {
        if let Some(s) = days.get_mut(&at.local_day()) {
            s.conversations += 1;
            if handed {
                s.handed_over += 1;
            } else if answered > 0 {
                s.resolved += 1;
            }
        }
    }
    Ok(days.into_values().collect())
}

/// Questions the bot could not answer, grouped by the words they share (most asked first).
#[derive(Clone, Debug)]
pub struct Group {
    pub sample: String,
    pub questions: Vec<String>,
    pub count: usize,
    pub last_at: Instant,
}

/// Unanswered questions of the last `days` days in groups of similar questions: two questions
/// are in one group when at least half of the smaller one's terms are shared (greedy, in order
/// of time, against each group's first question).
pub async fn unanswered(access: &Access, days: i32) -> Result<Vec<Group>> {
    access.require(Permission::KbEdit)?;
    let from = access.now().local_day().plus_days(-days).start();
    let mut c = access.tenant().read().await?;
    let turns = store::unanswered(&mut c, from, 2000).await?;
    drop(c);
    let analyzer = Analyzer::shared();
    let mut groups: Vec<(HashSet<String>, Group)> = Vec::new();
    for t in turns {
        let terms: HashSet<String> = analyzer.analyze(&t.question).terms.into_iter().collect();
        let found = groups.iter_mut().find(|(g, _)| {
            let shared = g.intersection(&terms).count();
            let smaller = g.len().min(terms.len());
            smaller > 0 && shared * 2 >= smaller
        });
        match found {
            Some((_, g)) => {
                g.count += 1;
                if g.questions.len() < 5 && !g.questions.contains(&t.question) {
                    g.questions.push(t.question);
                }
            }
            None => groups.push((terms, Group { sample: t.question.clone(), questions: vec![t.question], count: 1, last_at: t.at })),
        }
    }
    let mut out: Vec<Group> = groups.into_iter().map(|(_, g)| g).collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_at.cmp(&a.last_at)));
    Ok(out)
}

/// A page of conversations since `from`, newest first.
pub async fn conversations(access: &Access, from: Instant, paging: Paging) -> Result<(Vec<SessionRow>, i64)> {
    access.require(Permission::DeskWork)?;
    let mut c = access.tenant().read().await?;
    Ok(store::sessions(&mut c, from, paging.offset(), paging.per_page).await?)
}

/// One question of a conversation with what answered it.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub turn: TurnRow,
    pub outcome: Outcome,
    /// The article that answered (answered questions only).
    pub article: Option<crate::kb::store::ArticleRow>,
}

/// A patient's conversation as their chat page shows it.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    pub exchanges: Vec<Exchange>,
    /// The ticket's number once handed over to a person.
    pub ticket: Option<String>,
    /// The agents' public replies on that ticket.
    pub replies: Vec<(Instant, String)>,
}

/// The patient's own conversation (by its token); empty when there is none.
pub async fn transcript(access: &Access, token: &str) -> Result<Transcript> {
    let Some((session, turns)) = conversation_of(access, token).await? else { return Ok(Transcript::default()) };
    let mut c = access.tenant().read().await?;
    let mut out = Transcript::default();
    for turn in turns {
        let outcome = Outcome::parse(&turn.outcome).unwrap_or(Outcome::Unsure);
        let article = match (outcome, turn.article_id) {
            (Outcome::Answered, Some(a)) => kb::get(&mut c, a).await?,
            _ => None,
        };
        out.exchanges.push(Exchange { turn, outcome, article });
    }
    if let Some(ticket) = session.handed_over_ticket {
        out.ticket = ticket_store::get(&mut c, ticket).await?.map(|t| t.number);
        out.replies =
            ticket_store::events(&mut c, ticket).await?.into_iter().filter(|e| e.kind == "reply").map(|e| (e.at, e.body)).collect();
    }
    Ok(out)
}

/// The patient's own conversation (by its token), if it exists.
pub async fn conversation_of(access: &Access, token: &str) -> Result<Option<(SessionRow, Vec<TurnRow>)>> {
    let mut c = access.tenant().read().await?;
    let Some(s) = store::session_by_token(&mut c, &token_hash(token.trim())).await? else { return Ok(None) };
    let turns = store::turns(&mut c, s.id).await?;
    Ok(Some((s, turns)))
}

/// One conversation with its questions.
pub async fn conversation(access: &Access, id: i64) -> Result<(SessionRow, Vec<TurnRow>)> {
    access.require(Permission::DeskWork)?;
    let mut c = access.tenant().read().await?;
    let s = store::get_session(&mut c, id).await?.ok_or_else(|| Error::not_found("会话"))?;
    let turns = store::turns(&mut c, id).await?;
    Ok((s, turns))
}
