//! The demo hospital's checkup packages, rules, scarce resources, employers and booking mix.
//! Items are in `checkup_items.rs`.
//!
//! Every package carries 一般检查, 内科, 外科 and 血常规 (the required items), and a package
//! is never wider than any of its items: a package for men of 40 and over may hold PSA (men
//! of 40 and over), never the other way round — so whoever a package admits can take it whole.

use hops_checkup::catalogue::model::{Applicability, Marital};
use hops_kernel::Sex;

use super::items::who;

/// Scarce resources with their own daily limit: code, name.
pub const RESOURCES: &[(&str, &str)] = &[("gastroscope", "胃肠镜"), ("mri", "核磁共振"), ("ct", "CT")];

pub struct PackageSpec {
    pub code: &'static str,
    pub name: &'static str,
    pub target_group: &'static str,
    pub description: &'static str,
    pub yuan: i64,
    pub who: Applicability,
    pub items: &'static [&'static str],
    pub special_pool: bool,
}

const MEN_18: Applicability = who(Some(Sex::Male), Some(18), None, Marital::Any);
const MEN_40: Applicability = who(Some(Sex::Male), Some(40), None, Marital::Any);
const MARRIED_18: Applicability = who(Some(Sex::Female), Some(18), None, Marital::Married);
const MARRIED_40: Applicability = who(Some(Sex::Female), Some(40), None, Marital::Married);
const UNMARRIED_18: Applicability = who(Some(Sex::Female), Some(18), None, Marital::Unmarried);

/// The catalogue's packages.
#[rustfmt::skip]
pub const PACKAGES: &[PackageSpec] = &[
    PackageSpec {
        code: "M_BASIC", name: "男性基础体检套餐", target_group: "18 岁以上男性", yuan: 468, who: MEN_18, special_pool: false,
        description: "覆盖血压、血糖、血脂、肝肾功能、心电图、胸片和腹部、前列腺彩超的年度基础体检，适合无明显不适的成年男性。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "EYE_VA", "ENT", "DENT", "LAB_URINE", "LAB_LIVER", "LAB_RENAL", "LAB_LIPID",
                 "LAB_GLU", "ECG", "DR_CHEST", "US_ABD", "US_PROSTATE"],
    },
    PackageSpec {
        code: "M_ADV", name: "男性全面体检套餐（40 岁以上）", target_group: "40 岁以上男性", yuan: 1580, who: MEN_40, special_pool: false,
        description: "在基础体检上增加胸部低剂量 CT、颈动脉彩超、甲功、糖化血红蛋白、前列腺与消化道肿瘤标志物、幽门螺杆菌和骨密度，兼顾慢病与肿瘤早筛。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "GEN_WAIST", "EYE_VA", "EYE_SLIT", "EYE_IOP", "EYE_FUNDUS", "ENT", "DENT",
                 "LAB_URINE", "LAB_STOOL", "LAB_LIVER", "LAB_RENAL", "LAB_LIPID", "LAB_GLU", "LAB_HBA1C", "LAB_HCY", "LAB_THY3",
                 "TM_AFP", "TM_CEA", "TM_PSA", "TM_FPSA", "HP_C13", "ECG", "LDCT", "US_ABD", "US_THYROID", "US_PROSTATE",
                 "US_CAROTID", "URO_DRE", "BMD"],
    },
    PackageSpec {
        code: "F_BASIC_M", name: "女性基础体检套餐（已婚）", target_group: "18 岁以上已婚女性", yuan: 760, who: MARRIED_18, special_pool: false,
        description: "基础体检加乳腺彩超、经阴道子宫附件彩超、妇科检查、白带常规和宫颈 TCT，适合有性生活史女性的年度体检。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "EYE_VA", "ENT", "DENT", "LAB_URINE", "LAB_LIVER", "LAB_RENAL", "LAB_LIPID",
                 "LAB_GLU", "ECG", "DR_CHEST", "US_ABD", "US_BREAST", "US_GYN_TV", "GYN_EXAM", "GYN_LEUK", "GYN_TCT"],
    },
    PackageSpec {
        code: "F_BASIC_U", name: "女性基础体检套餐（未婚）", target_group: "18 岁以上未婚女性", yuan: 560, who: UNMARRIED_18, special_pool: false,
        description: "基础体检加乳腺彩超和经腹部子宫附件彩超，不含妇科内诊，适合无性生活史的女性。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "EYE_VA", "ENT", "DENT", "LAB_URINE", "LAB_LIVER", "LAB_RENAL", "LAB_LIPID",
                 "LAB_GLU", "ECG", "DR_CHEST", "US_ABD", "US_BREAST", "US_GYN_TA"],
    },
    PackageSpec {
        code: "F_ADV_M", name: "女性全面体检套餐（已婚，40 岁以上）", target_group: "40 岁以上已婚女性", yuan: 2280, who: MARRIED_40,
        special_pool: false,
        description: "乳腺彩超联合钼靶、宫颈 TCT 联合 HPV、胸部低剂量 CT、甲功五项、妇科与消化道肿瘤标志物、骨密度，覆盖中年女性高发的“两癌”和慢病。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "GEN_WAIST", "EYE_VA", "EYE_SLIT", "EYE_IOP", "EYE_FUNDUS", "ENT", "DENT",
                 "LAB_URINE", "LAB_STOOL", "LAB_LIVER", "LAB_RENAL", "LAB_LIPID", "LAB_GLU", "LAB_HBA1C", "LAB_HCY", "LAB_THY5",
                 "TM_AFP", "TM_CEA", "TM_CA125", "TM_CA153", "HP_C13", "ECG", "LDCT", "US_ABD", "US_THYROID", "US_BREAST", "MAMMO",
                 "US_GYN_TV", "GYN_EXAM", "GYN_LEUK", "GYN_TCT", "GYN_HPV", "US_CAROTID", "BMD"],
    },
    PackageSpec {
        code: "F_ADV_U", name: "女性全面体检套餐（未婚）", target_group: "18 岁以上未婚女性", yuan: 1280, who: UNMARRIED_18, special_pool: false,
        description: "在未婚女性基础体检上增加甲功五项、贫血三项、甲状腺彩超、妇科与消化道肿瘤标志物和幽门螺杆菌检测。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "GEN_WAIST", "EYE_VA", "EYE_SLIT", "ENT", "DENT", "LAB_URINE", "LAB_LIVER",
                 "LAB_RENAL", "LAB_LIPID", "LAB_GLU", "LAB_HBA1C", "LAB_THY5", "LAB_ANEMIA", "TM_AFP", "TM_CEA", "TM_CA125",
                 "TM_CA153", "HP_C13", "ECG", "DR_CHEST", "US_ABD", "US_THYROID", "US_BREAST", "US_GYN_TA"],
    },
    PackageSpec {
        code: "ELDER", name: "中老年关爱体检套餐（60 岁以上）", target_group: "60 岁以上中老年人", yuan: 1880,
        who: who(None, Some(60), None, Marital::Any), special_pool: false,
        description: "针对老年人高发的心脑血管病、糖尿病、骨质疏松、听力视力减退和肺部疾病，含心脏彩超、经颅多普勒、动脉硬化检测和胸部低剂量 CT。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "GEN_WAIST", "EYE_VA", "EYE_SLIT", "EYE_IOP", "EYE_FUNDUS", "ENT", "ENT_AUDIO",
                 "DENT", "LAB_URINE", "LAB_STOOL", "LAB_LIVER", "LAB_RENAL", "LAB_LIPID", "LAB_GLU", "LAB_HBA1C", "LAB_HCY",
                 "LAB_BNP", "LAB_UACR", "TM_AFP", "TM_CEA", "ECG", "LDCT", "US_ABD", "US_URO", "US_THYROID", "US_CAROTID",
                 "US_ECHO", "US_TCD", "ABI", "BMD", "PULM"],
    },
    PackageSpec {
        code: "EMPLOY", name: "入职体检套餐", target_group: "18–60 岁新入职员工", yuan: 150,
        who: who(None, Some(18), Some(60), Marital::Any), special_pool: false,
        description: "按一般企事业单位入职要求设置，含胸片、心电图、肝功能初筛和视力色觉；按规定不含乙肝检测，当日可出具入职体检表。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "EYE_VA", "EYE_COLOR", "ENT", "LAB_URINE", "LAB_ALT", "ECG", "DR_CHEST"],
    },
    PackageSpec {
        code: "DRIVER", name: "驾驶员体检套餐", target_group: "18–70 岁申领或换领驾驶证者", yuan: 100,
        who: who(None, Some(18), Some(70), Marital::Any), special_pool: false,
        description: "按机动车驾驶人身体条件证明的要求检查视力、辨色力、听力和四肢躯干，结果可通过交管平台上传。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "EYE_VA", "EYE_COLOR", "ENT", "ENT_AUDIO"],
    },
    PackageSpec {
        code: "STUDENT", name: "学生体检套餐（升学、入学）", target_group: "15–25 岁升学、入学学生", yuan: 140,
        who: who(None, Some(15), Some(25), Marital::Any), special_pool: false,
        description: "满足高中、高校新生入学体检要求，含胸片结核筛查、肝功能、视力色觉和口腔检查。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "EYE_VA", "EYE_COLOR", "ENT", "DENT", "LAB_URINE", "LAB_ALT", "DR_CHEST"],
    },
    PackageSpec {
        code: "CARDIO", name: "心脑血管专项筛查套餐", target_group: "40 岁以上，高血压、糖尿病、血脂异常或吸烟者", yuan: 2580,
        who: who(None, Some(40), None, Marital::Any), special_pool: false,
        description: "从血液指标、心电、超声到冠脉钙化积分 CT 和头颅磁共振加血管成像，全面评估冠心病和脑卒中风险。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "GEN_WAIST", "LAB_LIPID", "LAB_APO", "LAB_LPA", "LAB_GLU", "LAB_HBA1C",
                 "LAB_HCY", "LAB_HSCRP", "LAB_BNP", "LAB_CK", "LAB_RENAL", "ECG", "HOLTER", "ABPM", "US_ECHO", "US_CAROTID",
                 "US_TCD", "ABI", "CT_CAC", "MRI_HEAD", "MRA_HEAD", "EYE_FUNDUS"],
    },
    PackageSpec {
        code: "TUMOR_M", name: "肿瘤早期筛查套餐（男性）", target_group: "40 岁以上男性，有吸烟史或肿瘤家族史者", yuan: 1380, who: MEN_40,
        special_pool: false,
        description: "针对男性高发的肺癌、肝癌、胃癌、结直肠癌、前列腺癌和鼻咽癌，胸部低剂量 CT 联合 11 项肿瘤标志物和胃癌风险评估。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "LAB_URINE", "LAB_STOOL", "LAB_LIVER", "TM_AFP", "TM_CEA", "TM_CA199", "TM_CA724",
                 "TM_CYFRA", "TM_NSE", "TM_SCC", "TM_PSA", "TM_FPSA", "TM_PG", "TM_EBV", "HP_C13", "LDCT", "US_ABD", "US_THYROID",
                 "US_PROSTATE", "URO_DRE"],
    },
    PackageSpec {
        code: "TUMOR_F", name: "肿瘤早期筛查套餐（女性·已婚）", target_group: "40 岁以上已婚女性，有肿瘤家族史者", yuan: 2180, who: MARRIED_40,
        special_pool: false,
        description: "针对女性高发的乳腺癌、宫颈癌、肺癌、甲状腺癌和消化道肿瘤，钼靶、TCT 联合 HPV、胸部低剂量 CT 加肿瘤标志物。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "LAB_URINE", "LAB_STOOL", "LAB_LIVER", "TM_AFP", "TM_CEA", "TM_CA199", "TM_CA724",
                 "TM_CA125", "TM_CA153", "TM_CYFRA", "TM_NSE", "TM_SCC", "TM_PG", "TM_EBV", "HP_C13", "LDCT", "US_ABD", "US_THYROID",
                 "US_BREAST", "MAMMO", "US_GYN_TV", "GYN_EXAM", "GYN_TCT", "GYN_HPV"],
    },
    PackageSpec {
        code: "GI_SPECIAL", name: "无痛胃肠镜专项套餐", target_group: "18–75 岁消化道肿瘤筛查人群", yuan: 1880,
        who: who(None, Some(18), Some(75), Marital::Any), special_pool: true,
        description: "一次静脉麻醉完成胃镜和结肠镜，含麻醉评估、凝血功能、术前感染筛查和肠道准备指导；每日名额有限，单独放号。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "GC_PAINLESS", "ANES", "LAB_COAG", "LAB_INF4", "BOWEL", "ECG", "HP_C13",
                 "TM_PG", "LAB_STOOL"],
    },
    PackageSpec {
        code: "VIP_M", name: "尊享 VIP 全面体检套餐（男士）", target_group: "40 岁以上男性，企业高管", yuan: 6800, who: MEN_40, special_pool: false,
        description: "独立 VIP 区域一对一陪检，含无痛胃肠镜、头颅磁共振加血管成像、冠脉钙化积分 CT、胸部低剂量 CT、心脏彩超和全套肿瘤标志物，主任医师解读报告。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "GEN_WAIST", "BODY_COMP", "EYE_VA", "EYE_SLIT", "EYE_IOP", "EYE_FUNDUS", "ENT",
                 "ENT_SCOPE", "DENT", "DENT_CLEAN", "LAB_URINE", "LAB_STOOL", "LAB_LIVER", "LAB_RENAL", "LAB_LIPID", "LAB_APO",
                 "LAB_LPA", "LAB_GLU", "LAB_HBA1C", "LAB_INSULIN", "LAB_HCY", "LAB_HSCRP", "LAB_BNP", "LAB_THY5", "LAB_VITD",
                 "LAB_HBV", "TM_AFP", "TM_CEA", "TM_CA199", "TM_CA724", "TM_CYFRA", "TM_NSE", "TM_PSA", "TM_FPSA", "TM_PG", "TM_EBV",
                 "HP_C13", "ECG", "US_ECHO", "US_ABD", "US_URO", "US_THYROID", "US_CAROTID", "US_PROSTATE", "US_FIBRO", "ABI",
                 "LDCT", "CT_CAC", "MRI_HEAD", "MRA_HEAD", "BMD", "PULM", "GC_PAINLESS", "ANES", "LAB_COAG", "LAB_INF4", "BOWEL",
                 "URO_DRE", "TCM", "PSY", "REPORT"],
    },
    PackageSpec {
        code: "VIP_F", name: "尊享 VIP 全面体检套餐（女士·已婚）", target_group: "40 岁以上已婚女性", yuan: 7200, who: MARRIED_40,
        special_pool: false,
        description: "独立 VIP 区域一对一陪检，含无痛胃肠镜、头颅磁共振、乳腺钼靶联合彩超、TCT 联合 HPV、性激素六项和全套肿瘤标志物，主任医师解读报告。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "GEN_WAIST", "BODY_COMP", "EYE_VA", "EYE_SLIT", "EYE_IOP", "EYE_FUNDUS", "ENT",
                 "ENT_SCOPE", "DENT", "DENT_CLEAN", "LAB_URINE", "LAB_STOOL", "LAB_LIVER", "LAB_RENAL", "LAB_LIPID", "LAB_APO",
                 "LAB_LPA", "LAB_GLU", "LAB_HBA1C", "LAB_INSULIN", "LAB_HCY", "LAB_HSCRP", "LAB_BNP", "LAB_THY5", "LAB_VITD",
                 "LAB_HBV", "LAB_HORMONE_F", "LAB_ANEMIA", "TM_AFP", "TM_CEA", "TM_CA199", "TM_CA724", "TM_CA125", "TM_CA153",
                 "TM_CYFRA", "TM_NSE", "TM_PG", "TM_EBV", "HP_C13", "ECG", "US_ECHO", "US_ABD", "US_URO", "US_THYROID", "US_CAROTID",
                 "US_FIBRO", "US_BREAST", "MAMMO", "US_GYN_TV", "GYN_EXAM", "GYN_LEUK", "GYN_TCT", "GYN_HPV", "ABI", "LDCT",
                 "MRI_HEAD", "BMD", "GC_PAINLESS", "ANES", "LAB_COAG", "LAB_INF4", "BOWEL", "TCM", "PSY", "REPORT"],
    },
    PackageSpec {
        code: "YOUTH", name: "青年白领体检套餐（18–39 岁）", target_group: "18–39 岁职场人群", yuan: 680,
        who: who(None, Some(18), Some(39), Marital::Any), special_pool: false,
        description: "针对久坐、熬夜、压力大的年轻上班族，含甲功、甲状腺彩超、颈椎片、幽门螺杆菌和心理测评。",
        items: &["GEN_BASIC", "IM", "SUR", "LAB_CBC", "GEN_WAIST", "EYE_VA", "EYE_SLIT", "ENT", "DENT", "LAB_URINE", "LAB_LIVER",
                 "LAB_RENAL", "LAB_LIPID", "LAB_GLU", "LAB_THY3", "HP_C14", "ECG", "DR_CHEST", "DR_CSPINE", "US_ABD", "US_THYROID",
                 "PSY"],
    },
];

/// A rule as written here.
pub enum RuleSpec {
    Required(&'static str, &'static str),
    Exclusive(&'static str, &'static str, &'static str),
    Requires(&'static str, &'static str, &'static str),
}

use RuleSpec::{Exclusive, Required, Requires};

/// The catalogue's rules, with their notes.
#[rustfmt::skip]
pub const RULES: &[RuleSpec] = &[
    Required("GEN_BASIC", "一般检查是所有体检的基础项目"),
    Required("IM", "内科检查为必检项目"),
    Required("SUR", "外科检查为必检项目"),
    Required("LAB_CBC", "血常规为必检项目"),
    Exclusive("LDCT", "DR_CHEST", "胸部低剂量 CT 已涵盖胸片，二者只做其一，避免重复辐射"),
    Exclusive("HP_C13", "HP_C14", "幽门螺杆菌呼气试验碳 13 与碳 14 二选一"),
    Exclusive("GAS_STD", "GAS_PAINLESS", "普通胃镜与无痛胃镜二选一"),
    Exclusive("COL_STD", "COL_PAINLESS", "普通肠镜与无痛肠镜二选一"),
    Exclusive("GC_PAINLESS", "GAS_STD", "无痛胃肠镜已含胃镜"),
    Exclusive("GC_PAINLESS", "GAS_PAINLESS", "无痛胃肠镜已含胃镜"),
    Exclusive("GC_PAINLESS", "COL_STD", "无痛胃肠镜已含肠镜"),
    Exclusive("GC_PAINLESS", "COL_PAINLESS", "无痛胃肠镜已含肠镜"),
    Exclusive("LAB_THY3", "LAB_THY5", "甲功五项已含甲功三项"),
    Exclusive("LAB_ALT", "LAB_LIVER", "肝功能 11 项已含谷丙转氨酶"),
    Exclusive("US_GYN_TV", "US_GYN_TA", "子宫附件彩超经阴道与经腹部二选一"),
    Requires("GAS_PAINLESS", "ANES", "静脉麻醉前须经麻醉评估"),
    Requires("GAS_PAINLESS", "LAB_COAG", "无痛内镜前须查凝血功能"),
    Requires("GAS_PAINLESS", "LAB_INF4", "内镜检查前须查感染四项"),
    Requires("COL_PAINLESS", "ANES", "静脉麻醉前须经麻醉评估"),
    Requires("COL_PAINLESS", "LAB_COAG", "无痛内镜前须查凝血功能"),
    Requires("COL_PAINLESS", "LAB_INF4", "内镜检查前须查感染四项"),
    Requires("COL_PAINLESS", "BOWEL", "肠镜须做肠道准备"),
    Requires("GC_PAINLESS", "ANES", "静脉麻醉前须经麻醉评估"),
    Requires("GC_PAINLESS", "LAB_COAG", "无痛内镜前须查凝血功能"),
    Requires("GC_PAINLESS", "LAB_INF4", "内镜检查前须查感染四项"),
    Requires("GC_PAINLESS", "BOWEL", "肠镜须做肠道准备"),
    Requires("GAS_STD", "LAB_INF4", "内镜检查前须查感染四项"),
    Requires("COL_STD", "LAB_INF4", "内镜检查前须查感染四项"),
    Requires("COL_STD", "BOWEL", "肠镜须做肠道准备"),
    Requires("ANES", "ECG", "麻醉评估须有当日心电图"),
    Requires("MRA_HEAD", "MRI_HEAD", "头颅 MRA 与 MRI 平扫同次检查"),
    Requires("TM_FPSA", "TM_PSA", "游离 PSA 须与总 PSA 同时检测以计算比值"),
    Requires("GYN_COLPO", "GYN_EXAM", "阴道镜检查前须行妇科检查"),
];

/// Employers (团检单位): code, name, contact, booking window as days from today, and whether
/// they book on weekdays (most) or mainly on Saturdays (a school).
pub struct EmployerSpec {
    pub code: &'static str,
    pub name: &'static str,
    pub contact: &'static str,
    pub window: (i32, i32),
    pub saturdays: bool,
    pub tier: Tier,
    /// How many of its staff the demo books.
    pub bookings: usize,
}

/// Which packages an employer pays for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    /// The basic package by sex and marital status.
    Basic,
    /// Basic under 40, the full package from 40.
    Full,
    /// The young professionals' package under 40, the full package from 40.
    Young,
}

#[rustfmt::skip]
pub const EMPLOYERS: &[EmployerSpec] = &[
    EmployerSpec { code: "HYZN", name: "杭州恒远智能科技有限公司", contact: "人事行政部 沈佳", window: (1, 40), saturdays: false, tier: Tier::Young, bookings: 12 },
    EmployerSpec { code: "XDWL", name: "浙江信达物流有限公司", contact: "综合办公室 周建国", window: (5, 50), saturdays: false, tier: Tier::Basic, bookings: 10 },
    EmployerSpec { code: "QJSY", name: "杭州市钱江实验中学", contact: "校工会 叶慧", window: (8, 55), saturdays: true, tier: Tier::Basic, bookings: 8 },
    EmployerSpec { code: "SFYH", name: "示范商业银行杭州城西支行", contact: "支行办公室 徐敏", window: (3, 30), saturdays: false, tier: Tier::Full, bookings: 8 },
    EmployerSpec { code: "LYSP", name: "杭州绿源食品有限公司", contact: "行政部 钱晓东", window: (10, 58), saturdays: false, tier: Tier::Basic, bookings: 7 },
];

/// Who books which package on their own: package, how many bookings, ages (full years today),
/// pool. The oldest age stays a year below a package's limit, so nobody outgrows it before the
/// date.
pub struct MixSpec {
    pub package: &'static str,
    pub count: usize,
    pub ages: (u32, u32),
    pub vip: bool,
}

#[rustfmt::skip]
pub const INDIVIDUAL_MIX: &[MixSpec] = &[
    MixSpec { package: "M_BASIC", count: 13, ages: (22, 59), vip: false },
    MixSpec { package: "M_ADV", count: 9, ages: (40, 69), vip: false },
    MixSpec { package: "F_BASIC_M", count: 11, ages: (25, 59), vip: false },
    MixSpec { package: "F_BASIC_U", count: 6, ages: (18, 32), vip: false },
    MixSpec { package: "F_ADV_M", count: 7, ages: (40, 65), vip: false },
    MixSpec { package: "F_ADV_U", count: 3, ages: (22, 38), vip: false },
    MixSpec { package: "ELDER", count: 9, ages: (60, 82), vip: false },
    MixSpec { package: "EMPLOY", count: 8, ages: (18, 45), vip: false },
    MixSpec { package: "DRIVER", count: 4, ages: (18, 60), vip: false },
    MixSpec { package: "STUDENT", count: 3, ages: (15, 22), vip: false },
    MixSpec { package: "CARDIO", count: 5, ages: (45, 75), vip: false },
    MixSpec { package: "TUMOR_M", count: 4, ages: (45, 70), vip: false },
    MixSpec { package: "TUMOR_F", count: 3, ages: (45, 68), vip: false },
    MixSpec { package: "GI_SPECIAL", count: 6, ages: (35, 70), vip: false },
    MixSpec { package: "YOUTH", count: 6, ages: (22, 38), vip: false },
    MixSpec { package: "VIP_M", count: 5, ages: (42, 65), vip: true },
    MixSpec { package: "VIP_F", count: 3, ages: (42, 62), vip: true },
];

/// Optional changes offered at booking (加项, 减项, 换项): items to add (their dependencies are
/// added too) and items to remove. One is tried where it fits the package and the person.
pub const CHANGES: &[(&[&str], &[&str])] = &[
    (&["HP_C13"], &[]),
    (&["US_THYROID"], &[]),
    (&["LDCT"], &["DR_CHEST"]),
    (&["MAMMO"], &[]),
    (&["TM_PSA", "TM_FPSA"], &[]),
    (&["GAS_PAINLESS"], &[]),
    (&["LAB_HBA1C"], &[]),
    (&["BMD"], &[]),
    (&[], &["LAB_STOOL"]),
    (&["US_CAROTID"], &[]),
    (&["LAB_THY3"], &[]),
    (&["LAB_THY5"], &["LAB_THY3"]),
    (&["TM_AFP", "TM_CEA"], &[]),
];
