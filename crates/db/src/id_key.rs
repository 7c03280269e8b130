//! Guards the key of the ID-number hash. Hashes made with one key never match
//! hashes made with another, so a changed key would silently duplicate every
//! resident on the next import: the database remembers the key's fingerprint
//! and refuses a different one.

use sea_orm::{ActiveValue::Set, EntityTrait};
use shouwang_domain::IdHasher;

use crate::entity::app_meta;
use crate::{Db, DbError};

const FINGERPRINT_KEY: &str = "id_hash_key_fingerprint";

pub async fn check_id_key(db: &Db, hasher: &IdHasher) -> Result<(), DbError> {
    let fingerprint = hasher.fingerprint();
    match crate::unique(app_meta::Entity::find_by_id(FINGERPRINT_KEY.to_string()), &db.write).await? {
        Some(row) if row.value == fingerprint => Ok(()),
        Some(_) => Err(DbError::refused(shouwang_domain::id_card::Refusal::HashKeyMismatch)),
        None => {
            app_meta::Entity::insert(app_meta::ActiveModel {
                key: Set(FINGERPRINT_KEY.to_string()),
                value: Set(fingerprint),
            })
            .exec_without_returning(&db.write)
            .await?;
            Ok(())
        }
    }
}
