//! The service's own settings kept in the database (so every instance shares them).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};

use crate::entity::setting;

const JWT_SECRET: &str = "jwt_secret";

/// The generated HS256 secret: created once (the first instance to start wins the insert),
/// then read by every instance.
pub async fn jwt_secret(db: &DatabaseConnection) -> Result<String, sea_orm::DbErr> {
    if let Some(row) = setting::Entity::find_by_id(JWT_SECRET).one(db).await? {
        return Ok(row.value);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let generated = URL_SAFE_NO_PAD.encode(bytes);
    setting::Entity::insert(setting::ActiveModel {
        key: Set(JWT_SECRET.to_owned()),
        value: Set(generated),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    tracing::warn!("IDM_JWT_SECRET is not set: using a generated secret kept in the database");
    let row = setting::Entity::find_by_id(JWT_SECRET).one(db).await?;
    row.map(|r| r.value)
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("jwt secret".into()))
}
