//! The integration tests of the shouwang binary and library, one test binary
//! (linking one per file cost minutes): `cli` runs the real binary, `crash` kills it mid-work, `demo`
//! builds the seed articles' community. Fixtures stay in `tests/fixtures/`.
#![allow(clippy::unwrap_used)]

mod cli;
mod crash;
mod demo;
mod ledger;
mod reader_limits;
