//! Every query on partners and their cluster links.

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{json, Value};

use crate::entity::{partner, partner_cluster};
use crate::keyset;
use crate::keyset::{Key, KeyExpr, SortDirection};
use crate::permissions::PartnerScope;

/// A partner as a list of users read it: whole, or only what such lists show of it.
#[derive(Clone, Debug)]
pub enum PartnerRow {
    Full(Box<partner::Model>),
    Brief(partner::Brief),
}

/// Which columns of a partner a users page reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartnerColumns {
    All,
    /// `partner::Brief`'s.
    Brief,
}

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<partner::Model>, DbErr> {
    partner::Entity::find_by_id(id).one(db).await
}

pub async fn find_many(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<partner::Model>, DbErr> {
    partner::Entity::find()
        .filter(partner::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// Cluster links of the given partners, as (partner, cluster).
pub async fn clusters_of(
    db: &impl ConnectionTrait,
    partner_ids: &[i64],
) -> Result<Vec<(i64, i64)>, DbErr> {
    Ok(partner_cluster::Entity::find()
        .filter(partner_cluster::Column::PartnerId.is_in(partner_ids.iter().copied()))
        .order_by_asc(partner_cluster::Column::ClusterId)
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.partner_id, l.cluster_id))
        .collect())
}

/// Replaces the cluster links of a partner.
pub async fn set_clusters(
    db: &impl ConnectionTrait,
    partner_id: i64,
    cluster_ids: &[i64],
) -> Result<(), DbErr> {
    partner_cluster::Entity::delete_many()
        .filter(partner_cluster::Column::PartnerId.eq(partner_id))
        .exec(db)
        .await?;
    if cluster_ids.is_empty() {
        return Ok(());
    }
    partner_cluster::Entity::insert_many(cluster_ids.iter().map(|c| {
        partner_cluster::ActiveModel {
            partner_id: Set(partner_id),
            cluster_id: Set(*c),
        }
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn insert(
    db: &impl ConnectionTrait,
    model: partner::ActiveModel,
) -> Result<partner::Model, DbErr> {
    model.insert(db).await
}

pub async fn update(
    db: &impl ConnectionTrait,
    model: partner::ActiveModel,
) -> Result<partner::Model, DbErr> {
    model.update(db).await
}

/// Fields partners can be ordered by.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PartnerOrderField {
    /// Creation order
    Id,
    /// Title
    Title,
    /// Partner type
    PartnerType,
}

/// The filters of `partners`, decoded.
#[derive(Debug, Default, Clone)]
pub struct PartnerFilter {
    pub title: Option<String>,
    pub partner_type: Option<String>,
    pub cluster_ids: Option<Vec<i64>>,
}

/// One page request of `partners`.
#[derive(Debug, Clone)]
pub struct PartnerPage {
    pub scope: PartnerScope,
    pub filter: PartnerFilter,
    pub order: Vec<(PartnerOrderField, SortDirection)>,
    pub cursor: Option<i64>,
    pub backward: bool,
    pub limit: u64,
}

fn condition(page: &PartnerPage) -> Condition {
    let mut cond = Condition::all();
    match page.scope {
        PartnerScope::All => {}
        PartnerScope::Own(Some(id)) => cond = cond.add(partner::Column::Id.eq(id)),
        PartnerScope::Own(None) => cond = cond.add(Expr::cust("1 = 0")),
    }
    if let Some(term) = page
        .filter
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let mut pattern = String::from("%");
        for c in term.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        let like =
            |sql: &'static str| Expr::cust(sql).like(LikeExpr::new(pattern.clone()).escape('\\'));
        // The joined titles match whenever one title does, and their trigram index serves
        // the search on PostgreSQL; the match itself must lie inside one of the three titles.
        cond = cond
            .add(like("lower(partner.title || ' ' || partner.short_title || ' ' || COALESCE(partner.alternate_title, ''))"))
            .add(
                Condition::any()
                    .add(like("lower(partner.title)"))
                    .add(like("lower(partner.short_title)"))
                    .add(like("lower(COALESCE(partner.alternate_title, ''))")),
            );
    }
    if let Some(t) = &page.filter.partner_type {
        cond = cond.add(partner::Column::PartnerType.eq(t.as_str()));
    }
    if let Some(clusters) = &page.filter.cluster_ids {
        let list = clusters
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        cond = cond.add(Expr::cust(if clusters.is_empty() {
            "1 = 0".to_owned()
        } else {
            format!("EXISTS (SELECT 1 FROM partner_cluster pc WHERE pc.partner_id = partner.id AND pc.cluster_id IN ({list}))")
        }));
    }
    cond
}

fn sort_keys(order: &[(PartnerOrderField, SortDirection)]) -> Vec<Key> {
    let mut keys: Vec<Key> = order
        .iter()
        .map(|(f, d)| {
            let desc = *d == SortDirection::Desc;
            match f {
                PartnerOrderField::Id => Key::new(KeyExpr::Id { opaque: false }, desc),
                PartnerOrderField::Title => Key::sql("{t}.title", desc),
                PartnerOrderField::PartnerType => Key::sql("{t}.partner_type", desc),
            }
        })
        .collect();
    if !order.iter().any(|(f, _)| *f == PartnerOrderField::Id) {
        keys.push(Key::new(KeyExpr::Id { opaque: false }, order.is_empty()));
    }
    keys
}

/// One page of partners.
pub async fn page(
    db: &impl ConnectionTrait,
    page: &PartnerPage,
) -> Result<(Vec<partner::Model>, bool), DbErr> {
    let keys = sort_keys(&page.order);
    let mut select = partner::Entity::find().filter(condition(page));
    if let Some(cursor) = page.cursor {
        let visible = match page.scope {
            PartnerScope::All => "1 = 1".to_owned(),
            PartnerScope::Own(Some(id)) => format!("{{t}}.id = {id}"),
            PartnerScope::Own(None) => "1 = 0".to_owned(),
        };
        select = select.filter(keyset::after(
            "partner",
            &keys,
            cursor,
            page.backward,
            &visible,
        ));
    }
    for (expr, order) in keyset::order_by("partner", &keys, page.backward) {
        select = select.order_by(expr, order);
    }
    let rows = select.limit(page.limit + 1).all(db).await?;
    let (rows, more) = keyset::finish(rows, page.limit, page.backward);
    Ok((rows, more))
}

pub async fn count(db: &impl ConnectionTrait, page: &PartnerPage) -> Result<u64, DbErr> {
    partner::Entity::find()
        .filter(condition(page))
        .count(db)
        .await
}

/// All partners or only one, by title (for `assignablePartners`).
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &PartnerScope,
) -> Result<Vec<partner::Model>, DbErr> {
    let mut select = partner::Entity::find();
    match scope {
        PartnerScope::All => {}
        PartnerScope::Own(id) => {
            select = select.filter(partner::Column::Id.is_in(id.iter().copied()))
        }
    }
    select
        .order_by_asc(partner::Column::Title)
        .order_by_asc(partner::Column::Id)
        .all(db)
        .await
}

/// The audit snapshot of a partner.
pub fn partner_json(p: &partner::Model, clusters: &[i64]) -> Value {
    json!({"id": p.id, "title": p.title, "shortTitle": p.short_title, "alternateTitle": p.alternate_title,
           "partnerType": p.partner_type, "sharedPartner": p.shared_partner, "csoType": p.cso_type,
           "email": p.email, "phoneNumber": p.phone_number, "streetAddress": p.street_address, "city": p.city,
           "postalCode": p.postal_code, "countryCode": p.country_code, "totalCtCpCents": p.total_ct_cp_cents,
           "totalCtCyCents": p.total_ct_cy_cents, "vendorNumber": p.vendor_number, "alternateId": p.alternate_id,
           "rating": p.rating, "basisForRiskRating": p.basis_for_risk_rating, "typeOfAssessment": p.type_of_assessment,
           "ochaExternalId": p.ocha_external_id, "externalId": p.external_id, "externalSource": p.external_source,
           "clusterIds": clusters})
}
