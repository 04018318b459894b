//! The `Partner` object: read whole or briefly (by a users page), the rest of its row loaded
//! through the request's loader when a field asks for it; its loaders.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};

use super::store::{self, PartnerRow};
use crate::context::{loader, requester, DbLoader};
use crate::domain::{CsoType, ExternalSource, PartnerType, SharedPartner};
use crate::entity::partner;
use crate::error::ApiError;
use crate::ids::{self, Kind};
use crate::permissions::{self, PartnerScope};
use crate::scalars::Decimal;
use crate::workspaces::graphql::{load_cluster, Cluster};

/// Key: a partner id.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct PartnerKey(pub i64);
/// Key: the cluster ids of a partner.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClustersOfPartner(pub i64);

impl Loader<PartnerKey> for DbLoader {
    type Value = partner::Model;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(
        &self,
        keys: &[PartnerKey],
    ) -> Result<HashMap<PartnerKey, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        Ok(store::find_many(&self.db, &ids)
            .await?
            .into_iter()
            .map(|p| (PartnerKey(p.id), p))
            .collect())
    }
}

impl Loader<ClustersOfPartner> for DbLoader {
    type Value = Vec<i64>;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(
        &self,
        keys: &[ClustersOfPartner],
    ) -> Result<HashMap<ClustersOfPartner, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let mut map: HashMap<ClustersOfPartner, Vec<i64>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (p, c) in store::clusters_of(&self.db, &ids).await? {
            map.entry(ClustersOfPartner(p)).or_default().push(c);
        }
        Ok(map)
    }
}

/// A partner organisation: read whole, or (by a users page whose selection asks for no more)
/// only its id, title and short title, the rest read through the request's loader if a field
/// asks for it after all.
#[derive(Clone)]
pub struct Partner {
    row: PartnerRow,
    /// The whole row of a partner read briefly, once read.
    loaded: tokio::sync::OnceCell<Box<partner::Model>>,
}

impl From<partner::Model> for Partner {
    fn from(model: partner::Model) -> Self {
        Partner::read(PartnerRow::Full(Box::new(model)))
    }
}

/// Loads a partner by id through the request loader.
pub async fn load_partner(ctx: &Context<'_>, id: i64) -> Result<Option<Partner>, ApiError> {
    Ok(loader(ctx)?
        .load_one(PartnerKey(id))
        .await?
        .map(Partner::from))
}

impl Partner {
    /// A partner as a page read it.
    pub fn read(row: PartnerRow) -> Self {
        Partner {
            row,
            loaded: tokio::sync::OnceCell::new(),
        }
    }

    fn row_id(&self) -> i64 {
        match &self.row {
            PartnerRow::Full(m) => m.id,
            PartnerRow::Brief(b) => b.id,
        }
    }

    /// The whole row.
    async fn model(&self, ctx: &Context<'_>) -> Result<&partner::Model, ApiError> {
        let id = match &self.row {
            PartnerRow::Full(m) => return Ok(m),
            PartnerRow::Brief(b) => b.id,
        };
        self.loaded
            .get_or_try_init(|| async {
                loader(ctx)?
                    .load_one(PartnerKey(id))
                    .await?
                    .map(Box::new)
                    .ok_or_else(|| ApiError::internal(&"a partner read by a page is gone"))
            })
            .await
            .map(|m| &**m)
    }
}

#[Object(serial)]
impl Partner {
    /// Global ID
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Partner, self.row_id())
    }
    /// Name, 1 to 255 characters
    async fn title(&self) -> &str {
        match &self.row {
            PartnerRow::Full(m) => &m.title,
            PartnerRow::Brief(b) => &b.title,
        }
    }
    /// Short name
    async fn short_title(&self) -> &str {
        match &self.row {
            PartnerRow::Full(m) => &m.short_title,
            PartnerRow::Brief(b) => &b.short_title,
        }
    }
    /// Other name
    async fn alternate_title(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.alternate_title.as_deref())
    }
    /// Kind of organisation
    async fn partner_type(&self, ctx: &Context<'_>) -> Result<PartnerType, ApiError> {
        Ok(self.model(ctx).await?.partner_type)
    }
    /// Label of the kind, e.g. "Civil Society Organization"
    async fn partner_type_display(&self, ctx: &Context<'_>) -> Result<&'static str, ApiError> {
        Ok(self.model(ctx).await?.partner_type.label())
    }
    /// Shared with UNDP and/or UNFPA
    async fn shared_partner(&self, ctx: &Context<'_>) -> Result<SharedPartner, ApiError> {
        Ok(self.model(ctx).await?.shared_partner)
    }
    /// Kind of civil society organisation
    async fn cso_type(&self, ctx: &Context<'_>) -> Result<Option<CsoType>, ApiError> {
        Ok(self.model(ctx).await?.cso_type)
    }
    /// Contact email
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.email.as_deref())
    }
    /// Contact phone
    async fn phone_number(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.phone_number.as_deref())
    }
    /// Street address
    async fn street_address(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.street_address.as_deref())
    }
    /// City
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.city.as_deref())
    }
    /// Postal code
    async fn postal_code(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.postal_code.as_deref())
    }
    /// ISO 3166-1 alpha-2 country code
    async fn country_code(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.country_code.as_deref())
    }
    /// Total cash transfers, current programme cycle
    async fn total_ct_cp(&self, ctx: &Context<'_>) -> Result<Option<Decimal>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.total_ct_cp_cents.map(Decimal::from_cents))
    }
    /// Total cash transfers, current year
    async fn total_ct_cy(&self, ctx: &Context<'_>) -> Result<Option<Decimal>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.total_ct_cy_cents.map(Decimal::from_cents))
    }
    /// Vendor number, unique
    async fn vendor_number(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.vendor_number.as_deref())
    }
    /// Other numeric id
    async fn alternate_id(&self, ctx: &Context<'_>) -> Result<Option<i32>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.alternate_id)
    }
    /// Risk rating
    async fn rating(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.rating.as_deref())
    }
    /// Basis for the risk rating
    async fn basis_for_risk_rating(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.basis_for_risk_rating.as_deref())
    }
    /// Type of assessment
    async fn type_of_assessment(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.type_of_assessment.as_deref())
    }
    /// OCHA id, unique
    async fn ocha_external_id(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.ocha_external_id.as_deref())
    }
    /// Id in the external source, unique per source
    async fn external_id(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.external_id.as_deref())
    }
    /// The system the record comes from
    async fn external_source(&self, ctx: &Context<'_>) -> Result<Option<ExternalSource>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.external_source)
    }
    /// The clusters the partner works in
    #[graphql(complexity = "crate::pagination::list_complexity(child_complexity)")]
    async fn clusters(&self, ctx: &Context<'_>) -> Result<Vec<Cluster>, ApiError> {
        let ids = loader(ctx)?
            .load_one(ClustersOfPartner(self.row_id()))
            .await?
            .unwrap_or_default();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(c) = load_cluster(ctx, id).await? {
                out.push(c);
            }
        }
        Ok(out)
    }
    /// When the partner was created
    async fn created_at(&self, ctx: &Context<'_>) -> Result<DateTime<Utc>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.created_at)
    }
    /// When the partner was last changed
    async fn updated_at(&self, ctx: &Context<'_>) -> Result<DateTime<Utc>, ApiError> {
        let m = self.model(ctx).await?;
        Ok(m.updated_at)
    }
}

/// A partner visible to the requester, or None.
pub async fn visible_partner(ctx: &Context<'_>, id: i64) -> Result<Option<Partner>, ApiError> {
    let r = requester(ctx)?;
    let allowed = match permissions::partner_scope(&r.person) {
        PartnerScope::All => true,
        PartnerScope::Own(own) => own == Some(id),
    };
    if !allowed {
        return Ok(None);
    }
    load_partner(ctx, id).await
}
