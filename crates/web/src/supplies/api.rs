//! Supplies over JSON: consignments, the count at the gate, allocation (with
//! `?preview=true`), coverage, runs, door records and stock movements.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use shouwang_service::supplies as svc;
use shouwang_service::tasks::Claimed;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::api::body;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::security::ClientIp;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub name: String,
    pub unit: String,
    /// 1 to 10,000,000.
    pub quantity: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsignmentInput {
    pub title: String,
    /// government, donation, group_buy or purchase.
    pub source: String,
    /// `YYYY-MM-DD HH:MM` (Beijing) or RFC 3339.
    pub arrived_at: Option<String>,
    pub items: Vec<ItemInput>,
}

impl From<ConsignmentInput> for svc::ConsignmentInput {
    fn from(i: ConsignmentInput) -> Self {
        let ConsignmentInput { title, source, arrived_at, items } = i;
        svc::ConsignmentInput {
            title,
            source,
            arrived_at,
            items: items
                .into_iter()
                .map(|ItemInput { name, unit, quantity }| svc::ItemInput { name, unit, quantity })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemView {
    pub id: Uuid,
    pub name: String,
    pub unit: String,
    pub expected: i64,
    pub received: Option<i64>,
    pub written_off: i64,
    pub per_share: Option<i64>,
    pub allocated: i64,
    pub reserve: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ConsignmentView {
    pub id: Uuid,
    pub community: String,
    pub title: String,
    pub source: String,
    pub source_label: String,
    pub state: String,
    pub state_label: String,
    pub basis: Option<String>,
    pub arrived_at: Option<String>,
    pub items: Vec<ItemView>,
    pub households: i64,
    pub settled: i64,
}

impl From<svc::ConsignmentView> for ConsignmentView {
    fn from(c: svc::ConsignmentView) -> Self {
        let svc::ConsignmentView {
            id,
            community,
            title,
            source,
            source_label,
            state,
            state_label,
            basis,
            arrived_at,
            items,
            households,
            settled,
        } = c;
        ConsignmentView {
            id,
            community,
            title,
            source,
            source_label,
            state,
            state_label,
            basis,
            arrived_at,
            items: items
                .into_iter()
                .map(
                    |svc::ItemView {
                         id,
                         name,
                         unit,
                         expected,
                         received,
                         written_off,
                         per_share,
                         allocated,
                         reserve,
                     }| {
                        ItemView { id, name, unit, expected, received, written_off, per_share, allocated, reserve }
                    },
                )
                .collect(),
            households,
            settled,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: Uuid,
}

#[utoipa::path(get, path = "/api/v1/communities/{code}/consignments", tag = "supplies",
    params(("code" = String, Path, description = "community code")),
    responses((status = 200, body = Vec<ConsignmentView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<ConsignmentView>>, AppError> {
    let o = svc::overview(&state.ctx, &user.actor(None), &code).await?;
    Ok(Json(o.consignments.into_iter().map(ConsignmentView::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/communities/{code}/consignments", tag = "supplies",
    params(("code" = String, Path, description = "community code")), request_body = ConsignmentInput,
    responses((status = 200, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    input: Result<Json<ConsignmentInput>, JsonRejection>,
) -> Result<Json<Created>, AppError> {
    let input: svc::ConsignmentInput = body(input)?.into();
    Ok(Json(Created { id: svc::create_consignment(&state.ctx, &user.actor(peer.text()), &code, &input).await? }))
}

#[derive(Serialize, ToSchema)]
pub struct RunView {
    pub id: Uuid,
    pub building: String,
    pub households: i32,
    pub settled: i64,
    pub group: Option<String>,
    pub holder: Option<String>,
    pub held_by_me: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ConsignmentDetail {
    pub consignment: ConsignmentView,
    pub runs: Vec<RunView>,
}

#[utoipa::path(get, path = "/api/v1/consignments/{id}", tag = "supplies",
    params(("id" = Uuid, Path, description = "consignment id")),
    responses((status = 200, body = ConsignmentDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_consignment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<ConsignmentDetail>, AppError> {
    let d = svc::consignment(&state.ctx, &user.actor(None), id).await?;
    Ok(Json(ConsignmentDetail {
        consignment: d.consignment.into(),
        runs: d
            .runs
            .into_iter()
            .map(|svc::RunView { id, building, households, settled, group, holder, held_by_me }| RunView {
                id,
                building,
                households,
                settled,
                group,
                holder,
                held_by_me,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountInput {
    pub item_id: Uuid,
    pub received: i64,
    #[serde(default)]
    pub written_off: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    /// Items left out are counted as expected.
    pub counts: Vec<CountInput>,
}

#[utoipa::path(post, path = "/api/v1/consignments/{id}/receipt", tag = "supplies",
    params(("id" = Uuid, Path, description = "consignment id")), request_body = ReceiptInput,
    responses((status = 200, body = ConsignmentView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    input: Result<Json<ReceiptInput>, JsonRejection>,
) -> Result<Json<ConsignmentView>, AppError> {
    let counts: Vec<svc::CountInput> = body(input)?
        .counts
        .into_iter()
        .map(|CountInput { item_id, received, written_off }| svc::CountInput { item_id, received, written_off })
        .collect();
    let actor = user.actor(peer.text());
    svc::receive(&state.ctx, &actor, id, &counts).await?;
    Ok(Json(svc::consignment(&state.ctx, &actor, id).await?.consignment.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub item_id: Uuid,
    /// Units per household (per person for `per_person`), 1 to 1,000.
    pub per_share: i64,
    /// Held back for the reserve pool.
    #[serde(default)]
    pub reserve: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationInput {
    /// per_household, per_person or by_need.
    pub basis: String,
    pub items: Vec<RuleInput>,
    /// Only the households of these compounds (left out: the whole community).
    #[serde(default)]
    pub compounds: Vec<Uuid>,
}

#[derive(Deserialize, IntoParams)]
pub struct PreviewQuery {
    /// true: answer what the allocation would do and store nothing.
    #[serde(default)]
    pub preview: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ItemPreview {
    pub item_id: Uuid,
    pub name: String,
    pub unit: String,
    pub received: i64,
    pub written_off: i64,
    pub allocated: i64,
    pub reserve: i64,
    pub short: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AllocationPreview {
    pub households: usize,
    /// (building, households)
    pub runs: Vec<(String, usize)>,
    pub items: Vec<ItemPreview>,
}

#[utoipa::path(post, path = "/api/v1/consignments/{id}/allocation", tag = "supplies",
    params(("id" = Uuid, Path, description = "consignment id"), PreviewQuery), request_body = AllocationInput,
    responses((status = 200, body = AllocationPreview), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn allocate(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    Query(q): Query<PreviewQuery>,
    input: Result<Json<AllocationInput>, JsonRejection>,
) -> Result<Json<AllocationPreview>, AppError> {
    let AllocationInput { basis, items, compounds } = body(input)?;
    let input = svc::AllocationInput {
        basis,
        compounds,
        items: items
            .into_iter()
            .map(|RuleInput { item_id, per_share, reserve }| svc::RuleInput { item_id, per_share, reserve })
            .collect(),
    };
    let actor = user.actor(peer.text());
    let p = if q.preview {
        svc::preview_allocation(&state.ctx, &actor, id, &input).await?
    } else {
        svc::allocate(&state.ctx, &actor, id, &input).await?
    };
    let svc::AllocationPreview { households, runs, items } = p;
    Ok(Json(AllocationPreview {
        households,
        runs,
        items: items
            .into_iter()
            .map(|svc::ItemPreview { item_id, name, unit, received, written_off, allocated, reserve, short }| {
                ItemPreview { item_id, name, unit, received, written_off, allocated, reserve, short }
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CoverageRow {
    pub building: String,
    /// Empty for an account that may not see rooms.
    pub room: String,
    pub status_label: String,
    pub in_need: bool,
    pub run_id: Uuid,
    pub group: Option<String>,
    pub waited_hours: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Coverage {
    pub consignment_id: Uuid,
    pub consignment: String,
    pub total: i64,
    pub settled: i64,
    pub by_building: Vec<(String, usize)>,
    pub rows: Vec<CoverageRow>,
}

#[utoipa::path(get, path = "/api/v1/consignments/{id}/coverage", tag = "supplies",
    params(("id" = Uuid, Path, description = "consignment id")),
    responses((status = 200, body = Coverage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn coverage(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<Coverage>, AppError> {
    let svc::Coverage { consignment_id, consignment, community: _, total, settled, by_building, rows } =
        svc::coverage(&state.ctx, &user.actor(None), id).await?;
    Ok(Json(Coverage {
        consignment_id,
        consignment,
        total,
        settled,
        by_building,
        rows: rows
            .into_iter()
            .map(|svc::CoverageRow { building, room, status_label, in_need, run_id, group, waited_hours }| {
                CoverageRow { building, room, status_label, in_need, run_id, group, waited_hours }
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct DoorView {
    pub delivery_id: Uuid,
    pub household_id: Uuid,
    pub room: String,
    pub name: String,
    pub phone: String,
    pub status: String,
    pub status_label: String,
    pub settled: bool,
    pub in_need: bool,
    pub shares: String,
    pub floor: String,
}

#[derive(Serialize, ToSchema)]
pub struct RunSheet {
    pub id: Uuid,
    pub consignment_id: Uuid,
    pub consignment: String,
    pub building: String,
    pub group: Option<String>,
    pub holder: Option<String>,
    pub held_by_me: bool,
    pub visible: bool,
    pub can_record: bool,
    pub households: usize,
    pub settled: usize,
    pub doors: Vec<DoorView>,
}

#[utoipa::path(get, path = "/api/v1/delivery-runs/{id}", tag = "supplies",
    params(("id" = Uuid, Path, description = "run id")),
    responses((status = 200, body = RunSheet), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<RunSheet>, AppError> {
    let r = svc::run_sheet(&state.ctx, &user.actor(None), id).await?;
    let mut doors = Vec::new();
    for f in r.floors {
        for d in f.doors {
            let svc::DoorView {
                delivery_id,
                household_id,
                room,
                name,
                phone,
                status,
                status_label,
                settled,
                in_need,
                shares,
                code: _,
            } = d;
            doors.push(DoorView {
                delivery_id,
                household_id,
                room,
                name,
                phone,
                status,
                status_label,
                settled,
                in_need,
                shares,
                floor: f.label.clone(),
            });
        }
    }
    Ok(Json(RunSheet {
        id: r.id,
        consignment_id: r.consignment_id,
        consignment: r.consignment,
        building: r.building,
        group: r.group,
        holder: r.holder,
        held_by_me: r.held_by_me,
        visible: r.visible,
        can_record: r.can_record,
        households: r.households,
        settled: r.settled,
        doors,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ClaimResult {
    pub held: bool,
    /// RFC 3339: until when the run is held (by the caller, or by someone else).
    pub until: String,
}

#[utoipa::path(post, path = "/api/v1/delivery-runs/{id}/claim", tag = "supplies",
    params(("id" = Uuid, Path, description = "run id")),
    responses((status = 200, body = ClaimResult), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn claim_run(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Json<ClaimResult>, AppError> {
    let rfc = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    Ok(Json(match svc::claim_run(&state.ctx, &user.actor(peer.text()), id).await? {
        Claimed::Held { claim, .. } => ClaimResult { held: true, until: rfc(claim.expires_at) },
        Claimed::Taken { until } => ClaimResult { held: false, until: rfc(until) },
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoorInput {
    /// The household, or `code`: what its QR code carries, or its room.
    pub household_id: Option<Uuid>,
    pub code: Option<String>,
    /// delivered, nobody_home, refused or wrong_address.
    pub outcome: String,
    /// 8 to 64 letters, digits, `-` or `_`, made once per record by the
    /// client; sending it again (a retry, the offline queue) changes nothing.
    pub key: String,
}

#[derive(Serialize, ToSchema)]
pub struct DoorRecorded {
    pub room: String,
    pub status: String,
    pub status_label: String,
    pub repeated: bool,
}

#[utoipa::path(post, path = "/api/v1/delivery-runs/{id}/doors", tag = "supplies",
    params(("id" = Uuid, Path, description = "run id")), request_body = DoorInput,
    responses((status = 200, body = DoorRecorded), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_door(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(id): Path<Uuid>,
    input: Result<Json<DoorInput>, JsonRejection>,
) -> Result<Json<DoorRecorded>, AppError> {
    let DoorInput { household_id, code, outcome, key } = body(input)?;
    let input = svc::DoorInput { household_id, code, outcome, key };
    let svc::DoorRecorded { room, status, status_label, repeated } =
        svc::record_door(&state.ctx, &user.actor(peer.text()), id, &input).await?;
    Ok(Json(DoorRecorded { room, status, status_label, repeated }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockInput {
    /// reserve or shelf.
    pub place: String,
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    /// true: into the stock; false: taken out.
    pub into: bool,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct StockLeft {
    pub on_hand: i64,
}

#[utoipa::path(post, path = "/api/v1/communities/{code}/stock-movements", tag = "supplies",
    params(("code" = String, Path, description = "community code")), request_body = StockInput,
    responses((status = 200, body = StockLeft), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn move_stock(
    State(state): State<AppState>,
    user: CurrentUser,
    peer: ClientIp,
    Path(code): Path<String>,
    input: Result<Json<StockInput>, JsonRejection>,
) -> Result<Json<StockLeft>, AppError> {
    let StockInput { place, item, unit, quantity, into, reason } = body(input)?;
    let input = svc::StockInput { place, item, unit, quantity, into, reason };
    Ok(Json(StockLeft { on_hand: svc::move_stock(&state.ctx, &user.actor(peer.text()), &code, &input).await? }))
}
