//! GraphQL types and resolvers of partners.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::draft::with_partner_fields;
use super::draft::PartnerDraft;
use super::service;
use super::store::{
    self, PartnerFilter as StoreFilter, PartnerOrderField, PartnerPage, PartnerRow,
};
use crate::context::{db, loader, requester, Call, DbLoader};
use crate::domain::{CsoType, ExternalSource, PartnerType, SharedPartner};
use crate::entity::partner;
use crate::error::{ApiError, UserError};
use crate::ids::{self, Kind};
use crate::keyset::SortDirection;
use crate::pagination::{decode_cursor, decode_ids};
use crate::pagination::{page_size, PageInfo};
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

/// Filters of `partners`
#[derive(InputObject, Default)]
pub struct PartnerFilter {
    /// Case-insensitive substring of title, shortTitle or alternateTitle
    pub title: Option<String>,
    /// Equal partner type
    pub partner_type: Option<PartnerType>,
    /// Linked to any of these clusters
    pub cluster_ids: Option<Vec<ID>>,
}

/// One ordering of `partners`
#[derive(InputObject)]
pub struct PartnerOrder {
    /// Field to order by
    pub field: PartnerOrderField,
    /// Direction
    #[graphql(default_with = "SortDirection::Asc")]
    pub direction: SortDirection,
}

/// An edge of the partners connection
#[derive(SimpleObject)]
pub struct PartnerEdge {
    /// Cursor of this row
    pub cursor: String,
    /// The partner
    pub node: Partner,
}

/// A page of partners
pub struct PartnerConnection {
    page: PartnerPage,
    rows: Vec<partner::Model>,
    more: bool,
}

#[Object]
impl PartnerConnection {
    /// The rows of the page with their cursors
    async fn edges(&self) -> Vec<PartnerEdge> {
        self.rows
            .iter()
            .map(|p| PartnerEdge {
                cursor: ids::encode_cursor(p.id),
                node: Partner::from(p.clone()),
            })
            .collect()
    }
    /// The rows of the page
    async fn nodes(&self) -> Vec<Partner> {
        self.rows.iter().cloned().map(Partner::from).collect()
    }
    /// Where the page stands
    async fn page_info(&self) -> PageInfo {
        let ids: Vec<i64> = self.rows.iter().map(|p| p.id).collect();
        PageInfo::of(&ids, self.page.cursor, self.page.backward, self.more)
    }
    /// The number of partners in the whole filtered set
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        Ok(store::count(db(ctx)?, &self.page).await? as i64)
    }
}

#[derive(Default)]
pub struct PartnersQuery;

#[Object]
impl PartnersQuery {
    /// A partner the requester may see, or null
    async fn partner(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Partner>, ApiError> {
        let id = ids::decode(Kind::Partner, &id)
            .ok_or_else(|| ApiError::bad_input("id is not a Partner ID"))?;
        visible_partner(ctx, id).await
    }

    /// The partners the requester may see
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "crate::pagination::search_page_complexity(first, last, filter.as_ref().and_then(|f| f.title.as_deref()), order_by.as_ref().map_or(0, Vec::len), child_complexity)"
    )]
    async fn partners(
        &self,
        ctx: &Context<'_>,
        filter: Option<PartnerFilter>,
        order_by: Option<Vec<PartnerOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<PartnerConnection, ApiError> {
        let r = requester(ctx)?;
        let limit = page_size(ctx, first, last)?;
        let f = filter.unwrap_or_default();
        if f.title
            .as_ref()
            .is_some_and(|s| s.chars().count() > 255 || s.contains('\0'))
        {
            return Err(ApiError::bad_input(
                "title must be at most 255 characters, without NUL",
            ));
        }
        if after.is_some() && before.is_some() {
            return Err(ApiError::bad_input("give either after or before, not both"));
        }
        let order: Vec<_> = order_by
            .unwrap_or_default()
            .into_iter()
            .map(|o| (o.field, o.direction))
            .collect();
        crate::pagination::check_order(&order)?;
        let backward = last.is_some() || (before.is_some() && first.is_none());
        let cursor = if backward {
            decode_cursor("before", before.as_deref())?
        } else {
            decode_cursor("after", after.as_deref())?
        };
        let page = PartnerPage {
            scope: permissions::partner_scope(&r.person),
            filter: StoreFilter {
                title: f.title,
                partner_type: f.partner_type.map(|t| t.as_str().to_owned()),
                cluster_ids: decode_ids(ctx, Kind::Cluster, "clusterIds", f.cluster_ids.as_ref())?,
            },
            order,
            cursor,
            backward,
            limit,
        };
        let (rows, more) = store::page(db(ctx)?, &page).await?;
        Ok(PartnerConnection { page, rows, more })
    }

    /// The partners the requester may give to new users
    #[graphql(complexity = "crate::pagination::list_complexity(child_complexity)")]
    async fn assignable_partners(&self, ctx: &Context<'_>) -> Result<Vec<Partner>, ApiError> {
        let r = requester(ctx)?;
        let scope = permissions::assignable_partner_scope(&r.person)?;
        Ok(store::list(db(ctx)?, &scope)
            .await?
            .into_iter()
            .map(Partner::from)
            .collect())
    }
}

macro_rules! inputs {
    ($($(#[$doc:meta])* $field:ident: $ty:ty,)*) => {
        /// Input of createPartner
        #[derive(InputObject)]
        pub struct CreatePartnerInput {
            /// Name, 1 to 255 characters
            pub title: String,
            $($(#[$doc])* pub $field: Option<$ty>,)*
            /// The clusters of the partner
            pub cluster_ids: Option<Vec<ID>>,
        }

        /// Fields left out stay as they are; null clears an optional field; clusterIds, when given, replaces the set
        #[derive(InputObject)]
        pub struct UpdatePartnerInput {
            /// The partner to change
            pub id: ID,
            /// Name, 1 to 255 characters
            pub title: MaybeUndefined<String>,
            $($(#[$doc])* pub $field: MaybeUndefined<$ty>,)*
            /// When given, replaces the partner's clusters
            pub cluster_ids: Option<Vec<ID>>,
        }

        impl CreatePartnerInput {
            /// The draft and the cluster IDs.
            fn draft(self) -> (PartnerDraft, Option<Vec<ID>>) {
                let draft = PartnerDraft {
                    title: self.title,
                    $($field: self.$field,)*
                };
                (draft, self.cluster_ids)
            }
        }

        /// The fields of an updatePartner input, to apply over the partner's draft.
        struct PartnerChange {
            title: MaybeUndefined<String>,
            $($field: MaybeUndefined<$ty>,)*
        }

        impl UpdatePartnerInput {
            /// The partner's ID, the change and the cluster IDs.
            fn change(self) -> (ID, PartnerChange, Option<Vec<ID>>) {
                let change = PartnerChange {
                    title: self.title,
                    $($field: self.$field,)*
                };
                (self.id, change, self.cluster_ids)
            }
        }

        impl PartnerChange {
            /// Given fields replace the draft's, null clears them (a title cleared is empty,
            /// which validation refuses), left out keeps them.
            fn apply(self, draft: &mut PartnerDraft) {
                match self.title {
                    MaybeUndefined::Value(t) => draft.title = t,
                    MaybeUndefined::Null => draft.title = String::new(),
                    MaybeUndefined::Undefined => {}
                }
                $(apply(&mut draft.$field, self.$field);)*
            }
        }
    };
}
with_partner_fields!(inputs);

/// Result of createPartner and updatePartner
#[derive(SimpleObject, Default)]
pub struct PartnerPayload {
    /// The partner, null when errors is non-empty
    pub partner: Option<Partner>,
    /// What went wrong; empty on success
    pub errors: Vec<UserError>,
}

crate::payloads!(PartnerPayload);

fn apply<T>(slot: &mut Option<T>, value: MaybeUndefined<T>) {
    match value {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *slot = None,
        MaybeUndefined::Value(v) => *slot = Some(v),
    }
}

#[derive(Default)]
pub struct PartnersMutation;

#[Object]
impl PartnersMutation {
    /// Creates a partner (cluster system admins and IMOs)
    async fn create_partner(
        &self,
        ctx: &Context<'_>,
        input: CreatePartnerInput,
    ) -> Result<PartnerPayload, ApiError> {
        let call = Call::of(ctx)?;
        let (draft, cluster_ids) = input.draft();
        let result = service::create_partner(call, draft, cluster_ids.as_deref()).await;
        call.payload(result, |p| PartnerPayload {
            partner: Some(Partner::from(p)),
            ..Default::default()
        })
    }

    /// Changes the given fields of a partner (cluster system admins and IMOs)
    async fn update_partner(
        &self,
        ctx: &Context<'_>,
        input: UpdatePartnerInput,
    ) -> Result<PartnerPayload, ApiError> {
        let call = Call::of(ctx)?;
        let (id, change, cluster_ids) = input.change();
        let result = service::update_partner(
            call,
            &id,
            |draft| change.apply(draft),
            cluster_ids.as_deref(),
        )
        .await;
        call.payload(result, |p| PartnerPayload {
            partner: Some(Partner::from(p)),
            ..Default::default()
        })
    }
}
