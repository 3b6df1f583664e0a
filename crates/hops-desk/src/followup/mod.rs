//! Follow-up (回访, seeds 001 患者回访 and 002 十二 重点患者): plans say whom to call (after a
//! consultation, after a checkup, key patients), when, with which script and questionnaire and
//! how often to retry; generation turns them into call tasks, once per plan and event; agents
//! work the tasks (outcome codes, retries, opt-outs) and record satisfaction questionnaires,
//! whose results are figured per doctor and department. The questionnaires and their answers live
//! in the platform's forms engine ([`surveys`]).

pub mod calls;
pub mod model;
pub mod questionnaire;
pub mod service;
pub(crate) mod store;
pub mod surveys;
