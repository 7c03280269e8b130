//! The integration tests of shouwang-domain, one binary (linking one per
//! file cost minutes): one module per feature.

mod access_matrix;
mod grouping;
mod ledger;
mod messages;
mod roster;
mod signup_places;
#[allow(clippy::unwrap_used)]
mod supplies;
#[allow(clippy::unwrap_used)]
mod task_states;
mod volunteer_rows;
