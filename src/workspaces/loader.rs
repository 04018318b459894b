//! Batched loads of workspaces, plans and clusters for one request.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::context::DbLoader;
use crate::entity::{cluster, response_plan, workspace};

/// Key: a workspace id.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct WorkspaceKey(pub i64);
/// Key: a response plan id.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct PlanKey(pub i64);
/// Key: a cluster id.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClusterKey(pub i64);
/// Key: the plans of a workspace.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct PlansOfWorkspace(pub i64);
/// Key: the clusters of a plan.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClustersOfPlan(pub i64);

type LoadError = Arc<sea_orm::DbErr>;

impl Loader<WorkspaceKey> for DbLoader {
    type Value = workspace::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[WorkspaceKey],
    ) -> Result<HashMap<WorkspaceKey, Self::Value>, Self::Error> {
        let rows = workspace::Entity::find()
            .filter(workspace::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (WorkspaceKey(r.id), r)).collect())
    }
}

impl Loader<PlanKey> for DbLoader {
    type Value = response_plan::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[PlanKey]) -> Result<HashMap<PlanKey, Self::Value>, Self::Error> {
        let rows = response_plan::Entity::find()
            .filter(response_plan::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (PlanKey(r.id), r)).collect())
    }
}

impl Loader<ClusterKey> for DbLoader {
    type Value = cluster::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ClusterKey],
    ) -> Result<HashMap<ClusterKey, Self::Value>, Self::Error> {
        let rows = cluster::Entity::find()
            .filter(cluster::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (ClusterKey(r.id), r)).collect())
    }
}

impl Loader<PlansOfWorkspace> for DbLoader {
    type Value = Vec<response_plan::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PlansOfWorkspace],
    ) -> Result<HashMap<PlansOfWorkspace, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let mut map: HashMap<PlansOfWorkspace, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for plan in super::store::plans_of_workspaces(&self.db, &ids).await? {
            map.entry(PlansOfWorkspace(plan.workspace_id))
                .or_default()
                .push(plan);
        }
        Ok(map)
    }
}

impl Loader<ClustersOfPlan> for DbLoader {
    type Value = Vec<cluster::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ClustersOfPlan],
    ) -> Result<HashMap<ClustersOfPlan, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let mut map: HashMap<ClustersOfPlan, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for c in super::store::clusters_of_plans(&self.db, &ids).await? {
            if let Some(plan) = c.response_plan_id {
                map.entry(ClustersOfPlan(plan)).or_default().push(c);
            }
        }
        Ok(map)
    }
}
