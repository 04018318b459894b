//! `partner`: a partner organisation. Money is kept in cents so it is exact on every backend.

use sea_orm::entity::prelude::*;

use crate::domain::{CsoType, ExternalSource, PartnerType, SharedPartner};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub short_title: String,
    pub alternate_title: Option<String>,
    pub partner_type: PartnerType,
    pub shared_partner: SharedPartner,
    pub cso_type: Option<CsoType>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub street_address: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: Option<String>,
    pub total_ct_cp_cents: Option<i64>,
    pub total_ct_cy_cents: Option<i64>,
    pub vendor_number: Option<String>,
    pub alternate_id: Option<i32>,
    pub rating: Option<String>,
    pub basis_for_risk_rating: Option<String>,
    pub type_of_assessment: Option<String>,
    pub ocha_external_id: Option<String>,
    pub external_id: Option<String>,
    pub external_source: Option<ExternalSource>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::user::Entity")]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// The columns of a partner that lists of users show: what a users page reads when its
/// selection asks for nothing else of the partner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Brief {
    pub id: i64,
    pub title: String,
    pub short_title: String,
}

impl Brief {
    /// Its columns, in the order of its fields.
    pub const COLUMNS: [Column; 3] = [Column::Id, Column::Title, Column::ShortTitle];
}
