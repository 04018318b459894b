//! Reading JSON records field by field, with the JSON path of every problem, so one pass
//! reports every unknown field, missing value and wrong type of a document.

use std::collections::HashSet;
use std::fmt::Display;

use async_graphql::ScalarType;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

use crate::domain::{
    ClusterType, CsoType, ExternalSource, PartnerType, ResponsePlanType, RoleType, SharedPartner,
};
use crate::scalars::{Date, Decimal};

/// The errors of a document, each "path: message".
#[derive(Debug, Default)]
pub struct Errors(pub Vec<String>);

impl Errors {
    /// Records a problem at `path`.
    pub fn at(&mut self, path: impl Display, message: impl Display) {
        self.0.push(format!("{path}: {message}"));
    }
}

/// The path of `key` inside the value at `base` ("" is the document itself).
pub fn key_path(base: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match (base.is_empty(), plain) {
        (true, true) => key.to_owned(),
        (false, true) => format!("{base}.{key}"),
        (_, false) => format!("{base}[{}]", Value::from(key)),
    }
}

/// A stored enum read from the document by its name.
pub trait Named: Copy + 'static {
    /// The type's name in messages.
    const WHAT: &'static str;
    fn all() -> &'static [Self];
    fn parse(text: &str) -> Option<Self>;
    fn name(self) -> &'static str;
}

macro_rules! named {
    ($($ty:ident),+) => {$(
        impl Named for $ty {
            const WHAT: &'static str = stringify!($ty);
            fn all() -> &'static [Self] { $ty::ALL }
            fn parse(text: &str) -> Option<Self> { $ty::parse(text) }
            fn name(self) -> &'static str { self.as_str() }
        }
    )+};
}

named!(
    ClusterType,
    CsoType,
    ExternalSource,
    PartnerType,
    ResponsePlanType,
    RoleType,
    SharedPartner
);

/// One JSON object of the document, read field by field. Fields that fail to read are
/// remembered so later rule checks do not report them a second time.
pub struct Record<'a> {
    pub path: String,
    map: &'a Map<String, Value>,
    failed: HashSet<&'static str>,
}

impl<'a> Record<'a> {
    /// Opens `value` as an object with the given fields; anything else is reported.
    pub fn open(
        value: &'a Value,
        path: String,
        fields: &[&str],
        errors: &mut Errors,
    ) -> Option<Self> {
        let Value::Object(map) = value else {
            errors.at(&path, "expected a JSON object");
            return None;
        };
        for key in map.keys() {
            if !fields.contains(&key.as_str()) {
                errors.at(
                    key_path(&path, key),
                    format_args!("unknown field; expected one of {}", fields.join(", ")),
                );
            }
        }
        Some(Self {
            path,
            map,
            failed: HashSet::new(),
        })
    }

    /// The path of one of the record's fields.
    pub fn field(&self, key: &str) -> String {
        key_path(&self.path, key)
    }

    /// True when reading `key` failed (it was reported already).
    pub fn has_failed(&self, key: &str) -> bool {
        self.failed.contains(key)
    }

    /// Reports a problem with `key` and remembers it.
    pub fn fail(&mut self, key: &'static str, message: impl Display, errors: &mut Errors) {
        errors.at(self.field(key), message);
        self.failed.insert(key);
    }

    /// Marks `key` as failed without a message, when its error was reported another way.
    pub fn fail_silently(&mut self, key: &'static str) {
        self.failed.insert(key);
    }

    /// The value of `key`; absent and null are the same.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// True when `key` has a non-null value.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// An optional string.
    pub fn string(&mut self, key: &'static str, errors: &mut Errors) -> Option<&'a str> {
        match self.get(key)? {
            Value::String(s) => Some(s),
            other => {
                self.fail(
                    key,
                    format_args!("expected a string, found {}", kind(other)),
                    errors,
                );
                None
            }
        }
    }

    /// A required string; missing is reported.
    pub fn required_string(&mut self, key: &'static str, errors: &mut Errors) -> Option<&'a str> {
        if !self.has(key) {
            self.fail(key, "required", errors);
            return None;
        }
        self.string(key, errors)
    }

    /// An optional boolean.
    pub fn boolean(&mut self, key: &'static str, errors: &mut Errors) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            other => {
                self.fail(
                    key,
                    format_args!("expected true or false, found {}", kind(other)),
                    errors,
                );
                None
            }
        }
    }

    /// An optional 32-bit integer.
    pub fn int32(&mut self, key: &'static str, errors: &mut Errors) -> Option<i32> {
        let value = self.get(key)?;
        match value.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                self.fail(
                    key,
                    format_args!("expected a 32-bit integer, found {}", kind(value)),
                    errors,
                );
                None
            }
        }
    }

    /// An optional enum value given by name.
    pub fn named<T: Named>(&mut self, key: &'static str, errors: &mut Errors) -> Option<T> {
        let text = self.string(key, errors)?;
        if let Some(v) = T::parse(text) {
            return Some(v);
        }
        let names: Vec<&str> = T::all().iter().map(|v| v.name()).collect();
        let hint = names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(text))
            .map(|n| format!(" (did you mean {n}?)"))
            .unwrap_or_default();
        self.fail(
            key,
            format_args!(
                "{} is not a {}{hint}; expected one of {}",
                Value::from(text),
                T::WHAT,
                names.join(", ")
            ),
            errors,
        );
        None
    }

    /// A required enum value given by name.
    pub fn required_named<T: Named>(
        &mut self,
        key: &'static str,
        errors: &mut Errors,
    ) -> Option<T> {
        if !self.has(key) {
            self.fail(key, "required", errors);
            return None;
        }
        self.named(key, errors)
    }

    /// An optional array.
    pub fn array(&mut self, key: &'static str, errors: &mut Errors) -> Option<&'a [Value]> {
        match self.get(key)? {
            Value::Array(items) => Some(items),
            other => {
                self.fail(
                    key,
                    format_args!("expected an array, found {}", kind(other)),
                    errors,
                );
                None
            }
        }
    }

    /// An optional `YYYY-MM-DD` date, by the rule of the `Date` scalar.
    pub fn date(&mut self, key: &'static str, e: &mut Errors) -> Option<NaiveDate> {
        let text = self.string(key, e)?;
        match Date::parse(async_graphql::Value::String(text.to_owned())) {
            Ok(d) => Some(d.0),
            Err(_) => {
                self.fail(
                    key,
                    format_args!("{} is not a date like 2026-11-28", Value::from(text)),
                    e,
                );
                None
            }
        }
    }

    /// An optional RFC 3339 time.
    pub fn time(&mut self, key: &'static str, e: &mut Errors) -> Option<DateTime<Utc>> {
        let text = self.string(key, e)?;
        match DateTime::parse_from_rfc3339(text) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                self.fail(
                    key,
                    format_args!(
                        "{} is not an RFC 3339 time like 2026-11-28T09:30:00Z",
                        Value::from(text)
                    ),
                    e,
                );
                None
            }
        }
    }

    /// An optional decimal written as a string, by the rule of the `Decimal` scalar.
    pub fn decimal(&mut self, key: &'static str, e: &mut Errors) -> Option<Decimal> {
        let value = self.get(key)?;
        let Value::String(text) = value else {
            self.fail(
                key,
                format_args!(
                    "expected a decimal written as a string, e.g. \"1250.50\", found {}",
                    kind(value)
                ),
                e,
            );
            return None;
        };
        match Decimal::parse(async_graphql::Value::String(text.clone())) {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(
                    key,
                    format_args!(
                        "{} is not a decimal like \"1250.50\"",
                        Value::from(text.as_str())
                    ),
                    e,
                );
                None
            }
        }
    }
}

/// The JSON kind of a value, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_keys_that_are_not_identifiers() {
        assert_eq!(key_path("", "users"), "users");
        assert_eq!(key_path("users[1]", "email"), "users[1].email");
        assert_eq!(key_path("users[1]", "e mail"), "users[1][\"e mail\"]");
    }
}
