//! Batched loads of users and of users' roles for one request.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;

use crate::context::DbLoader;
use crate::entity::user;
use crate::roles::store::RoleBundle;

/// Key: a user id.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserKey(pub i64);

/// Key: the roles of a user.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct RolesOfUser(pub i64);

impl Loader<UserKey> for DbLoader {
    type Value = user::Model;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[UserKey]) -> Result<HashMap<UserKey, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let rows = super::store::find_many(&self.db, &ids).await?;
        Ok(rows.into_iter().map(|u| (UserKey(u.id), u)).collect())
    }
}

impl Loader<RolesOfUser> for DbLoader {
    type Value = Arc<Vec<RoleBundle>>;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(
        &self,
        keys: &[RolesOfUser],
    ) -> Result<HashMap<RolesOfUser, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let mut map: HashMap<RolesOfUser, Vec<RoleBundle>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for bundle in crate::roles::store::role_bundles(&self.db, &ids).await? {
            map.entry(RolesOfUser(bundle.role.user_id))
                .or_default()
                .push(bundle);
        }
        Ok(map.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}
