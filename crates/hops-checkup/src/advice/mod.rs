//! Health questionnaire with add-on recommendations (健康问卷与加项推荐, seed 004): a short
//! questionnaire the hospital writes (questions with their options) and rules in data that map
//! an answer to an item with the reason shown to the person ("吸烟 → 胸部低剂量螺旋 CT：长期吸烟者
//! 肺癌风险高"), optionally only for one sex or an age range. The whole questionnaire is
//! replaced at once and checked whole; recommendations leave out what the person has chosen
//! already or cannot take.

pub mod model;
pub mod service;
pub(crate) mod store;

#[cfg(test)]
mod model_tests;
