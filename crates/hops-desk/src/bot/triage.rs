//! Whether a patient's question needs a doctor: the bot never gives medical advice, so symptom,
//! medication and diagnosis questions (我头疼吃什么药, 孩子发烧38度怎么办, 血糖8.5正常吗) are
//! routed to an online consultation instead of being matched against the FAQ. Questions about
//! the service around care (怎么预约发热门诊, 复诊怎么开药, 体检前要空腹吗) are not.
//!
//! Rules over the normalised text ([`Analyzer::normalize`], so 咋办 reads 怎么办), after
//! department names (发热门诊, 皮肤科) are blanked out:
//!
//! * a *strong medical ask* (吃什么药, 副作用, 严重吗, 正常吗, 怎么治疗 …) with a medical topic, or
//!   one that is medical by itself (吃什么药, 剂量, 一天吃几次), needs a doctor;
//! * a *medical topic* (symptom, disease, indicator, a reading such as 38度) with a *weak ask*
//!   (怎么办, 能吃, 忌口 …), or a symptom stated alone, needs a doctor unless the question is
//!   about a service (挂号, 开药, 医保, 报告查询 …).

use super::text::Analyzer;

/// Symptoms: stated alone they already call for a doctor.
const SYMPTOMS: &[&str] = &[
    "头疼",
    "头痛",
    "头晕",
    "头昏",
    "发烧",
    "发热",
    "高烧",
    "低烧",
    "烧到",
    "咳嗽",
    "咳痰",
    "有痰",
    "流鼻涕",
    "鼻塞",
    "嗓子疼",
    "嗓子痛",
    "喉咙痛",
    "喉咙疼",
    "咽喉痛",
    "腹泻",
    "拉肚子",
    "拉稀",
    "便秘",
    "呕吐",
    "想吐",
    "恶心",
    "胃疼",
    "胃痛",
    "胃胀",
    "肚子疼",
    "肚子痛",
    "腹痛",
    "腹胀",
    "胸闷",
    "胸痛",
    "心慌",
    "心悸",
    "气短",
    "气喘",
    "喘不上气",
    "失眠",
    "睡不着",
    "乏力",
    "没力气",
    "过敏",
    "皮疹",
    "疹子",
    "瘙痒",
    "发痒",
    "红肿",
    "肿了",
    "肿痛",
    "疼痛",
    "出血",
    "流血",
    "便血",
    "尿血",
    "尿频",
    "尿急",
    "尿痛",
    "痛经",
    "月经推迟",
    "月经不调",
    "孕吐",
    "抽搐",
    "昏迷",
    "晕倒",
    "骨折",
    "扭伤",
    "烫伤",
    "咬伤",
    "中毒",
    "积食",
    "上火",
    "长痘",
    "掉头发",
    "耳鸣",
    "视力下降",
    "眼睛干",
    "眼睛痛",
    "牙疼",
    "牙痛",
    "腰疼",
    "腰痛",
    "背痛",
    "关节疼",
    "关节痛",
    "腿疼",
    "脚肿",
    "水肿",
    "发冷",
    "出汗",
    "盗汗",
    "黄疸",
    "不舒服",
    "难受",
    "疼",
    "痛",
    "痒",
];

/// Diseases, conditions and indicators: a topic, but not a question by themselves.
const CONDITIONS: &[&str] = &[
    "高血压",
    "低血压",
    "糖尿病",
    "感冒",
    "流感",
    "肺炎",
    "胃炎",
    "肠炎",
    "肝炎",
    "乙肝",
    "丙肝",
    "大三阳",
    "小三阳",
    "脂肪肝",
    "肝硬化",
    "肾炎",
    "结石",
    "结节",
    "囊肿",
    "息肉",
    "肿瘤",
    "癌",
    "哮喘",
    "鼻炎",
    "咽炎",
    "湿疹",
    "荨麻疹",
    "甲亢",
    "甲减",
    "痛风",
    "冠心病",
    "心脏病",
    "脑梗",
    "中风",
    "抑郁",
    "焦虑",
    "癫痫",
    "贫血",
    "痔疮",
    "炎症",
    "发炎",
    "感染",
    "病毒",
    "细菌",
    "怀孕",
    "孕妇",
    "备孕",
    "血压",
    "血糖",
    "血脂",
    "尿酸",
    "转氨酶",
    "白细胞",
    "血小板",
    "胆固醇",
    "心率",
    "体温",
    "偏高",
    "偏低",
    "超标",
    "阳性",
    "疫苗",
    "布洛芬",
    "阿莫西林",
    "头孢",
    "抗生素",
    "消炎药",
    "退烧药",
    "感冒药",
    "降压药",
    "胰岛素",
    "激素",
    "中药",
    "西药",
];

/// Asks that are medical whatever the topic.
const STRONG_ASKS_ALONE: &[&str] = &[
    "吃什么药",
    "用什么药",
    "吃哪种药",
    "用哪种药",
    "什么药好",
    "什么药效果",
    "副作用",
    "剂量",
    "用量",
    "一天吃几次",
    "一次吃几",
    "吃几片",
    "吃几粒",
    "一起吃",
    "同时吃",
    "能一起",
];

/// Asks that are medical about a medical topic.
const STRONG_ASKS: &[&str] = &[
    "什么病",
    "怎么治",
    "如何治",
    "治疗",
    "治好",
    "根治",
    "严重吗",
    "严不严重",
    "要紧吗",
    "要不要紧",
    "正常吗",
    "正不正常",
    "怎么回事",
    "为什么会",
    "什么原因",
    "是不是",
    "会不会",
    "有没有事",
    "有事吗",
    "危险吗",
    "能好吗",
    "好得了",
    "多久能好",
    "会传染",
    "会遗传",
    "怎么缓解",
    "怎么护理",
    "怎么预防",
    "要不要吃",
    "需不需要吃",
    "吃药",
    "用药",
    "服药",
    "停药",
];

/// Asks that read medical only without a service in sight.
const WEAK_ASKS: &[&str] =
    &["怎么办", "可以吃", "能吃", "能喝", "可以喝", "吃什么", "忌口", "注意什么", "怎么样", "要不要", "可以", "吗", "呢", "么"];

/// Words of the service around care.
const SERVICES: &[&str] = &[
    "挂号",
    "预约",
    "约号",
    "挂哪",
    "挂什么",
    "看什么科",
    "哪个科",
    "科室",
    "门诊",
    "复诊",
    "开药",
    "续方",
    "处方",
    "配送",
    "快递",
    "寄",
    "医保",
    "报销",
    "发票",
    "退款",
    "退费",
    "支付",
    "缴费",
    "付款",
    "费用",
    "多少钱",
    "报告",
    "查询",
    "打印",
    "在哪",
    "几点",
    "上班",
    "出诊",
    "排队",
    "就诊人",
    "账号",
    "登录",
    "体检",
    "问诊",
    "视频",
    "图文",
    "住院",
    "病历",
    "证明",
    "假条",
    "医生什么时候",
    "专家",
];

/// Department names such as 发热门诊, 皮肤科, 疼痛专科 that contain symptom words.
const DEPARTMENT_SUFFIXES: &[&str] = &["门诊", "专科", "科室", "科"];

/// Whether the question is a medical one that a doctor must answer.
pub fn needs_doctor(analyzer: &Analyzer, question: &str) -> bool {
    let text: String = analyzer.normalize(question).chars().filter(|c| !c.is_whitespace()).collect();
    let text = blank_departments(&text);
    let has = |list: &[&str]| list.iter().any(|w| text.contains(w));
    let symptom = has(SYMPTOMS);
    let topic = symptom || has(CONDITIONS) || has_reading(&text);
    let service = has(SERVICES);
    if has(STRONG_ASKS_ALONE) || (topic && has(STRONG_ASKS)) {
        return true;
    }
    topic && !service && (symptom || has(WEAK_ASKS))
}

/// Replaces department names ending in a symptom word's neighbourhood (发热门诊, 疼痛科) by a
/// neutral marker, so that the department is not read as a symptom.
fn blank_departments(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let mut replaced = false;
        // A symptom or condition word directly followed by a department suffix.
        for word in SYMPTOMS.iter().chain(CONDITIONS) {
            let w: Vec<char> = word.chars().collect();
            if chars[i..].starts_with(&w) {
                let rest: String = chars[i + w.len()..].iter().collect();
                if let Some(suffix) = DEPARTMENT_SUFFIXES.iter().find(|s| rest.starts_with(*s)) {
                    out.push_str("门诊");
                    i += w.len() + suffix.chars().count();
                    replaced = true;
                    break;
                }
            }
        }
        if !replaced {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// A measurement such as 38度, 38.5℃, 7.8mmol, 2片.
fn has_reading(text: &str) -> bool {
    const UNITS: &[&str] = &["度", "℃", "°", "mmol", "mg", "毫克", "片", "粒", "毫升", "ml", "mmhg"];
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            let rest: String = chars[j..].iter().take(4).collect();
            if UNITS.iter().any(|u| rest.starts_with(u)) {
                return true;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medical_questions_go_to_a_doctor_service_questions_do_not() {
        let analyzer = Analyzer::shared();
        let cases: &[(&str, bool)] = &[
            // Symptoms, medication, diagnosis: a doctor.
            ("我头疼吃什么药", true),
            ("孩子发烧38度怎么办", true),
            ("孩子发烧38度咋整", true),
            ("血糖8.5正常吗", true),
            ("胃疼是怎么回事", true),
            ("布洛芬一天吃几次", true),
            ("感冒了可以喝酒吗", true),
            ("拉肚子吃什么好", true),
            ("湿疹怎么治疗", true),
            ("宝宝打完疫苗发烧了", true),
            ("体检查出甲状腺结节严重吗", true),
            ("报告上尿酸偏高要紧吗", true),
            ("阿莫西林和头孢能一起吃吗", true),
            ("高血压能吃阿莫西林吗", true),
            ("月经推迟了是怎么回事", true),
            ("头晕恶心是什么病", true),
            // The service around care: the FAQ.
            ("怎么预约发热门诊", false),
            ("发烧门诊怎么挂号", false),
            ("复诊怎么开药", false),
            ("高血压复诊怎么在网上开药", false),
            ("我妈高血压每个月都要开药 能不能网上直接开了寄过来", false),
            ("体检前要空腹吗", false),
            ("处方审核不通过怎么办", false),
            ("号满了怎么办", false),
            ("视频问诊没有声音怎么办", false),
            ("孩子没有身份证怎么添加就诊人", false),
            ("发烧了挂哪个科", false),
            ("皮肤科专家哪天出诊", false),
            ("药品配送多久能到", false),
            ("退款多久到账", false),
            ("今天天气怎么样", false),
        ];
        let wrong: Vec<_> = cases.iter().filter(|(q, expected)| needs_doctor(analyzer, q) != *expected).collect();
        assert!(wrong.is_empty(), "misjudged: {wrong:?}");
    }

    #[test]
    fn readings_and_departments() {
        assert!(has_reading("体温38.5度"));
        assert!(has_reading("血糖7.8mmol"));
        assert!(!has_reading("挂号费40元"));
        assert_eq!(blank_departments("怎么预约发热门诊"), "怎么预约门诊");
        assert_eq!(blank_departments("疼痛科在几楼"), "门诊在几楼");
    }
}
