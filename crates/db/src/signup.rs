//! Sign-up sheets (接龙): never oversold, nobody twice, strict order of arrival.
//!
//! A join runs in one write transaction of three statements on the sheet's
//! row and one insert: take an arrival number (`arrivals + 1`), then try to
//! take a place with a single conditional UPDATE (`confirmed < capacity`, the
//! quantity still fits, nobody is waiting ahead), then insert the entry.
//! The first UPDATE locks the sheet's row on PostgreSQL until commit, and
//! SQLite runs one write transaction at a time, so on both backends and
//! across any number of app instances the joins to one sheet are serialised
//! at the row, never checked-then-inserted. The unique (sheet, volunteer)
//! index makes a retried join return the first one; a CHECK keeps
//! `confirmed <= capacity` in the database itself.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shouwang_domain::signup::EntryStatus;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entity::{signup_entry, signup_sheet, volunteer};
use crate::{Db, DbError, now};

/// A new sheet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewSheet {
    pub title: String,
    pub note: Option<String>,
    pub unit: Option<String>,
    pub capacity: i32,
    pub quantity_max: Option<i32>,
    pub quantity_total: Option<i32>,
    pub deadline: Option<OffsetDateTime>,
    pub skill: Option<String>,
    pub kind: Option<String>,
    pub group_id: Option<Uuid>,
}

pub async fn create_sheet(
    db: &Db,
    community_id: Uuid,
    new: NewSheet,
    share_token: String,
    by: Option<Uuid>,
    entry: crate::audit::Entry,
) -> Result<signup_sheet::Model, DbError> {
    let title = shouwang_domain::text::normalize(&new.title);
    if title.is_empty() || title.chars().count() > 200 {
        return Err(DbError::invalid("接龙标题不能为空，最多200字", "a sheet needs a title of at most 200 characters"));
    }
    if !(1..=10_000).contains(&new.capacity) {
        return Err(DbError::invalid("名额应在1到10000之间", "the capacity must be 1 to 10,000"));
    }
    if new.quantity_max.is_some_and(|q| q < 1) || new.quantity_total.is_some_and(|q| q < 1) {
        return Err(DbError::invalid("数量上限至少为1", "quantity limits are at least 1"));
    }
    let model = signup_sheet::Model {
        id: Uuid::now_v7(),
        community_id,
        group_id: new.group_id,
        title,
        note: new.note,
        unit: new.unit,
        capacity: new.capacity,
        quantity_max: new.quantity_max,
        quantity_total: new.quantity_total,
        deadline: new.deadline,
        skill: new.skill,
        kind: new.kind,
        share_token,
        arrivals: 0,
        confirmed: 0,
        quantity_confirmed: 0,
        created_by: by,
        created_at: now(),
        closed_at: None,
    };
    let tx = db.begin_write().await?;
    signup_sheet::Entity::insert(signup_sheet::ActiveModel::from(model.clone())).exec_without_returning(&tx).await?;
    crate::audit::append(&tx, crate::audit::Entry { target_id: Some(model.id.to_string()), ..entry }).await?;
    tx.commit().await?;
    Ok(model)
}

pub async fn sheet_by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<signup_sheet::Model>, DbError> {
    Ok(signup_sheet::Entity::find_by_id(id).one(conn).await?)
}

pub async fn sheet_by_token(conn: &impl ConnectionTrait, token: &str) -> Result<Option<signup_sheet::Model>, DbError> {
    Ok(signup_sheet::Entity::find().filter(signup_sheet::Column::ShareToken.eq(token)).one(conn).await?)
}

pub async fn sheets_of_community(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
) -> Result<Vec<signup_sheet::Model>, DbError> {
    Ok(signup_sheet::Entity::find()
        .filter(signup_sheet::Column::CommunityId.eq(community_id))
        .order_by_desc(signup_sheet::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Where a join left the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Joined {
    pub entry_id: Uuid,
    pub status: EntryStatus,
    /// Arrival number on the sheet (1 = first).
    pub seq: i32,
    /// This join had been made before (a retry): nothing changed.
    pub repeated: bool,
}

fn closed_error() -> DbError {
    DbError::invalid("接龙已截止或已关闭", "the sheet has closed or its deadline has passed")
}

/// Adds a volunteer to a sheet: confirmed while places remain, else on the
/// waiting list, in order of arrival. A repeated join returns the first.
pub async fn join(db: &Db, sheet_id: Uuid, volunteer_id: Uuid, quantity: i32) -> Result<Joined, DbError> {
    if quantity < 1 {
        return Err(DbError::invalid("数量至少为1", "the quantity is at least 1"));
    }
    // A retry of a join that went through: answer without taking a number.
    if let Some(e) = entry_of(&db.read, sheet_id, volunteer_id).await?
        && e.status != EntryStatus::Withdrawn.code()
    {
        return Ok(existing(&e));
    }
    let tx = db.begin_write().await?;
    let at = now();
    // 1. An arrival number; this UPDATE also locks the sheet's row (PostgreSQL).
    let open = signup_sheet::Entity::update_many()
        .col_expr(signup_sheet::Column::Arrivals, Expr::col(signup_sheet::Column::Arrivals).add(1))
        .filter(signup_sheet::Column::Id.eq(sheet_id))
        .filter(signup_sheet::Column::ClosedAt.is_null())
        .filter(signup_sheet::Column::Deadline.is_null().or(signup_sheet::Column::Deadline.gt(at)))
        .exec(&tx)
        .await?;
    if open.rows_affected == 0 {
        return Err(match sheet_by_id(&tx, sheet_id).await? {
            None => DbError::NotFound { what: "sheet", key: sheet_id.to_string() },
            Some(_) => closed_error(),
        });
    }
    let sheet = sheet_by_id(&tx, sheet_id)
        .await?
        .ok_or_else(|| DbError::NotFound { what: "sheet", key: sheet_id.to_string() })?;
    if sheet.quantity_max.is_some_and(|m| quantity > m) {
        return Err(DbError::invalid(
            format!("每人最多{}{}", sheet.quantity_max.unwrap_or(1), sheet.unit.as_deref().unwrap_or("")),
            format!("at most {} per person", sheet.quantity_max.unwrap_or(1)),
        ));
    }
    // The row is ours now: within this transaction nobody else moves it.
    if let Some(e) = entry_of(&tx, sheet_id, volunteer_id).await?
        && e.status != EntryStatus::Withdrawn.code()
    {
        return Ok(existing(&e));
    }
    let seq = sheet.arrivals;
    // 2. A place, if one is free and nobody waits ahead: one conditional UPDATE.
    let took = signup_sheet::Entity::update_many()
        .col_expr(signup_sheet::Column::Confirmed, Expr::col(signup_sheet::Column::Confirmed).add(1))
        .col_expr(
            signup_sheet::Column::QuantityConfirmed,
            Expr::col(signup_sheet::Column::QuantityConfirmed).add(quantity),
        )
        .filter(signup_sheet::Column::Id.eq(sheet_id))
        .filter(Expr::col(signup_sheet::Column::Confirmed).lt(Expr::col(signup_sheet::Column::Capacity)))
        .filter(
            signup_sheet::Column::QuantityTotal.is_null().or(Expr::col(signup_sheet::Column::QuantityConfirmed)
                .add(quantity)
                .lte(Expr::col(signup_sheet::Column::QuantityTotal))),
        )
        .filter(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(signup_entry::Entity)
                    .and_where(Expr::col(signup_entry::Column::SheetId).eq(sheet_id))
                    .and_where(Expr::col(signup_entry::Column::Status).eq(EntryStatus::Waiting.code()))
                    .to_owned(),
            )
            .not(),
        )
        .exec(&tx)
        .await?;
    let status = if took.rows_affected == 1 { EntryStatus::Confirmed } else { EntryStatus::Waiting };
    // 3. The entry: a fresh row, or the old row of someone who withdrew and came back.
    let prior = entry_of(&tx, sheet_id, volunteer_id).await?;
    let entry_id = match prior {
        Some(old) => {
            signup_entry::Entity::update_many()
                .col_expr(signup_entry::Column::Seq, Expr::value(seq))
                .col_expr(signup_entry::Column::Quantity, Expr::value(quantity))
                .col_expr(signup_entry::Column::Status, Expr::value(status.code()))
                .col_expr(signup_entry::Column::UpdatedAt, Expr::value(at))
                .col_expr(signup_entry::Column::PromotedAt, Expr::value(Option::<OffsetDateTime>::None))
                .filter(signup_entry::Column::Id.eq(old.id))
                .exec(&tx)
                .await?;
            old.id
        }
        None => {
            let id = Uuid::now_v7();
            signup_entry::Entity::insert(signup_entry::ActiveModel::from(signup_entry::Model {
                id,
                sheet_id,
                volunteer_id,
                seq,
                quantity,
                status: status.code().to_string(),
                created_at: at,
                updated_at: at,
                promoted_at: None,
            }))
            .exec_without_returning(&tx)
            .await?;
            id
        }
    };
    tx.commit().await?;
    Ok(Joined { entry_id, status, seq, repeated: false })
}

fn existing(e: &signup_entry::Model) -> Joined {
    Joined {
        entry_id: e.id,
        status: EntryStatus::from_code(&e.status).unwrap_or(EntryStatus::Waiting),
        seq: e.seq,
        repeated: true,
    }
}

async fn entry_of(
    conn: &impl ConnectionTrait,
    sheet_id: Uuid,
    volunteer_id: Uuid,
) -> Result<Option<signup_entry::Model>, DbError> {
    Ok(signup_entry::Entity::find()
        .filter(signup_entry::Column::SheetId.eq(sheet_id))
        .filter(signup_entry::Column::VolunteerId.eq(volunteer_id))
        .one(conn)
        .await?)
}

/// Takes a volunteer off a sheet before its deadline. Their place goes to the
/// waiting list in order of arrival, as many as now fit; the promoted
/// volunteers are returned (to be told).
pub async fn withdraw(db: &Db, sheet_id: Uuid, volunteer_id: Uuid) -> Result<Vec<Uuid>, DbError> {
    let tx = db.begin_write().await?;
    let at = now();
    // Lock the sheet first, like a join, so joins and withdrawals queue at one row.
    let open = signup_sheet::Entity::update_many()
        .col_expr(signup_sheet::Column::Arrivals, Expr::col(signup_sheet::Column::Arrivals))
        .filter(signup_sheet::Column::Id.eq(sheet_id))
        .filter(signup_sheet::Column::ClosedAt.is_null())
        .filter(signup_sheet::Column::Deadline.is_null().or(signup_sheet::Column::Deadline.gt(at)))
        .exec(&tx)
        .await?;
    if open.rows_affected == 0 {
        return Err(closed_error());
    }
    let Some(entry) = entry_of(&tx, sheet_id, volunteer_id).await? else { return Ok(Vec::new()) };
    if entry.status == EntryStatus::Withdrawn.code() {
        return Ok(Vec::new());
    }
    signup_entry::Entity::update_many()
        .col_expr(signup_entry::Column::Status, Expr::value(EntryStatus::Withdrawn.code()))
        .col_expr(signup_entry::Column::UpdatedAt, Expr::value(at))
        .filter(signup_entry::Column::Id.eq(entry.id))
        .exec(&tx)
        .await?;
    if entry.status == EntryStatus::Confirmed.code() {
        signup_sheet::Entity::update_many()
            .col_expr(signup_sheet::Column::Confirmed, Expr::col(signup_sheet::Column::Confirmed).sub(1))
            .col_expr(
                signup_sheet::Column::QuantityConfirmed,
                Expr::col(signup_sheet::Column::QuantityConfirmed).sub(entry.quantity),
            )
            .filter(signup_sheet::Column::Id.eq(sheet_id))
            .exec(&tx)
            .await?;
    }
    let mut promoted = Vec::new();
    // Strict order: the first waiting person moves up, or nobody does.
    loop {
        let Some(next) = signup_entry::Entity::find()
            .filter(signup_entry::Column::SheetId.eq(sheet_id))
            .filter(signup_entry::Column::Status.eq(EntryStatus::Waiting.code()))
            .order_by_asc(signup_entry::Column::Seq)
            .one(&tx)
            .await?
        else {
            break;
        };
        let took = signup_sheet::Entity::update_many()
            .col_expr(signup_sheet::Column::Confirmed, Expr::col(signup_sheet::Column::Confirmed).add(1))
            .col_expr(
                signup_sheet::Column::QuantityConfirmed,
                Expr::col(signup_sheet::Column::QuantityConfirmed).add(next.quantity),
            )
            .filter(signup_sheet::Column::Id.eq(sheet_id))
            .filter(Expr::col(signup_sheet::Column::Confirmed).lt(Expr::col(signup_sheet::Column::Capacity)))
            .filter(
                signup_sheet::Column::QuantityTotal.is_null().or(Expr::col(signup_sheet::Column::QuantityConfirmed)
                    .add(next.quantity)
                    .lte(Expr::col(signup_sheet::Column::QuantityTotal))),
            )
            .exec(&tx)
            .await?;
        if took.rows_affected == 0 {
            break;
        }
        signup_entry::Entity::update_many()
            .col_expr(signup_entry::Column::Status, Expr::value(EntryStatus::Confirmed.code()))
            .col_expr(signup_entry::Column::PromotedAt, Expr::value(at))
            .col_expr(signup_entry::Column::UpdatedAt, Expr::value(at))
            .filter(signup_entry::Column::Id.eq(next.id))
            .exec(&tx)
            .await?;
        promoted.push(next.volunteer_id);
    }
    tx.commit().await?;
    Ok(promoted)
}

/// The sheet's people in order of arrival, with their names.
pub async fn entries(
    conn: &impl ConnectionTrait,
    sheet_id: Uuid,
) -> Result<Vec<(signup_entry::Model, String)>, DbError> {
    let rows = signup_entry::Entity::find()
        .filter(signup_entry::Column::SheetId.eq(sheet_id))
        .order_by_asc(signup_entry::Column::Seq)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.volunteer_id).collect();
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(Uuid, String)> = volunteer::Entity::find()
            .select_only()
            .column(volunteer::Column::Id)
            .column(volunteer::Column::Name)
            .filter(volunteer::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        names.extend(found);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let name = names.get(&r.volunteer_id).cloned().unwrap_or_default();
            (r, name)
        })
        .collect())
}
