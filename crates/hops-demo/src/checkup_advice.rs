//! The demo hospital's health questionnaire (健康问卷) with its add-on recommendations, as a
//! 健康管理中心 would ask before a checkup: smoking, drinking, family history of digestive
//! tumours and of chronic disease, work habits, symptoms, weight, breast and cervical
//! screening. Every rule names an item of the demo catalogue with the reason shown to the
//! person. Also a few invoice requests (发票申请) of paid bookings, some issued.

use anyhow::Context;
use hops_checkup::advice::model::{AdviceRule, Question, QuestionKind, Questionnaire};
use hops_checkup::booking::model::Status;
use hops_checkup::invoice::model::{InvoiceDraft, TitleKind, credit_check_char};
use hops_kernel::Sex;
use hops_platform::Access;
use hops_platform::web::Paging;

/// Questions: code, text, kind, options.
#[rustfmt::skip]
const QUESTIONS: &[(&str, &str, QuestionKind, &[&str])] = &[
    ("smoking", "您目前的吸烟情况？", QuestionKind::Single, &["从不吸烟", "已戒烟", "吸烟"]),
    ("drinking", "您饮酒的频率？", QuestionKind::Single, &["从不或很少", "偶尔", "经常（每周 3 次以上）"]),
    ("family_gi", "父母、兄弟姐妹或子女中是否有人患过胃癌、结直肠癌等消化道肿瘤？", QuestionKind::Single, &["有", "没有", "不清楚"]),
    ("family_chronic", "父母、兄弟姐妹中是否有人患有以下疾病？", QuestionKind::Multi, &["高血压", "糖尿病", "冠心病或脑卒中", "以上都没有"]),
    ("lifestyle", "您的工作和生活方式？", QuestionKind::Multi, &["长期伏案或低头看手机", "久坐少动", "经常熬夜", "以上都不是"]),
    ("symptoms", "近半年是否有以下情况？", QuestionKind::Multi, &["胃部不适、反酸", "大便习惯改变或便血", "胸闷、心悸", "头晕、头痛", "以上都没有"]),
    ("weight", "您的体重情况？", QuestionKind::Single, &["正常", "超重或肥胖", "不清楚"]),
    ("breast", "（女性填写）近两年是否做过乳腺检查？", QuestionKind::Single, &["做过", "没做过"]),
    ("cervix", "（已婚女性填写）近三年是否做过宫颈癌筛查（TCT 或 HPV）？", QuestionKind::Single, &["做过", "没做过"]),
];

const F: Option<Sex> = Some(Sex::Female);

/// A rule: question, answer, item, reason, sex, minimum age.
type RuleSpec = (&'static str, &'static str, &'static str, &'static str, Option<Sex>, Option<u32>);

#[rustfmt::skip]
const RULES: &[RuleSpec] = &[
    ("smoking", "吸烟", "LDCT", "长期吸烟者肺癌风险明显升高，建议每年做一次胸部低剂量螺旋 CT", None, None),
    ("smoking", "吸烟", "PULM", "吸烟损伤气道，肺功能检查可早期发现慢阻肺", None, None),
    ("smoking", "已戒烟", "LDCT", "戒烟不满 15 年的 40 岁以上人群仍属肺癌高危，建议低剂量螺旋 CT 筛查", None, Some(40)),
    ("drinking", "经常（每周 3 次以上）", "LAB_LIVER", "经常饮酒易致酒精性肝损伤，建议检查肝功能", None, None),
    ("drinking", "经常（每周 3 次以上）", "US_ABD", "饮酒者脂肪肝、肝硬化多见，腹部彩超可早期发现", None, None),
    ("drinking", "经常（每周 3 次以上）", "US_FIBRO", "肝脏瞬时弹性检测可评估脂肪肝和肝纤维化程度", None, None),
    ("family_gi", "有", "GC_PAINLESS", "有消化道肿瘤家族史者患病风险高，建议 40 岁起做胃肠镜（一次麻醉完成胃镜和肠镜）", None, Some(40)),
    ("family_gi", "有", "LAB_STOOL", "粪便隐血试验是筛查结直肠肿瘤的简便方法", None, None),
    ("family_gi", "有", "TM_PG", "胃蛋白酶原和胃泌素 17 可初筛萎缩性胃炎等胃癌前病变", None, None),
    ("family_chronic", "高血压", "ECG", "有高血压家族史者宜定期检查心电图", None, None),
    ("family_chronic", "高血压", "LAB_LIPID", "血脂异常与高血压共同增加心脑血管病风险", None, None),
    ("family_chronic", "高血压", "LAB_HCY", "同型半胱氨酸升高会进一步增加高血压人群的脑卒中风险", None, None),
    ("family_chronic", "糖尿病", "LAB_GLU", "有糖尿病家族史者患病风险高，建议检查空腹血糖", None, None),
    ("family_chronic", "糖尿病", "LAB_HBA1C", "糖化血红蛋白反映近 2–3 个月的平均血糖，可发现糖尿病前期", None, None),
    ("family_chronic", "冠心病或脑卒中", "LAB_LIPID", "血脂异常是动脉粥样硬化的主要危险因素", None, None),
    ("family_chronic", "冠心病或脑卒中", "US_CAROTID", "颈动脉斑块是全身动脉粥样硬化的窗口", None, None),
    ("family_chronic", "冠心病或脑卒中", "LAB_LPA", "脂蛋白(a)升高与早发心脑血管病相关，多有家族聚集", None, None),
    ("family_chronic", "冠心病或脑卒中", "CT_CAC", "冠状动脉钙化积分可评估 40 岁以上人群的冠心病风险", None, None),
    ("lifestyle", "长期伏案或低头看手机", "DR_CSPINE", "长期伏案、低头易致颈椎病，颈椎正侧位片可评估颈椎退变", None, None),
    ("lifestyle", "久坐少动", "DR_LSPINE", "久坐易致腰椎间盘突出和腰肌劳损", None, None),
    ("lifestyle", "久坐少动", "BODY_COMP", "人体成分分析可了解体脂率和肌肉量，指导运动", None, None),
    ("lifestyle", "经常熬夜", "ECG", "长期熬夜增加心律失常风险", None, None),
    ("lifestyle", "经常熬夜", "PSY", "长期熬夜与焦虑、抑郁情绪相互影响，可做心理健康测评", None, None),
    ("symptoms", "胃部不适、反酸", "HP_C13", "幽门螺杆菌感染是胃炎、胃溃疡和胃癌的主要危险因素", None, None),
    ("symptoms", "胃部不适、反酸", "TM_PG", "胃蛋白酶原可提示萎缩性胃炎", None, None),
    ("symptoms", "大便习惯改变或便血", "LAB_STOOL", "便血或大便习惯改变须先查粪便隐血", None, None),
    ("symptoms", "大便习惯改变或便血", "TM_CEA", "癌胚抗原可辅助筛查结直肠肿瘤", None, None),
    ("symptoms", "胸闷、心悸", "ECG", "胸闷心悸者须查心电图", None, None),
    ("symptoms", "胸闷、心悸", "HOLTER", "24 小时动态心电图可捕捉偶发的心律失常", None, None),
    ("symptoms", "胸闷、心悸", "US_ECHO", "心脏彩超可评估心脏结构和功能", None, None),
    ("symptoms", "头晕、头痛", "US_TCD", "经颅多普勒可评估脑血流", None, None),
    ("symptoms", "头晕、头痛", "US_CAROTID", "颈动脉狭窄或斑块可引起脑供血不足", None, None),
    ("weight", "超重或肥胖", "BODY_COMP", "人体成分分析可了解体脂率和内脏脂肪等级", None, None),
    ("weight", "超重或肥胖", "US_ABD", "超重、肥胖者脂肪肝多见", None, None),
    ("weight", "超重或肥胖", "LAB_HBA1C", "肥胖是 2 型糖尿病的主要危险因素", None, None),
    ("weight", "超重或肥胖", "LAB_INSULIN", "空腹胰岛素可评估胰岛素抵抗", None, None),
    ("breast", "没做过", "US_BREAST", "乳腺癌是女性最常见的恶性肿瘤，建议每 1–2 年做一次乳腺彩超", F, None),
    ("breast", "没做过", "MAMMO", "40 岁以上女性建议加做乳腺钼靶，与彩超互补", F, Some(40)),
    ("cervix", "没做过", "GYN_TCT", "宫颈癌可通过定期筛查早期发现，建议做宫颈 TCT", F, None),
    ("cervix", "没做过", "GYN_HPV", "高危型 HPV 持续感染是宫颈癌的主要病因，HPV 与 TCT 联合筛查更可靠", F, None),
];

/// The demo questionnaire.
pub fn questionnaire() -> Questionnaire {
    Questionnaire {
        questions: QUESTIONS
            .iter()
            .map(|(code, text, kind, options)| Question {
                code: code.to_string(),
                text: text.to_string(),
                kind: *kind,
                options: options.iter().map(|o| o.to_string()).collect(),
                active: true,
            })
            .collect(),
        rules: RULES
            .iter()
            .map(|(q, a, item, reason, sex, min_age)| AdviceRule {
                question: q.to_string(),
                answer: a.to_string(),
                item: item.to_string(),
                reason: reason.to_string(),
                sex: *sex,
                min_age: *min_age,
                max_age: None,
            })
            .collect(),
    }
}

/// Saves the questionnaire (checked against the catalogue saved before).
pub async fn seed_questionnaire(access: &Access) -> anyhow::Result<()> {
    hops_checkup::advice::service::save(access, questionnaire()).await.context("健康问卷")?;
    Ok(())
}

/// A checksum-valid synthetic 统一社会信用代码 (Hangzhou 西湖区).
fn credit_code(n: usize) -> String {
    let first17 = format!("91330106MA2{:06}", 100_000 + n * 37);
    let check = credit_check_char(&first17).expect("digits and capitals");
    format!("{first17}{check}")
}

/// Company titles of the demo's invoice requests.
const COMPANIES: &[&str] = &["杭州云帆网络科技有限公司", "浙江明远会计师事务所有限公司", "杭州西溪文化传媒有限公司"];

/// Invoice requests of every fifth paid booking the person paid for (a group card may cover it
/// all: nothing to invoice), some with a company title; the older half issued.
pub async fn seed_invoices(access: &Access) -> anyhow::Result<()> {
    let (paid, _) = hops_checkup::booking::service::list(access, None, Some(Status::Paid), "", Paging { page: 1, per_page: 1000 }).await?;
    let chosen: Vec<_> = paid.iter().filter(|b| b.booking.total.fen() > 0).step_by(5).collect();
    let half = chosen.len() / 2;
    for (n, b) in chosen.into_iter().enumerate() {
        let draft = if n % 3 == 0 {
            let company = COMPANIES[n / 3 % COMPANIES.len()];
            InvoiceDraft {
                title_kind: TitleKind::Company,
                title: company.into(),
                tax_number: credit_code(n),
                email: format!("finance{n}@example.com"),
            }
        } else {
            InvoiceDraft {
                title_kind: TitleKind::Personal,
                title: b.name.clone(),
                tax_number: String::new(),
                email: format!("tj{n}@example.com"),
            }
        };
        let r = hops_checkup::invoice::service::request(access, b.booking.id, &draft)
            .await
            .with_context(|| format!("{} 的发票申请", b.booking.number))?;
        if n >= half {
            let number = format!("2633{:016}", 1_000 + n);
            hops_checkup::invoice::service::mark_issued(access, r.id, &number).await.with_context(|| format!("发票 {number}"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use hops_checkup::advice::model::{Answers, Respondent, check_questionnaire, recommend};
    use hops_checkup::invoice::model::check_credit_code;

    use super::*;

    #[test]
    fn questionnaire_fits_the_demo_catalogue() {
        let cat = super::super::demo_catalogue();
        let q = questionnaire();
        assert_eq!(check_questionnaire(&q, &cat), vec![]);
        assert!(q.questions.len() >= 8 && q.rules.len() >= 30);
        // A smoker of 45 who drinks and sits at a desk, on the men's basic package (with a chest
        // X-ray, which the CT replaces; liver function and the abdomen ultrasound included).
        let answers: Answers = [("smoking", "吸烟"), ("drinking", "经常（每周 3 次以上）"), ("lifestyle", "长期伏案或低头看手机")]
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect();
        let selected: BTreeSet<String> = cat.packages["M_BASIC"].items.iter().cloned().collect();
        let man = Respondent { sex: Some(Sex::Male), age: Some(45), married: Some(true) };
        let r = recommend(&q.questions, &q.rules, &answers, &man, &selected, &cat).unwrap();
        let codes: Vec<&str> = r.iter().map(|r| r.item_code.as_str()).collect();
        assert_eq!(codes, ["LDCT", "PULM", "US_FIBRO", "DR_CSPINE"]);
        assert_eq!(r[0].replaces, ["DR_CHEST"]);
        // A married woman of 45 who has had no screening: breast and cervix.
        let answers: Answers =
            [("breast", "没做过"), ("cervix", "没做过")].iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect();
        let woman = Respondent { sex: Some(Sex::Female), age: Some(45), married: Some(true) };
        let r = recommend(&q.questions, &q.rules, &answers, &woman, &BTreeSet::new(), &cat).unwrap();
        let codes: Vec<&str> = r.iter().map(|r| r.item_code.as_str()).collect();
        assert_eq!(codes, ["US_BREAST", "MAMMO", "GYN_TCT", "GYN_HPV"]);
    }

    #[test]
    fn synthetic_credit_codes_are_valid() {
        for n in 0..50 {
            assert_eq!(check_credit_code(&credit_code(n)), Ok(()), "{}", credit_code(n));
        }
    }
}
