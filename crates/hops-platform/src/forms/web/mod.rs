//! Forms in the console and the API (系统管理 → 问卷): the list, the editor with a preview, trying
//! a form out, the answers and their export; and the H5 renderer ([`h5`]) for any module's
//! patient pages.

mod api;
pub mod h5;
mod pages;

pub use h5::{H5Form, raw_answers};

use crate::accounts::model::Permission;
use crate::web::Param;
use crate::web::routes::{ApiDoc, Method, Routes, Scope};
use crate::web::shell::{NavItem, Section};

const TAG: &str = "问卷";

pub fn nav() -> Vec<NavItem> {
    vec![NavItem { section: Section::System, label: "问卷", href: "/forms", permission: Permission::FormsManage }]
}

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/forms", "问卷", pages::list)
        .page(Method::Get, "/forms/new", "新建问卷", pages::new_form)
        .page(Method::Post, "/forms/new", "创建问卷", pages::create)
        .page(Method::Get, "/forms/{form_id}", "问卷编辑与预览", pages::form_page)
        .page(Method::Post, "/forms/{form_id}", "保存问卷", pages::save)
        .page(Method::Get, "/forms/{form_id}/try", "试填问卷（不保存）", pages::try_page)
        .api(Method::Get, "/api/v1/forms", ApiDoc::new(TAG, "问卷列表（含各模块维护的问卷）").returns::<Vec<api::FormOut>>(), api::list)
        .api(
            Method::Post,
            "/api/v1/forms",
            ApiDoc::new(TAG, "新建问卷")
                .describe(
                    "题型 kind：single（单选）| multiple（多选）| scale（评分，min–max 整数）| number（数值，可设 min、max、unit、decimals）\
                     | text（文本）| date（日期，earliest、latest 为 YYYY-MM-DD 或 today）。condition 只能引用此前的问题，\
                     如「smoking = 吸烟 且 age >= 40」。scoring：none | sum（总分）| mean（平均分），bands 为结果分级。\
                     所有问题一次返回 422，不做任何改变。",
                )
                .body::<api::FormIn>()
                .returns::<api::FormDetailOut>()
                .status(201),
            api::create,
        )
        .api(
            Method::Get,
            "/api/v1/forms/{form_id}",
            ApiDoc::new(TAG, "问卷内容（默认当前版本）").query_as("version", Param::Int { min: 1 }, "版本号，查看历史版本").returns::<api::FormDetailOut>(),
            api::get,
        )
        .api(
            Method::Put,
            "/api/v1/forms/{form_id}",
            ApiDoc::new(TAG, "修改问卷")
                .describe("当前版本已有回答时，修改发布为新版本，已有回答仍按原版本保存；尚无回答时直接修改当前版本；内容未变则版本不变。")
                .body::<api::FormIn>()
                .returns::<api::FormDetailOut>()
                .error(409, "问卷由其他模块维护（如回访满意度问卷、体检健康问卷），请在该模块中修改"),
            api::update,
        )
        .scope(Scope::AllPeople)
        .page(Method::Get, "/forms/{form_id}/responses", "问卷回答", pages::responses)
        .page(Method::Get, "/forms/{form_id}/responses.xlsx", "导出问卷回答", pages::export)
        .api(
            Method::Get,
            "/api/v1/forms/{form_id}/responses",
            ApiDoc::new(TAG, "问卷回答（新的在前）")
                .describe("回答属个人信息：仅全院数据范围的账号可查看；对象以编号引用（patient:<id>、checkup_person:<id>），不含姓名与号码。")
                .query_as("page", Param::PAGE, "页码（每页 50 条）")
                .returns::<api::ResponsePage>(),
            api::responses,
        )
}
