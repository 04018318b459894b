//! The shared vocabulary of the service: portals, role types, partner kinds and their labels.
//! These enums are both the GraphQL enums and the values stored in the database (as their
//! SCREAMING_SNAKE_CASE names), so there is exactly one list of each.

use async_graphql::Enum;
use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};

/// Defines a stored enum: GraphQL enum, serde name, a SeaORM active enum stored as its name in
/// a text column (no database enum type, so adding a value needs no schema change and the
/// previous version can still serve during an upgrade), and `as_str`/`parse`. A stored
/// name this version does not know fails the row's read: a loud INTERNAL error, never
/// another value.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $text)] $variant),+
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and GraphQL) name of the value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses a stored name; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

stored_enum! {
    /// The two portals of the reporting system.
    Portal {
        /// Implementing partners: roles scoped to a workspace.
        Ip => "IP",
        /// Humanitarian clusters: roles scoped to a cluster.
        Cluster => "CLUSTER",
    }
}

stored_enum! {
    /// A role a user holds in one scope.
    RoleType {
        /// Signs partner agreements; created only by import.
        IpAuthorizedOfficer => "IP_AUTHORIZED_OFFICER",
        /// Edits partner reports in a workspace.
        IpEditor => "IP_EDITOR",
        /// Reads partner reports in a workspace.
        IpViewer => "IP_VIEWER",
        /// Administers a partner's users in a workspace.
        IpAdmin => "IP_ADMIN",
        /// Information-management officer of a cluster.
        ClusterImo => "CLUSTER_IMO",
        /// Global administrator of the cluster portal.
        ClusterSystemAdmin => "CLUSTER_SYSTEM_ADMIN",
        /// Reads a cluster's reports.
        ClusterViewer => "CLUSTER_VIEWER",
        /// Coordinates a cluster.
        ClusterCoordinator => "CLUSTER_COORDINATOR",
        /// A partner's member of a cluster.
        ClusterMember => "CLUSTER_MEMBER",
    }
}

impl RoleType {
    /// The portal this role belongs to.
    pub fn portal(self) -> Portal {
        match self {
            RoleType::IpAuthorizedOfficer
            | RoleType::IpEditor
            | RoleType::IpViewer
            | RoleType::IpAdmin => Portal::Ip,
            _ => Portal::Cluster,
        }
    }

    /// True for IP roles, which are scoped to a workspace.
    pub fn is_ip(self) -> bool {
        self.portal() == Portal::Ip
    }

    /// The human label, e.g. "IP Authorized Officer".
    pub fn label(self) -> &'static str {
        match self {
            RoleType::IpAuthorizedOfficer => "IP Authorized Officer",
            RoleType::IpEditor => "IP Editor",
            RoleType::IpViewer => "IP Viewer",
            RoleType::IpAdmin => "IP Admin",
            RoleType::ClusterImo => "Cluster IMO",
            RoleType::ClusterSystemAdmin => "Cluster System Admin",
            RoleType::ClusterViewer => "Cluster Viewer",
            RoleType::ClusterCoordinator => "Cluster Coordinator",
            RoleType::ClusterMember => "Cluster Member",
        }
    }
}

stored_enum! {
    /// Derived lifecycle state of a user; the order is the STATUS sort order.
    UserStatus {
        /// Active, has roles and has signed in.
        Active => "ACTIVE",
        /// Has roles but has never signed in.
        Invited => "INVITED",
        /// Deactivated: cannot sign in, its roles grant nothing.
        Deactivated => "DEACTIVATED",
        /// Has no roles at all.
        Incomplete => "INCOMPLETE",
    }
}

stored_enum! {
    /// The kind of a user, derived from its roles and partner.
    UserType {
        /// Holds CLUSTER_SYSTEM_ADMIN.
        ClusterAdmin => "CLUSTER_ADMIN",
        /// Holds CLUSTER_IMO.
        Imo => "IMO",
        /// Belongs to a partner organisation.
        Partner => "PARTNER",
    }
}

stored_enum! {
    /// The kind of a partner organisation.
    PartnerType {
        /// Bilateral or multilateral organisation.
        BilateralMultilateral => "BILATERAL_MULTILATERAL",
        /// Civil society organisation.
        CivilSocietyOrganization => "CIVIL_SOCIETY_ORGANIZATION",
        /// Government body.
        Government => "GOVERNMENT",
        /// United Nations agency.
        UnAgency => "UN_AGENCY",
    }
}

impl PartnerType {
    /// The human label, e.g. "Civil Society Organization".
    pub fn label(self) -> &'static str {
        match self {
            PartnerType::BilateralMultilateral => "Bilateral / Multilateral",
            PartnerType::CivilSocietyOrganization => "Civil Society Organization",
            PartnerType::Government => "Government",
            PartnerType::UnAgency => "UN Agency",
        }
    }
}

stored_enum! {
    /// The kind of a civil society organisation.
    CsoType {
        /// International NGO.
        International => "INTERNATIONAL",
        /// National NGO.
        National => "NATIONAL",
        /// Community-based organisation.
        CommunityBasedOrganization => "COMMUNITY_BASED_ORGANIZATION",
        /// Academic institution.
        AcademicInstitution => "ACADEMIC_INSTITUTION",
        /// Red Cross / Red Crescent society.
        RedCrossRedCrescent => "RED_CROSS_RED_CRESCENT",
    }
}

stored_enum! {
    /// Whether a partner is shared with UNDP and/or UNFPA.
    SharedPartner {
        /// Not shared.
        No => "NO",
        /// Shared with UNDP.
        WithUndp => "WITH_UNDP",
        /// Shared with UNFPA.
        WithUnfpa => "WITH_UNFPA",
        /// Shared with UNDP and UNFPA.
        WithUndpAndUnfpa => "WITH_UNDP_AND_UNFPA",
    }
}

stored_enum! {
    /// The system a partner record was synchronised from.
    ExternalSource {
        /// Humanitarian Programme Cycle.
        Hpc => "HPC",
        /// OPS.
        Ops => "OPS",
        /// UNICEF.
        Unicef => "UNICEF",
    }
}

stored_enum! {
    /// The kind of a response plan.
    ResponsePlanType {
        /// Humanitarian response plan.
        Hrp => "HRP",
        /// Flash appeal.
        Fa => "FA",
        /// Any other plan.
        Other => "OTHER",
    }
}

stored_enum! {
    /// The sector of a cluster.
    ClusterType {
        /// Camp coordination and camp management.
        Cccm => "CCCM",
        /// Early recovery.
        EarlyRecovery => "EARLY_RECOVERY",
        /// Education.
        Education => "EDUCATION",
        /// Emergency telecommunications.
        EmergencyTelecommunications => "EMERGENCY_TELECOMMUNICATIONS",
        /// Food security.
        FoodSecurity => "FOOD_SECURITY",
        /// Health.
        Health => "HEALTH",
        /// Logistics.
        Logistics => "LOGISTICS",
        /// Nutrition.
        Nutrition => "NUTRITION",
        /// Protection.
        Protection => "PROTECTION",
        /// Child protection area of responsibility.
        ChildProtectionAor => "CHILD_PROTECTION_AOR",
        /// Gender-based violence area of responsibility.
        GenderBasedViolenceAor => "GENDER_BASED_VIOLENCE_AOR",
        /// Mine action area of responsibility.
        MineActionAor => "MINE_ACTION_AOR",
        /// Housing, land and property area of responsibility.
        HousingLandAndPropertyAor => "HOUSING_LAND_AND_PROPERTY_AOR",
        /// Shelter.
        Shelter => "SHELTER",
        /// Water, sanitation and hygiene.
        Wash => "WASH",
        /// A type imported from an external system; see `importedType`.
        Imported => "IMPORTED",
    }
}

impl ClusterType {
    /// The human label, e.g. "Food Security".
    pub fn label(self) -> &'static str {
        match self {
            ClusterType::Cccm => "CCCM",
            ClusterType::EarlyRecovery => "Early Recovery",
            ClusterType::Education => "Education",
            ClusterType::EmergencyTelecommunications => "Emergency Telecommunications",
            ClusterType::FoodSecurity => "Food Security",
            ClusterType::Health => "Health",
            ClusterType::Logistics => "Logistics",
            ClusterType::Nutrition => "Nutrition",
            ClusterType::Protection => "Protection",
            ClusterType::ChildProtectionAor => "Child Protection AoR",
            ClusterType::GenderBasedViolenceAor => "Gender-Based Violence AoR",
            ClusterType::MineActionAor => "Mine Action AoR",
            ClusterType::HousingLandAndPropertyAor => "Housing, Land and Property AoR",
            ClusterType::Shelter => "Shelter",
            ClusterType::Wash => "WASH",
            ClusterType::Imported => "Imported",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for r in RoleType::ALL {
            assert_eq!(RoleType::parse(r.as_str()), Some(*r));
        }
        assert_eq!(RoleType::parse("ip_editor"), None);
    }

    #[test]
    fn role_families() {
        assert!(RoleType::IpAdmin.is_ip());
        assert!(!RoleType::ClusterSystemAdmin.is_ip());
        assert_eq!(RoleType::ClusterSystemAdmin.label(), "Cluster System Admin");
    }
}
