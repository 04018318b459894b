//! The partners queries and mutations (the `Partner` object is in `object`).

use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject, ID};

use super::draft::with_partner_fields;
use super::draft::PartnerDraft;
use super::object::{visible_partner, Partner};
use super::service;
use super::store::{self, PartnerFilter as StoreFilter, PartnerOrderField, PartnerPage};
use crate::context::{db, requester, Call};
use crate::domain::{CsoType, ExternalSource, PartnerType, SharedPartner};
use crate::entity::partner;
use crate::error::{ApiError, UserError};
use crate::ids::{self, Kind};
use crate::keyset::SortDirection;
use crate::pagination::{check_search, decode_ids, PageInfo, Window};
use crate::permissions::{self};
use crate::scalars::Decimal;

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
        let window = Window {
            first,
            after,
            last,
            before,
        };
        let page = partner_page(ctx, &r.person, filter, order_by, window)?;
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

/// The partners page the arguments ask for, checked: BAD_USER_INPUT for an oversized or NUL
/// title, an ordering that names a key twice, a malformed cursor or ID.
fn partner_page(
    ctx: &Context<'_>,
    requester: &permissions::Person,
    filter: Option<PartnerFilter>,
    order_by: Option<Vec<PartnerOrder>>,
    window: Window,
) -> Result<PartnerPage, ApiError> {
    let paging = window.paging(ctx)?;
    let f = filter.unwrap_or_default();
    check_search("title", f.title.as_deref(), 255)?;
    let order: Vec<_> = order_by
        .unwrap_or_default()
        .into_iter()
        .map(|o| (o.field, o.direction))
        .collect();
    crate::pagination::check_order(&order)?;
    Ok(PartnerPage {
        scope: permissions::partner_scope(requester),
        filter: StoreFilter {
            title: f.title,
            partner_type: f.partner_type.map(|t| t.as_str().to_owned()),
            cluster_ids: decode_ids(ctx, Kind::Cluster, "clusterIds", f.cluster_ids.as_ref())?,
        },
        order,
        cursor: paging.cursor,
        backward: paging.backward,
        limit: paging.limit,
    })
}

macro_rules! inputs {
    ($($(#[$doc:meta])* $field:ident($name:literal): $ty:ty,)*) => {
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
