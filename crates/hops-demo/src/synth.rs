//! Deterministic synthetic data for the demo hospital, a 三甲 (tertiary, grade A) hospital in
//! 浙江省杭州市: departments, doctor titles, acquisition channels, and people with realistic
//! Chinese names, ages, checksum-valid identity card numbers and mobile numbers.
//!
//! Pure: every function takes the caller's seeded RNG (e.g. `StdRng::seed_from_u64`) and the
//! current day, and touches no database or clock. The same seed gives the same hospital (for a
//! given `rand` version). Generated people are random, not unique: collisions of identity or
//! phone numbers are rare but possible, and removing them is the caller's job.

use std::ops::RangeInclusive;

use hops_kernel::{COUNTIES, IdCardNumber, LocalDay, Phone, Sex};
use rand::{Rng, RngExt};

/// A department to create, with its number of doctors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeptSpec {
    /// Short stable code, e.g. `CARD`.
    pub code: &'static str,
    /// The department's name.
    pub name: &'static str,
    /// How many doctors to create in it.
    pub doctors: u32,
}

const fn dept(code: &'static str, name: &'static str, doctors: u32) -> DeptSpec {
    DeptSpec { code, name, doctors }
}

/// The departments of the demo hospital (300 doctors in all).
pub const DEPARTMENTS: &[DeptSpec] = &[
    dept("CARD", "心血管内科", 15),
    dept("RESP", "呼吸与危重症医学科", 13),
    dept("GAST", "消化内科", 12),
    dept("ENDO", "内分泌科", 10),
    dept("NEUR", "神经内科", 12),
    dept("NEPH", "肾内科", 9),
    dept("HEMA", "血液科", 8),
    dept("INFE", "感染科", 7),
    dept("GSUR", "普通外科", 16),
    dept("ORTH", "骨科", 15),
    dept("NSUR", "神经外科", 10),
    dept("UROL", "泌尿外科", 10),
    dept("CTSU", "心胸外科", 8),
    dept("GYNE", "妇科", 11),
    dept("OBST", "产科", 11),
    dept("PEDI", "儿科", 14),
    dept("OPHT", "眼科", 9),
    dept("ENT", "耳鼻咽喉头颈外科", 9),
    dept("STOM", "口腔科", 9),
    dept("DERM", "皮肤科", 8),
    dept("TCM", "中医科", 9),
    dept("REHA", "康复医学科", 7),
    dept("ONCO", "肿瘤科", 10),
    dept("PSYC", "精神心理科", 7),
    dept("EMER", "急诊科", 12),
    dept("GENM", "全科医学科", 7),
    dept("ANES", "麻醉科", 10),
    dept("RADI", "放射科", 8),
    dept("LABM", "检验科", 6),
    dept("HMC", "健康管理中心", 8),
];

/// Doctor titles (职称) with relative weights.
pub const TITLES: &[(&str, u32)] = &[("主任医师", 12), ("副主任医师", 23), ("主治医师", 35), ("住院医师", 30)];

/// Patient acquisition channels with relative weights.
pub const CHANNELS: &[(&str, u32)] =
    &[("微信公众号", 34), ("支付宝小程序", 16), ("院内扫码", 20), ("线下义诊", 5), ("医生推荐", 10), ("朋友介绍", 10), ("其他", 5)];

/// Surnames with weights roughly proportional to their frequency (per 10,000 people), nudged
/// towards 浙江 (陈, 吴, 徐, 金, 沈, 叶, 钱, 应 are more common there).
#[rustfmt::skip]
const SURNAMES: &[(&str, u32)] = &[
    ("王", 712), ("李", 680), ("张", 674), ("刘", 480), ("陈", 560), ("杨", 322), ("黄", 245),
    ("赵", 219), ("吴", 260), ("周", 220), ("徐", 190), ("孙", 138), ("马", 129), ("朱", 140),
    ("胡", 135), ("郭", 115), ("何", 114), ("林", 125), ("高", 108), ("罗", 95), ("郑", 97),
    ("梁", 86), ("谢", 88), ("宋", 84), ("唐", 81), ("许", 77), ("韩", 66), ("冯", 70),
    ("邓", 63), ("曹", 62), ("彭", 60), ("曾", 58), ("肖", 56), ("田", 53), ("董", 55),
    ("袁", 50), ("潘", 59), ("于", 48), ("蒋", 57), ("蔡", 46), ("余", 55), ("杜", 44),
    ("叶", 70), ("程", 42), ("苏", 41), ("魏", 40), ("吕", 39), ("丁", 38), ("任", 37),
    ("沈", 66), ("姚", 45), ("卢", 34), ("姜", 33), ("崔", 32), ("钟", 31), ("谭", 30),
    ("陆", 39), ("汪", 40), ("范", 29), ("金", 56), ("石", 28), ("廖", 27), ("贾", 26),
    ("夏", 27), ("韦", 20), ("方", 38), ("白", 21), ("邹", 21), ("孟", 20), ("熊", 19),
    ("秦", 18), ("邱", 20), ("江", 19), ("尹", 16), ("薛", 16), ("段", 14), ("雷", 14),
    ("侯", 13), ("史", 12), ("陶", 14), ("贺", 11), ("顾", 16), ("毛", 14), ("郝", 9),
    ("龚", 10), ("邵", 14), ("万", 8), ("钱", 22), ("严", 10), ("戴", 11), ("孔", 7),
    ("汤", 9), ("应", 12), ("楼", 8), ("章", 12), ("俞", 12), ("屠", 4), ("童", 8),
    ("欧阳", 4), ("司马", 1), ("诸葛", 1), ("上官", 1), ("司徒", 1),
];

/// Given-name characters of one generation and sex: two-character names take one from
/// `first` and one from `second` (志强, 秀英, 梓涵); one-character names take one from `second`.
struct NamePool {
    first: &'static [&'static str],
    second: &'static [&'static str],
}

/// Men's given names by generation: born before 1960, 1960–1994, 1995 on.
#[rustfmt::skip]
const MALE_NAMES: [NamePool; 3] = [
    NamePool {
        first: &["建", "国", "志", "德", "振", "永", "长", "福", "金", "春", "树", "光", "文", "明",
                 "学", "兴", "庆", "宝", "忠", "家"],
        second: &["国", "华", "明", "强", "平", "生", "林", "荣", "根", "昌", "富", "祥", "海", "忠",
                  "发", "山", "泉", "才", "成", "良"],
    },
    NamePool {
        first: &["志", "建", "晓", "永", "国", "文", "海", "立", "振", "新", "明", "俊", "伟", "红",
                 "卫", "小", "东", "春", "宏", "家"],
        second: &["伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "刚", "平", "辉", "鹏", "华",
                  "飞", "波", "峰", "亮", "林", "东", "锋", "剑", "彬", "毅", "明", "龙"],
    },
    NamePool {
        first: &["子", "浩", "宇", "梓", "一", "俊", "博", "睿", "泽", "奕", "嘉", "承", "沐", "景",
                 "铭", "思", "雨", "皓", "逸", "锦"],
        second: &["轩", "宇", "睿", "泽", "辰", "逸", "宸", "然", "皓", "铭", "煜", "晨", "航", "哲",
                  "杰", "瑞", "诚", "阳", "涵", "川"],
    },
];

/// Women's given names by generation: born before 1960, 1960–1994, 1995 on.
#[rustfmt::skip]
const FEMALE_NAMES: [NamePool; 3] = [
    NamePool {
        first: &["秀", "桂", "玉", "凤", "淑", "美", "素", "月", "翠", "金", "彩", "爱", "宝", "菊",
                 "兰", "春", "银", "小", "雪", "惠"],
        second: &["英", "兰", "珍", "芬", "梅", "华", "琴", "娟", "霞", "萍", "莲", "芳", "花", "云",
                  "珠", "娥", "凤", "妹", "仙", "香"],
    },
    NamePool {
        first: &["晓", "丽", "海", "雪", "春", "小", "秀", "美", "文", "佳", "静", "红", "燕", "艳",
                 "慧", "玉", "立", "冬", "思", "婷"],
        second: &["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "颖",
                  "琳", "洁", "倩", "萍", "红", "梅", "莉", "晶", "丹", "璐", "君", "琴", "蕾", "欣",
                  "薇", "虹", "莹", "露"],
    },
    NamePool {
        first: &["子", "梓", "欣", "诗", "雨", "思", "可", "一", "若", "语", "佳", "依", "紫", "馨",
                 "安", "雅", "心", "书", "沐", "芷"],
        second: &["涵", "怡", "萱", "琪", "悦", "彤", "妍", "桐", "曦", "沫", "瑶", "婉", "恩", "诺",
                  "然", "琳", "晴", "宁", "玥", "萌"],
    },
];

/// Characters used in reduplicated women's names (婷婷, 丹丹).
const DOUBLED: &[&str] = &["婷", "丹", "琳", "莹", "晶", "娜", "欣", "倩", "悦", "玲", "燕", "菲", "萍", "露"];

/// Region codes that only existed for part of the time: (code, first birth year, last birth
/// year) of people who can plausibly carry them. New districts (临平区, 钱塘区, …) only appear on
/// numbers issued after they were created; abolished ones (下城区, 富阳市, …) only on numbers
/// issued before.
const REGION_YEARS: &[(u32, i32, i32)] = &[
    (130_602, 2015, 9999), // 保定市竞秀区
    (320_213, 2015, 9999), // 无锡市梁溪区
    (320_214, 2015, 9999), // 无锡市新吴区
    (320_508, 2012, 9999), // 苏州市姑苏区
    (330_103, 0, 2020),    // 杭州市下城区
    (330_104, 0, 2020),    // 杭州市江干区
    (330_111, 2015, 9999), // 杭州市富阳区
    (330_112, 2017, 9999), // 杭州市临安区
    (330_113, 2021, 9999), // 杭州市临平区
    (330_114, 2021, 9999), // 杭州市钱塘区
    (330_183, 0, 2014),    // 杭州市富阳市
    (330_185, 0, 2016),    // 杭州市临安市
    (330_204, 0, 2015),    // 宁波市江东区
    (330_213, 2016, 9999), // 宁波市奉化区
    (330_305, 2015, 9999), // 温州市洞头区
    (330_383, 2019, 9999), // 温州市龙港市
    (330_603, 2013, 9999), // 绍兴市柯桥区
    (330_604, 2013, 9999), // 绍兴市上虞区
    (330_621, 0, 2012),    // 绍兴市绍兴县
    (330_682, 0, 2012),    // 绍兴市上虞市
    (331_083, 2017, 9999), // 台州市玉环市
    (460_202, 2014, 9999), // 三亚市海棠区
];

/// Mobile number prefixes in use (中国移动, 中国联通, 中国电信) with rough shares.
#[rustfmt::skip]
const MOBILE_PREFIXES: &[(u32, u32)] = &[
    // 中国移动
    (134, 4), (135, 6), (136, 6), (137, 6), (138, 8), (139, 8), (147, 1), (150, 4), (151, 4),
    (152, 3), (157, 3), (158, 5), (159, 5), (172, 1), (178, 2), (182, 4), (183, 3), (184, 1),
    (187, 4), (188, 4), (195, 1), (198, 2),
    // 中国联通
    (130, 5), (131, 5), (132, 4), (145, 1), (155, 3), (156, 3), (166, 2), (175, 1), (176, 2),
    (185, 3), (186, 5), (196, 1),
    // 中国电信
    (133, 4), (149, 1), (153, 3), (173, 1), (177, 2), (180, 3), (181, 3), (189, 4), (191, 1),
    (193, 1), (199, 3),
];

/// Relative frequency of patients by age (in years): many middle-aged and elderly, a fair share
/// of children, fewer young adults.
fn patient_age_weight(age: u32) -> u32 {
    match age {
        0..=4 => 12,
        5..=14 => 10,
        15..=24 => 6,
        25..=34 => 12,
        35..=44 => 14,
        45..=54 => 18,
        55..=64 => 20,
        65..=74 => 18,
        75..=84 => 10,
        85..=94 => 4,
        _ => 1,
    }
}

/// A synthetic person (patient or staff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthPerson {
    /// Full name, e.g. 陈建华.
    pub name: String,
    /// Sex; agrees with the identity number.
    pub sex: Sex,
    /// Birth date; agrees with the identity number.
    pub birth: LocalDay,
    /// A checksum-valid identity card number.
    pub id_number: IdCardNumber,
    /// A plausible mobile number.
    pub phone: Phone,
}

/// Total number of doctors over [`DEPARTMENTS`].
pub fn total_doctors() -> u32 {
    DEPARTMENTS.iter().map(|d| d.doctors).sum()
}

/// Picks an item with probability proportional to its weight.
///
/// # Panics
///
/// If `items` is empty or all weights are zero.
pub fn pick_weighted<'a, T, R: Rng + ?Sized>(rng: &mut R, items: &'a [(T, u32)]) -> &'a T {
    let total: u64 = items.iter().map(|&(_, w)| u64::from(w)).sum();
    assert!(total > 0, "pick_weighted needs a positive total weight");
    let mut n = rng.random_range(0..total);
    for (item, w) in items {
        let w = u64::from(*w);
        if n < w {
            return item;
        }
        n -= w;
    }
    unreachable!("n < total")
}

/// A person aged within `ages` (full years on `today`), following a patient-like age
/// distribution. About 52% are women.
///
/// # Panics
///
/// If `ages` is empty or lies entirely before 1900 (identity numbers cannot encode such dates).
pub fn person<R: Rng + ?Sized>(rng: &mut R, today: LocalDay, ages: RangeInclusive<u32>) -> SynthPerson {
    let sex = if rng.random_bool(0.52) { Sex::Female } else { Sex::Male };
    let age = age(rng, today, ages);
    let birth = birth_date(rng, today, age);
    let name = full_name(rng, sex, i32::from(birth.to_date().year()));
    SynthPerson { name, sex, birth, id_number: id_number(rng, sex, birth), phone: mobile(rng) }
}

/// A doctor's name (born 1960–1998; 55% men).
pub fn doctor_name<R: Rng + ?Sized>(rng: &mut R) -> String {
    let sex = if rng.random_bool(0.55) { Sex::Male } else { Sex::Female };
    let birth_year = rng.random_range(1960..=1998);
    full_name(rng, sex, birth_year)
}

/// A Chinese name for someone of `sex` born in `birth_year`: a surname weighted by frequency
/// and a given name of one or two characters typical of that generation.
pub fn full_name<R: Rng + ?Sized>(rng: &mut R, sex: Sex, birth_year: i32) -> String {
    let generation = if birth_year < 1960 {
        0
    } else if birth_year < 1995 {
        1
    } else {
        2
    };
    let pool = match sex {
        Sex::Male => &MALE_NAMES[generation],
        Sex::Female => &FEMALE_NAMES[generation],
    };
    let pick = |rng: &mut R, chars: &[&'static str]| chars[rng.random_range(0..chars.len())];
    let single_char_share = [0.25, 0.35, 0.10][generation];
    let mut name = String::from(*pick_weighted(rng, SURNAMES));
    if rng.random_bool(single_char_share) {
        name.push_str(pick(rng, pool.second));
    } else if sex == Sex::Female && generation > 0 && rng.random_bool(0.04) {
        // 婷婷, 丹丹
        let doubled = pick(rng, DOUBLED);
        name.push_str(doubled);
        name.push_str(doubled);
    } else {
        let first = pick(rng, pool.first);
        let mut second = pick(rng, pool.second);
        while second == first {
            second = pick(rng, pool.second);
        }
        name.push_str(first);
        name.push_str(second);
    }
    name
}

/// A county-level region code for a person of the demo hospital's catchment: about 45% from
/// 杭州, 30% from elsewhere in 浙江, 25% from anywhere in [`COUNTIES`].
pub fn region<R: Rng + ?Sized>(rng: &mut R) -> u32 {
    let roll = rng.random_range(0..100);
    let filter: fn(u32) -> bool = match roll {
        0..45 => |c| c / 100 == 3301,
        45..75 => |c| c / 10_000 == 33 && c / 100 != 3301,
        _ => |_| true,
    };
    let count = COUNTIES.iter().filter(|&&(c, _)| filter(c)).count();
    let k = rng.random_range(0..count);
    COUNTIES.iter().map(|&(c, _)| c).filter(|&c| filter(c)).nth(k).expect("k < count")
}

/// Like [`region`], but only codes that existed when someone born in `birth_year` would have
/// been registered (no 临平区 for people born in 1950, no 下城区 for babies born in 2024).
pub fn region_for_birth_year<R: Rng + ?Sized>(rng: &mut R, birth_year: i32) -> u32 {
    loop {
        let code = region(rng);
        let fits = REGION_YEARS.iter().find(|&&(c, _, _)| c == code).is_none_or(|&(_, from, until)| (from..=until).contains(&birth_year));
        if fits {
            return code;
        }
    }
}

/// A checksum-valid identity number for `sex` and `birth`, from a [`region_for_birth_year`]
/// and a random sequence number of the right parity.
///
/// # Panics
///
/// If `birth` is not between years 1000 and 9999.
pub fn id_number<R: Rng + ?Sized>(rng: &mut R, sex: Sex, birth: LocalDay) -> IdCardNumber {
    let region = region_for_birth_year(rng, i32::from(birth.to_date().year()));
    let seq = match sex {
        Sex::Male => rng.random_range(0..500u16) * 2 + 1,   // 001..=999
        Sex::Female => rng.random_range(0..499u16) * 2 + 2, // 002..=998
    };
    IdCardNumber::generate(region, birth, seq)
}

/// A mobile number with a real operator prefix.
pub fn mobile<R: Rng + ?Sized>(rng: &mut R) -> Phone {
    let prefix = pick_weighted(rng, MOBILE_PREFIXES);
    let rest = rng.random_range(0..100_000_000u32);
    Phone::parse(&format!("{prefix}{rest:08}")).expect("generated numbers are valid")
}

/// An age in `ages` drawn from the patient age distribution, limited to births from 1900 on.
fn age<R: Rng + ?Sized>(rng: &mut R, today: LocalDay, ages: RangeInclusive<u32>) -> u32 {
    let oldest = u32::try_from(i32::from(today.to_date().year()) - 1901).unwrap_or(0);
    let (lo, hi) = (*ages.start(), (*ages.end()).min(oldest));
    assert!(lo <= hi, "no possible age in {ages:?} (births from 1900 on)");
    let weights: Vec<(u32, u32)> = (lo..=hi).map(|a| (a, patient_age_weight(a))).collect();
    *pick_weighted(rng, &weights)
}

/// A uniformly random birth date such that the person is exactly `age` full years old on
/// `today`.
fn birth_date<R: Rng + ?Sized>(rng: &mut R, today: LocalDay, age: u32) -> LocalDay {
    let years_before = |years: u32| -> LocalDay {
        let date = today.to_date();
        let year = i16::try_from(i64::from(date.year()) - i64::from(years)).expect("year in range");
        // 29 February becomes 28 February in a common year.
        let shifted = date.with().year(year).build().or_else(|_| date.with().year(year).day(28).build()).expect("valid date");
        LocalDay::from_date(shifted)
    };
    let latest = years_before(age);
    let earliest = years_before(age + 1).plus_days(1);
    LocalDay(rng.random_range(earliest.0..=latest.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use std::collections::{HashMap, HashSet};

    fn today() -> LocalDay {
        LocalDay::parse("2026-11-22").unwrap()
    }

    #[test]
    fn departments_are_complete_and_unique() {
        assert_eq!(total_doctors(), 300);
        assert!(DEPARTMENTS.len() >= 28);
        let codes: HashSet<_> = DEPARTMENTS.iter().map(|d| d.code).collect();
        let names: HashSet<_> = DEPARTMENTS.iter().map(|d| d.name).collect();
        assert_eq!(codes.len(), DEPARTMENTS.len());
        assert_eq!(names.len(), DEPARTMENTS.len());
        for d in DEPARTMENTS {
            assert!(d.code.bytes().all(|b| b.is_ascii_uppercase()), "{}", d.code);
            assert!(d.doctors >= 5, "{}", d.name);
        }
        for name in ["心血管内科", "儿科", "急诊科", "健康管理中心", "耳鼻咽喉头颈外科"] {
            assert!(names.contains(name), "{name}");
        }
    }

    #[test]
    fn weight_tables_are_sane() {
        for table in [TITLES, CHANNELS, SURNAMES] {
            assert!(table.iter().all(|&(_, w)| w > 0));
            let keys: HashSet<_> = table.iter().map(|&(k, _)| k).collect();
            assert_eq!(keys.len(), table.len());
        }
        let pools = MALE_NAMES.iter().chain(FEMALE_NAMES.iter());
        for chars in pools.flat_map(|p| [p.first, p.second]).chain([DOUBLED]) {
            let unique: HashSet<_> = chars.iter().collect();
            assert_eq!(unique.len(), chars.len(), "{chars:?}");
            assert!(chars.len() >= 10);
        }
        let prefixes: HashSet<_> = MOBILE_PREFIXES.iter().map(|&(p, _)| p).collect();
        assert_eq!(prefixes.len(), MOBILE_PREFIXES.len());
        assert!(MOBILE_PREFIXES.iter().all(|&(p, _)| (130..=199).contains(&p)));
    }

    #[test]
    fn same_seed_same_people() {
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..200).map(|_| person(&mut rng, today(), 0..=100)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let names = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..50).map(|_| doctor_name(&mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(names(1), names(1));
    }

    #[test]
    fn people_are_valid_and_in_range() {
        let mut rng = StdRng::seed_from_u64(42);
        for ages in [0..=100, 18..=65, 0..=0, 3..=3, 60..=130, 100..=125] {
            for _ in 0..500 {
                let p = person(&mut rng, today(), ages.clone());
                let id = IdCardNumber::parse(p.id_number.as_str(), today()).unwrap_or_else(|e| panic!("{}: {e}", p.id_number.masked()));
                assert_eq!(id.sex(), p.sex);
                assert_eq!(id.birth_date(), p.birth);
                let age = id.age_on(today());
                assert!(ages.contains(&age), "age {age} not in {ages:?}");
                assert!(p.birth <= today());
                assert_eq!(Phone::parse(p.phone.as_str()), Ok(p.phone));
                let len = p.name.chars().count();
                assert!((2..=4).contains(&len), "{}", p.name);
            }
        }
    }

    #[test]
    #[should_panic(expected = "no possible age")]
    fn impossible_age_range_panics() {
        let mut rng = StdRng::seed_from_u64(1);
        person(&mut rng, today(), 200..=300);
    }

    #[test]
    fn fifty_thousand_people_rarely_collide() {
        let mut rng = StdRng::seed_from_u64(2026);
        let mut ids = HashSet::new();
        let mut phones = HashSet::new();
        let (mut dup_ids, mut dup_phones, mut zhejiang, mut women, mut elderly, mut children) = (0, 0, 0, 0, 0, 0);
        let mut surnames: HashMap<String, u32> = HashMap::new();
        const N: u32 = 50_000;
        for _ in 0..N {
            let p = person(&mut rng, today(), 0..=100);
            dup_ids += u32::from(!ids.insert(p.id_number));
            dup_phones += u32::from(!phones.insert(p.phone));
            zhejiang += u32::from(p.id_number.region_code() / 10_000 == 33);
            women += u32::from(p.sex == Sex::Female);
            let age = p.id_number.age_on(today());
            elderly += u32::from(age >= 60);
            children += u32::from(age < 15);
            *surnames.entry(p.name.chars().next().unwrap().to_string()).or_default() += 1;
        }
        assert!(dup_ids <= 25, "{dup_ids} duplicate identity numbers");
        assert!(dup_phones <= 5, "{dup_phones} duplicate phones");
        let share = |n: u32| f64::from(n) / f64::from(N);
        assert!((0.70..0.85).contains(&share(zhejiang)), "{}", share(zhejiang));
        assert!((0.49..0.55).contains(&share(women)), "{}", share(women));
        assert!((0.20..0.40).contains(&share(elderly)), "{}", share(elderly));
        assert!((0.08..0.20).contains(&share(children)), "{}", share(children));
        let top = surnames.iter().max_by_key(|&(_, n)| *n).unwrap().0.clone();
        assert!(["王", "李", "张", "陈"].contains(&top.as_str()), "{top}");
    }

    #[test]
    fn names_fit_the_generation() {
        let given = |n: &str| {
            let surnames = SURNAMES.iter().map(|&(s, _)| s).filter(|s| n.starts_with(s));
            let surname = surnames.max_by_key(|s| s.len()).unwrap();
            n[surname.len()..].chars().map(String::from).collect::<Vec<_>>()
        };
        let cases = [(Sex::Female, 1940, &FEMALE_NAMES[0]), (Sex::Male, 2015, &MALE_NAMES[2])];
        let mut rng = StdRng::seed_from_u64(3);
        for (sex, year, pool) in cases {
            for _ in 0..1000 {
                let name = full_name(&mut rng, sex, year);
                let chars = given(&name);
                assert!((1..=2).contains(&chars.len()), "{name}");
                let ok = match chars.as_slice() {
                    [only] => pool.second.contains(&only.as_str()),
                    [a, b] => pool.first.contains(&a.as_str()) && pool.second.contains(&b.as_str()),
                    _ => false,
                };
                assert!(ok, "{name}");
            }
        }
    }

    #[test]
    fn weighted_picks_follow_weights() {
        let mut rng = StdRng::seed_from_u64(9);
        let mut counts: HashMap<&str, u32> = HashMap::new();
        for _ in 0..10_000 {
            *counts.entry(*pick_weighted(&mut rng, TITLES)).or_default() += 1;
        }
        assert!(counts["主治医师"] > counts["主任医师"] * 2);
        let only = [("x", 0), ("y", 5)];
        assert_eq!(*pick_weighted(&mut rng, &only), "y");
    }

    #[test]
    fn regions_favour_hangzhou() {
        let mut rng = StdRng::seed_from_u64(5);
        let hangzhou = (0..10_000).filter(|_| region(&mut rng) / 100 == 3301).count();
        assert!((4_300..5_200).contains(&hangzhou), "{hangzhou}");
    }

    #[test]
    fn region_codes_fit_the_birth_year() {
        let mut rng = StdRng::seed_from_u64(17);
        for &(code, _, _) in REGION_YEARS {
            assert!(COUNTIES.iter().any(|&(c, _)| c == code), "{code} not in COUNTIES");
        }
        for _ in 0..5_000 {
            assert!(![330_113, 330_114].contains(&region_for_birth_year(&mut rng, 1950)));
            assert!(![330_103, 330_183].contains(&region_for_birth_year(&mut rng, 2024)));
        }
    }

    #[test]
    fn births_cover_leap_days() {
        let leap_today = LocalDay::parse("2028-02-29").unwrap();
        let mut rng = StdRng::seed_from_u64(11);
        for age in 0..=8 {
            for _ in 0..50 {
                let birth = birth_date(&mut rng, leap_today, age);
                let id = IdCardNumber::generate(330_106, birth, 1);
                assert_eq!(id.age_on(leap_today), age, "born {birth}");
            }
        }
    }
}
