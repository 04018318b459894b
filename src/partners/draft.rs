//! A partner's values before validation, shared by `createPartner`, `updatePartner` and the
//! import: the one place the partner's fields are checked and written into a row.

use sea_orm::ActiveValue::Set;

use crate::domain::{CsoType, ExternalSource, PartnerType, SharedPartner};
use crate::entity::partner;
use crate::error::ErrorCode;
use crate::scalars::Decimal;
use crate::validate::Checker;

/// Calls `$then!` with the partner's fields after its title, each written once: its doc line,
/// name, name in GraphQL and in the import format, and type. The draft here, both GraphQL
/// inputs with their conversions, and the import's field list and reader are built from this
/// list, so a new field is added here (and in `validate_into`, the row and the `Partner`
/// object, which treat each field in its own way).
macro_rules! with_partner_fields {
    ($then:ident) => {
        $then! {
            /// Short name, at most 50 characters
            short_title("shortTitle"): String,
            /// Other name
            alternate_title("alternateTitle"): String,
            /// Kind of organisation; GOVERNMENT when a new partner leaves it out
            partner_type("partnerType"): PartnerType,
            /// Shared with UNDP and/or UNFPA; NO when a new partner leaves it out
            shared_partner("sharedPartner"): SharedPartner,
            /// Only for CIVIL_SOCIETY_ORGANIZATION
            cso_type("csoType"): CsoType,
            /// Contact email
            email("email"): String,
            /// Contact phone
            phone_number("phoneNumber"): String,
            /// Street address
            street_address("streetAddress"): String,
            /// City
            city("city"): String,
            /// Postal code
            postal_code("postalCode"): String,
            /// ISO 3166-1 alpha-2 country code
            country_code("countryCode"): String,
            /// Decimal(12,2)
            total_ct_cp("totalCtCp"): Decimal,
            /// Decimal(12,2)
            total_ct_cy("totalCtCy"): Decimal,
            /// Unique vendor number
            vendor_number("vendorNumber"): String,
            /// Other numeric id
            alternate_id("alternateId"): i32,
            /// Risk rating
            rating("rating"): String,
            /// Basis for the risk rating
            basis_for_risk_rating("basisForRiskRating"): String,
            /// Type of assessment
            type_of_assessment("typeOfAssessment"): String,
            /// Unique OCHA id
            ocha_external_id("ochaExternalId"): String,
            /// Id in the external source
            external_id("externalId"): String,
            /// The external source
            external_source("externalSource"): ExternalSource,
        }
    };
}
pub(crate) use with_partner_fields;

macro_rules! draft {
    ($($(#[$doc:meta])* $field:ident($name:literal): $ty:ty,)*) => {
        /// A partner's values before validation; shared by create, update and import.
        #[derive(Debug, Clone, Default)]
        pub struct PartnerDraft {
            pub title: String,
            $(pub $field: Option<$ty>,)*
        }
    };
}
with_partner_fields!(draft);

impl PartnerDraft {
    /// The values of a stored partner, to apply an update over.
    pub fn from_model(p: &partner::Model) -> Self {
        Self {
            title: p.title.clone(),
            short_title: Some(p.short_title.clone()),
            alternate_title: p.alternate_title.clone(),
            partner_type: Some(p.partner_type),
            shared_partner: Some(p.shared_partner),
            cso_type: p.cso_type,
            email: p.email.clone(),
            phone_number: p.phone_number.clone(),
            street_address: p.street_address.clone(),
            city: p.city.clone(),
            postal_code: p.postal_code.clone(),
            country_code: p.country_code.clone(),
            total_ct_cp: p.total_ct_cp_cents.map(Decimal::from_cents),
            total_ct_cy: p.total_ct_cy_cents.map(Decimal::from_cents),
            vendor_number: p.vendor_number.clone(),
            alternate_id: p.alternate_id,
            rating: p.rating.clone(),
            basis_for_risk_rating: p.basis_for_risk_rating.clone(),
            type_of_assessment: p.type_of_assessment.clone(),
            ocha_external_id: p.ocha_external_id.clone(),
            external_id: p.external_id.clone(),
            external_source: p.external_source,
        }
    }

    /// Validates every field and writes the cleaned values into `model`.
    pub fn validate_into(&self, c: &mut Checker, model: &mut partner::ActiveModel) {
        let partner_type = self.partner_type.unwrap_or(PartnerType::Government);
        if self.cso_type.is_some() && partner_type != PartnerType::CivilSocietyOrganization {
            c.fail(
                ErrorCode::Validation,
                "csoType",
                "only allowed when partnerType is CIVIL_SOCIETY_ORGANIZATION",
            );
        }
        if self.external_id.is_some() != self.external_source.is_some() {
            c.fail(
                ErrorCode::Validation,
                "externalSource",
                "externalId and externalSource go together",
            );
        }
        model.title = Set(c.text("title", &self.title, 1, 255));
        model.short_title = Set(c
            .optional_text("shortTitle", self.short_title.as_deref(), 50)
            .unwrap_or_default());
        model.alternate_title =
            Set(c.optional_text("alternateTitle", self.alternate_title.as_deref(), 255));
        model.partner_type = Set(partner_type);
        model.shared_partner = Set(self.shared_partner.unwrap_or(SharedPartner::No));
        model.cso_type = Set(self.cso_type);
        model.email = Set(c.optional_email("email", self.email.as_deref()));
        model.phone_number = Set(c.optional_text("phoneNumber", self.phone_number.as_deref(), 64));
        model.street_address =
            Set(c.optional_text("streetAddress", self.street_address.as_deref(), 512));
        model.city = Set(c.optional_text("city", self.city.as_deref(), 64));
        model.postal_code = Set(c.optional_text("postalCode", self.postal_code.as_deref(), 32));
        model.country_code = Set(c.country_code("countryCode", self.country_code.as_deref()));
        model.total_ct_cp_cents = Set(c.money("totalCtCp", self.total_ct_cp));
        model.total_ct_cy_cents = Set(c.money("totalCtCy", self.total_ct_cy));
        model.vendor_number =
            Set(c.optional_text("vendorNumber", self.vendor_number.as_deref(), 30));
        model.alternate_id = Set(self.alternate_id);
        model.rating = Set(c.optional_text("rating", self.rating.as_deref(), 50));
        model.basis_for_risk_rating = Set(c.optional_text(
            "basisForRiskRating",
            self.basis_for_risk_rating.as_deref(),
            50,
        ));
        model.type_of_assessment =
            Set(c.optional_text("typeOfAssessment", self.type_of_assessment.as_deref(), 50));
        model.ocha_external_id =
            Set(c.optional_text("ochaExternalId", self.ocha_external_id.as_deref(), 128));
        model.external_id = Set(c.optional_text("externalId", self.external_id.as_deref(), 128));
        model.external_source = Set(self.external_source);
    }
}
