//! Models read from a joined row by column position.
//!
//! `db::select_prefixed` (and sea-orm's two-model selects) put an entity's columns side by side
//! in declaration order. sea-orm's `from_query_result(row, "prefix_")` finds each value by
//! name: it formats "prefix_column", hashes it to find the column, and for a LEFT JOIN that
//! found nothing formats an error per NULL column. On a users page (20 users, ~45 roles each
//! joined to workspace, cluster, plan and the plan's workspace) that was 17% of the service's
//! CPU. Reading by position does none of it; and a NULL is recognised as such before decoding
//! (sea-orm reads an `Option` by decoding, failing, and formatting the column into an error),
//! and sqlx decodes each value without checking its type again (see `decode`).

use sea_orm::prelude::{Date, DateTimeUtc};
use sea_orm::sqlx::{Decode, Postgres, Row, Sqlite};
use sea_orm::{ActiveEnum, DbErr, QueryResult};

use super::{cluster, partner, prp_role, response_plan, user, workspace};
use crate::domain::{
    ClusterType, CsoType, ExternalSource, PartnerType, ResponsePlanType, RoleType, SharedPartner,
};

/// A model whose columns sit at consecutive positions of a row, in declaration order.
pub trait FromRowAt: Sized {
    /// The column names, in the order the entity declares (and `select_prefixed` selects) them.
    const COLUMNS: &'static [&'static str];

    /// The model whose first column is at position `at`.
    fn read_at(row: &QueryResult, at: usize) -> Result<Self, DbErr>;

    /// Reads the model at `*at` and moves `*at` past its columns.
    fn take(row: &QueryResult, at: &mut usize) -> Result<Self, DbErr> {
        let model = Self::read_at(row, *at)?;
        *at += Self::COLUMNS.len();
        Ok(model)
    }

    /// As `take`, for the side of a LEFT JOIN that may have found nothing: every model's first
    /// column is its non-null id, so a NULL there means no row.
    fn take_optional(row: &QueryResult, at: &mut usize) -> Result<Option<Self>, DbErr> {
        let model = if decode::<Option<i64>>(row, *at)?.is_some() {
            Some(Self::read_at(row, *at)?)
        } else {
            None
        };
        *at += Self::COLUMNS.len();
        Ok(model)
    }
}

/// Decodes the value at `i` with sqlx directly. The statements that are read by position are
/// ours and their column types are fixed by the migrations (a unit test checks the positions),
/// so sqlx's per-value check of the column type against the Rust type is skipped: on a users
/// page it cloned and compared a type descriptor for each of ~2,500 values. An `Option`
/// decodes NULL as None (sea-orm would decode, fail and format an error first).
fn decode<T>(row: &QueryResult, i: usize) -> Result<T, DbErr>
where
    T: for<'r> Decode<'r, Postgres> + for<'r> Decode<'r, Sqlite> + sea_orm::TryGetable,
{
    let decoded = if let Some(r) = row.try_as_pg_row() {
        r.try_get_unchecked(i)
    } else if let Some(r) = row.try_as_sqlite_row() {
        r.try_get_unchecked(i)
    } else {
        return row.try_get_by_index(i);
    };
    decoded.map_err(|e| DbErr::Type(format!("column {i}: {e}")))
}

/// A column's value read by position: plain values through [`decode`], stored enums by their
/// name (an unknown name is an error, never another value).
trait Value: Sized {
    fn at(row: &QueryResult, i: usize) -> Result<Self, DbErr>;
}

macro_rules! plain_values {
    ($($ty:ty),+) => {$(
        impl Value for $ty {
            fn at(row: &QueryResult, i: usize) -> Result<Self, DbErr> {
                decode(row, i)
            }
        }
        impl Value for Option<$ty> {
            fn at(row: &QueryResult, i: usize) -> Result<Self, DbErr> {
                decode(row, i)
            }
        }
    )+};
}

plain_values!(i64, i32, String, bool, DateTimeUtc, Date);

macro_rules! stored_enums {
    ($($ty:ty),+) => {$(
        impl Value for $ty {
            fn at(row: &QueryResult, i: usize) -> Result<Self, DbErr> {
                <$ty as ActiveEnum>::try_from_value(&decode::<String>(row, i)?)
            }
        }
        impl Value for Option<$ty> {
            fn at(row: &QueryResult, i: usize) -> Result<Self, DbErr> {
                decode::<Option<String>>(row, i)?
                    .map(|name| <$ty as ActiveEnum>::try_from_value(&name))
                    .transpose()
            }
        }
    )+};
}

stored_enums!(
    RoleType,
    PartnerType,
    SharedPartner,
    CsoType,
    ExternalSource,
    ClusterType,
    ResponsePlanType
);

macro_rules! positional {
    ($($model:path { $($field:ident),+ $(,)? })+) => {$(
        impl FromRowAt for $model {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];

            #[allow(unused_assignments, reason = "the last field moves the cursor past the end")]
            fn read_at(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
                let mut i = at;
                // Struct fields are evaluated in the order written, so `i` walks the columns.
                Ok(Self {
                    $($field: {
                        let value = Value::at(row, i)?;
                        i += 1;
                        value
                    }),+
                })
            }
        }
    )+};
}

positional! {
    user::Model {
        id, email, first_name, last_name, position, partner_id, is_active, last_login,
        created_at, updated_at,
    }
    partner::Model {
        id, title, short_title, alternate_title, partner_type, shared_partner, cso_type, email,
        phone_number, street_address, city, postal_code, country_code, total_ct_cp_cents,
        total_ct_cy_cents, vendor_number, alternate_id, rating, basis_for_risk_rating,
        type_of_assessment, ocha_external_id, external_id, external_source, created_at,
        updated_at,
    }
    prp_role::Model {
        id, user_id, role, workspace_id, cluster_id, is_active, created_at, updated_at,
    }
    workspace::Model {
        id, title, workspace_code, business_area_code, created_at, updated_at,
    }
    cluster::Model {
        id, response_plan_id, cluster_type, imported_type, created_at,
    }
    response_plan::Model {
        id, workspace_id, title, plan_type, plan_custom_type, start_date, end_date, created_at,
    }
    partner::Brief { id, title, short_title }
}

#[cfg(test)]
mod tests {
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    use super::*;

    fn declared<E: EntityTrait>() -> Vec<&'static str> {
        E::Column::iter().map(|c| c.as_str()).collect()
    }

    /// A column added to an entity but not here would shift every position after it.
    #[test]
    fn positions_follow_the_entities_declared_columns() {
        assert_eq!(user::Model::COLUMNS, declared::<user::Entity>());
        assert_eq!(partner::Model::COLUMNS, declared::<partner::Entity>());
        assert_eq!(prp_role::Model::COLUMNS, declared::<prp_role::Entity>());
        assert_eq!(workspace::Model::COLUMNS, declared::<workspace::Entity>());
        assert_eq!(cluster::Model::COLUMNS, declared::<cluster::Entity>());
        assert_eq!(
            response_plan::Model::COLUMNS,
            declared::<response_plan::Entity>()
        );
        let brief: Vec<&str> = partner::Brief::COLUMNS.iter().map(|c| c.as_str()).collect();
        assert_eq!(<partner::Brief as FromRowAt>::COLUMNS, brief);
    }
}
