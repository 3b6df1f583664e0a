//! Publishing approval on the report pages: the period's flow panel (status, pending
//! submission, history), the hospital's switch, and their API.

use hops_platform::flow::web::{ApprovalOut, HistoryItem, approval_out, items};

use super::*;
use crate::approval::{self, CONFIGURE};
use crate::model::flow::FLOW;

pub(super) fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Post, "/reports/approval-setting", "设置报告发布是否须经审批", setting_form)
        .api(
            Method::Post,
            "/api/v1/reports/submissions",
            ApiDoc::new("运营报告", "提交发布（须经审批时）")
                .describe("本院开启“报告发布须经审批”后，提交一个已结束周期的报告；由其他有发布权限的人在“待我审批”中通过后发布，驳回则回到未发布。")
                .body::<PublishIn>()
                .returns::<ApprovalOut>()
                .status(201)
                .error(409, "本院无需审批、该周期已发布或已提交待审批")
                .error(422, "周期尚未结束或无效"),
            api_submit,
        )
        .api(
            Method::Put,
            "/api/v1/reports/approval-setting",
            ApiDoc::new("运营报告", "设置报告发布是否须经审批").body::<ApprovalSettingIo>().returns::<ApprovalSettingIo>(),
            api_setting,
        )
}

/// What the report page shows of the period's flow.
pub(super) struct FlowPanel {
    pub approval_required: bool,
    /// Who submitted, when (while pending).
    pub pending: Option<String>,
    pub history: Vec<HistoryItem>,
    pub can_configure: bool,
}

pub(super) async fn panel(access: &hops_platform::Access, range: hops_kernel::PeriodRange) -> Result<FlowPanel> {
    let f = approval::period(access, range).await?;
    Ok(FlowPanel {
        approval_required: f.approval_required,
        pending: f
            .pending
            .map(|a| format!("{} 于 {} 提交发布，等待有发布权限的其他人审批", a.requested_by_name, a.requested_at.format_minute())),
        history: items(&FLOW, &f.history),
        can_configure: access.can(CONFIGURE),
    })
}

#[derive(Deserialize)]
struct SettingForm {
    required: Option<String>,
    period: Option<String>,
    at: Option<String>,
}

async fn setting_form(page: Page, Form(f): Form<SettingForm>) -> PageResult<Response> {
    let access = page.access();
    approval::set_required(access, f.required.is_some()).await?;
    let range = service::parse_range(f.period.as_deref(), f.at.as_deref(), access.now().local_day())?;
    Ok(back(range, "setting"))
}

async fn api_submit(api: Api, Json(body): Json<PublishIn>) -> ApiResult<(StatusCode, Json<ApprovalOut>)> {
    let access = api.access();
    let range = service::parse_range(Some(&body.period), Some(&body.at), access.now().local_day())?;
    let id = approval::submit(access, range, "").await?;
    Ok((StatusCode::CREATED, Json(approval_out(&hops_platform::flow::service::get(access, id).await?))))
}

/// Whether publishing a report needs approval.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ApprovalSettingIo {
    required: bool,
}

async fn api_setting(api: Api, Json(body): Json<ApprovalSettingIo>) -> ApiResult<Json<ApprovalSettingIo>> {
    approval::set_required(api.access(), body.required).await?;
    Ok(Json(ApprovalSettingIo { required: approval::required(api.access()).await? }))
}
