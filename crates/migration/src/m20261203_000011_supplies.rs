//! Supplies to every door (SPEC §4.5): consignments and their item lines,
//! one delivery run per consignment and building, one delivery per
//! consignment and household (its status is the last word from the door or
//! from the household), the units of each item that household gets, every
//! confirmation with the client's idempotency key (a retried one is a
//! duplicate key, not a second event), and the movements of the reserve
//! pool and the sharing shelf. All of it belongs to an incident.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Incident {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Household {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum VolunteerGroup {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Consignment {
    Table,
    Id,
    CommunityId,
    IncidentId,
    Title,
    Source,
    State,
    Basis,
    ArrivedAt,
    ReceivedAt,
    AllocatedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConsignmentItem {
    Table,
    Id,
    ConsignmentId,
    IncidentId,
    Position,
    Name,
    Unit,
    Expected,
    Received,
    WrittenOff,
    PerShare,
    Reserve,
    Allocated,
}

#[derive(DeriveIden)]
enum DeliveryRun {
    Table,
    Id,
    ConsignmentId,
    CommunityId,
    IncidentId,
    BuildingId,
    GroupId,
    Households,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Delivery {
    Table,
    Id,
    ConsignmentId,
    RunId,
    HouseholdId,
    IncidentId,
    Status,
    InNeed,
    DeliveredOnce,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum DeliveryShare {
    Table,
    DeliveryId,
    ItemId,
    IncidentId,
    Quantity,
}

#[derive(DeriveIden)]
enum DeliveryEvent {
    Table,
    Id,
    DeliveryId,
    IncidentId,
    IdempotencyKey,
    Status,
    ByKind,
    ByName,
    VolunteerId,
    At,
}

#[derive(DeriveIden)]
enum StockMovement {
    Table,
    Id,
    CommunityId,
    IncidentId,
    Place,
    Item,
    Unit,
    Quantity,
    Reason,
    ConsignmentId,
    ByName,
    At,
}

const SOURCES: [&str; 4] = ["government", "donation", "group_buy", "purchase"];
const STATES: [&str; 3] = ["expected", "received", "allocated"];
const BASES: [&str; 3] = ["per_household", "per_person", "by_need"];
const STATUSES: [&str; 7] =
    ["pending", "delivered", "nobody_home", "refused", "wrong_address", "received", "not_received"];
const MAX_UNITS: i64 = 10_000_000;

fn incident_fk(name: &str, table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    fk(name, (table, col), (Incident::Table, Incident::Id), ForeignKeyAction::Restrict)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Consignment::Table)
                    .col(pk_uuid(Consignment::Id))
                    .col(uuid(Consignment::CommunityId))
                    .col(uuid(Consignment::IncidentId))
                    .col(string_len(Consignment::Title, 120))
                    .col(string_len(Consignment::Source, 16).check(Expr::col(Consignment::Source).is_in(SOURCES)))
                    .col(string_len(Consignment::State, 16).check(Expr::col(Consignment::State).is_in(STATES)))
                    .col(string_len_null(Consignment::Basis, 16).check(Expr::col(Consignment::Basis).is_in(BASES)))
                    .col(timestamp_with_time_zone_null(Consignment::ArrivedAt))
                    .col(timestamp_with_time_zone_null(Consignment::ReceivedAt))
                    .col(timestamp_with_time_zone_null(Consignment::AllocatedAt))
                    .col(string_len(Consignment::CreatedBy, 64))
                    .col(timestamp_with_time_zone(Consignment::CreatedAt))
                    .col(timestamp_with_time_zone(Consignment::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_consignment_community",
                        (Consignment::Table, Consignment::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut incident_fk(
                        "fk_consignment_incident",
                        Consignment::Table,
                        Consignment::IncidentId,
                    ))
                    .to_owned(),
            )
            .await?;
        let units = |c: ConsignmentItem, min: i64| Expr::col(c).between(min, MAX_UNITS);
        manager
            .create_table(
                Table::create()
                    .table(ConsignmentItem::Table)
                    .col(pk_uuid(ConsignmentItem::Id))
                    .col(uuid(ConsignmentItem::ConsignmentId))
                    .col(uuid(ConsignmentItem::IncidentId))
                    .col(integer(ConsignmentItem::Position))
                    .col(string_len(ConsignmentItem::Name, 120))
                    .col(string_len(ConsignmentItem::Unit, 32))
                    .col(big_integer(ConsignmentItem::Expected).check(units(ConsignmentItem::Expected, 1)))
                    .col(big_integer_null(ConsignmentItem::Received).check(units(ConsignmentItem::Received, 0)))
                    .col(
                        big_integer(ConsignmentItem::WrittenOff)
                            .default(0)
                            .check(units(ConsignmentItem::WrittenOff, 0)),
                    )
                    .col(
                        big_integer_null(ConsignmentItem::PerShare)
                            .check(Expr::col(ConsignmentItem::PerShare).between(1, 1000)),
                    )
                    .col(big_integer(ConsignmentItem::Reserve).default(0).check(units(ConsignmentItem::Reserve, 0)))
                    .col(big_integer(ConsignmentItem::Allocated).default(0).check(units(ConsignmentItem::Allocated, 0)))
                    .foreign_key(&mut fk(
                        "fk_consignment_item_consignment",
                        (ConsignmentItem::Table, ConsignmentItem::ConsignmentId),
                        (Consignment::Table, Consignment::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut incident_fk(
                        "fk_consignment_item_incident",
                        ConsignmentItem::Table,
                        ConsignmentItem::IncidentId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeliveryRun::Table)
                    .col(pk_uuid(DeliveryRun::Id))
                    .col(uuid(DeliveryRun::ConsignmentId))
                    .col(uuid(DeliveryRun::CommunityId))
                    .col(uuid(DeliveryRun::IncidentId))
                    .col(uuid(DeliveryRun::BuildingId))
                    .col(uuid_null(DeliveryRun::GroupId))
                    .col(integer(DeliveryRun::Households))
                    .col(timestamp_with_time_zone(DeliveryRun::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_delivery_run_consignment",
                        (DeliveryRun::Table, DeliveryRun::ConsignmentId),
                        (Consignment::Table, Consignment::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_delivery_run_community",
                        (DeliveryRun::Table, DeliveryRun::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_delivery_run_building",
                        (DeliveryRun::Table, DeliveryRun::BuildingId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_delivery_run_group",
                        (DeliveryRun::Table, DeliveryRun::GroupId),
                        (VolunteerGroup::Table, VolunteerGroup::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut incident_fk(
                        "fk_delivery_run_incident",
                        DeliveryRun::Table,
                        DeliveryRun::IncidentId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Delivery::Table)
                    .col(pk_uuid(Delivery::Id))
                    .col(uuid(Delivery::ConsignmentId))
                    .col(uuid(Delivery::RunId))
                    .col(uuid(Delivery::HouseholdId))
                    .col(uuid(Delivery::IncidentId))
                    .col(string_len(Delivery::Status, 16).check(Expr::col(Delivery::Status).is_in(STATUSES)))
                    .col(boolean(Delivery::InNeed).default(false))
                    // The delivery's ledger entries are written once, the first time it is delivered.
                    .col(boolean(Delivery::DeliveredOnce).default(false))
                    .col(timestamp_with_time_zone(Delivery::UpdatedAt))
                    .col(string_len_null(Delivery::UpdatedBy, 64))
                    .foreign_key(&mut fk(
                        "fk_delivery_consignment",
                        (Delivery::Table, Delivery::ConsignmentId),
                        (Consignment::Table, Consignment::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_delivery_run",
                        (Delivery::Table, Delivery::RunId),
                        (DeliveryRun::Table, DeliveryRun::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_delivery_household",
                        (Delivery::Table, Delivery::HouseholdId),
                        (Household::Table, Household::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut incident_fk("fk_delivery_incident", Delivery::Table, Delivery::IncidentId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeliveryShare::Table)
                    .col(uuid(DeliveryShare::DeliveryId))
                    .col(uuid(DeliveryShare::ItemId))
                    .col(uuid(DeliveryShare::IncidentId))
                    .col(
                        big_integer(DeliveryShare::Quantity)
                            .check(Expr::col(DeliveryShare::Quantity).between(1, MAX_UNITS)),
                    )
                    .primary_key(Index::create().col(DeliveryShare::DeliveryId).col(DeliveryShare::ItemId))
                    .foreign_key(&mut fk(
                        "fk_delivery_share_delivery",
                        (DeliveryShare::Table, DeliveryShare::DeliveryId),
                        (Delivery::Table, Delivery::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_delivery_share_item",
                        (DeliveryShare::Table, DeliveryShare::ItemId),
                        (ConsignmentItem::Table, ConsignmentItem::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut incident_fk(
                        "fk_delivery_share_incident",
                        DeliveryShare::Table,
                        DeliveryShare::IncidentId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeliveryEvent::Table)
                    .col(pk_uuid(DeliveryEvent::Id))
                    .col(uuid(DeliveryEvent::DeliveryId))
                    .col(uuid(DeliveryEvent::IncidentId))
                    .col(string_len_uniq(DeliveryEvent::IdempotencyKey, 64))
                    .col(string_len(DeliveryEvent::Status, 16).check(Expr::col(DeliveryEvent::Status).is_in(STATUSES)))
                    .col(string_len(DeliveryEvent::ByKind, 16).check(Expr::col(DeliveryEvent::ByKind).is_in([
                        "volunteer",
                        "staff",
                        "household",
                    ])))
                    .col(string_len(DeliveryEvent::ByName, 64))
                    .col(uuid_null(DeliveryEvent::VolunteerId))
                    .col(timestamp_with_time_zone(DeliveryEvent::At))
                    .foreign_key(&mut fk(
                        "fk_delivery_event_delivery",
                        (DeliveryEvent::Table, DeliveryEvent::DeliveryId),
                        (Delivery::Table, Delivery::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut incident_fk(
                        "fk_delivery_event_incident",
                        DeliveryEvent::Table,
                        DeliveryEvent::IncidentId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StockMovement::Table)
                    .col(pk_uuid(StockMovement::Id))
                    .col(uuid(StockMovement::CommunityId))
                    .col(uuid(StockMovement::IncidentId))
                    .col(
                        string_len(StockMovement::Place, 16)
                            .check(Expr::col(StockMovement::Place).is_in(["reserve", "shelf"])),
                    )
                    .col(string_len(StockMovement::Item, 120))
                    .col(string_len(StockMovement::Unit, 32))
                    // In is positive, out negative.
                    .col(
                        big_integer(StockMovement::Quantity).check(
                            Expr::col(StockMovement::Quantity)
                                .between(-MAX_UNITS, MAX_UNITS)
                                .and(Expr::col(StockMovement::Quantity).ne(0)),
                        ),
                    )
                    .col(string_len(StockMovement::Reason, 200))
                    .col(uuid_null(StockMovement::ConsignmentId))
                    .col(string_len(StockMovement::ByName, 64))
                    .col(timestamp_with_time_zone(StockMovement::At))
                    .foreign_key(&mut fk(
                        "fk_stock_movement_community",
                        (StockMovement::Table, StockMovement::CommunityId),
                        (Region::Table, Region::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_stock_movement_consignment",
                        (StockMovement::Table, StockMovement::ConsignmentId),
                        (Consignment::Table, Consignment::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut incident_fk(
                        "fk_stock_movement_incident",
                        StockMovement::Table,
                        StockMovement::IncidentId,
                    ))
                    .to_owned(),
            )
            .await?;

        let indexes: [(&str, &str, &[&str], bool); 11] = [
            ("ix_consignment_community", "consignment", &["community_id", "created_at"], false),
            ("ix_consignment_item_consignment", "consignment_item", &["consignment_id", "position"], true),
            ("ux_delivery_run_building", "delivery_run", &["consignment_id", "building_id"], true),
            ("ix_delivery_run_community", "delivery_run", &["community_id"], false),
            ("ux_delivery_household", "delivery", &["consignment_id", "household_id"], true),
            ("ix_delivery_run", "delivery", &["run_id"], false),
            // Coverage: counts by status and run without reading the rows.
            ("ix_delivery_status", "delivery", &["consignment_id", "status", "run_id"], false),
            // The coverage list: those in need first, then in the order the runs were made.
            ("ix_delivery_order", "delivery", &["consignment_id", "in_need", "id"], false),
            ("ix_delivery_household", "delivery", &["household_id"], false),
            ("ix_delivery_event_delivery", "delivery_event", &["delivery_id"], false),
            ("ix_stock_movement_community", "stock_movement", &["community_id", "place", "item"], false),
        ];
        for (name, table, cols, unique) in indexes {
            let mut ix = Index::create();
            ix.name(name).table(Alias::new(table));
            for c in cols {
                ix.col(Alias::new(*c));
            }
            if unique {
                ix.unique();
            }
            manager.create_index(ix.to_owned()).await?;
        }
        // Every table's incident, for the purge.
        for table in [
            "consignment",
            "consignment_item",
            "delivery_run",
            "delivery",
            "delivery_share",
            "delivery_event",
            "stock_movement",
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(format!("ix_{table}_incident"))
                        .table(Alias::new(table))
                        .col(Alias::new("incident_id"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "stock_movement",
            "delivery_event",
            "delivery_share",
            "delivery",
            "delivery_run",
            "consignment_item",
            "consignment",
        ] {
            manager.drop_table(Table::drop().table(Alias::new(t)).to_owned()).await?;
        }
        Ok(())
    }
}
