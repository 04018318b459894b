//! Global opaque IDs ("User:42" in URL-safe base64) and page cursors.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use async_graphql::ID;

/// The object types that have global IDs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    User,
    Role,
    Workspace,
    ResponsePlan,
    Cluster,
    Partner,
    AuditEvent,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Role => "PRPRole",
            Kind::Workspace => "Workspace",
            Kind::ResponsePlan => "ResponsePlan",
            Kind::Cluster => "Cluster",
            Kind::Partner => "Partner",
            Kind::AuditEvent => "AuditEvent",
        }
    }

    const ALL: [Kind; 7] = [
        Kind::User,
        Kind::Role,
        Kind::Workspace,
        Kind::ResponsePlan,
        Kind::Cluster,
        Kind::Partner,
        Kind::AuditEvent,
    ];

    /// The GraphQL type name, used in error messages.
    pub fn type_name(self) -> &'static str {
        self.prefix()
    }
}

/// Encodes the global ID of a row.
pub fn encode(kind: Kind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.prefix())))
}

/// Decodes any global ID into its kind and row id.
pub fn decode_any(id: &str) -> Option<(Kind, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (prefix, number) = text.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
    let id: i64 = number.parse().ok()?;
    (id > 0 && number == id.to_string()).then_some((kind, id))
}

/// Decodes a global ID that must be of `kind`.
pub fn decode(kind: Kind, id: &str) -> Option<i64> {
    match decode_any(id) {
        Some((k, n)) if k == kind => Some(n),
        _ => None,
    }
}

/// Encodes a page cursor: the id of the row it points after.
pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

/// Decodes a page cursor.
pub fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let number = text.strip_prefix("cursor:")?;
    let id: i64 = number.parse().ok()?;
    (id > 0 && number == id.to_string()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_type() {
        let id = encode(Kind::Partner, 42);
        assert_eq!(decode(Kind::Partner, &id), Some(42));
        assert_eq!(decode(Kind::User, &id), None);
        assert_eq!(decode_any(&id), Some((Kind::Partner, 42)));
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in ["", "x", "VXNlcjo=", "VXNlcjotMQ", "VXNlcjowMQ", "!!!"] {
            assert_eq!(decode_any(bad), None, "{bad}");
        }
        assert_eq!(decode_cursor(&encode_cursor(7)), Some(7));
        assert_eq!(decode_cursor("nope"), None);
    }
}
