//! Parsed GraphQL documents, kept by query text. The admin app and scripts send the same few
//! documents over and over; parsing one (pest) was ~5% of the CPU of a users page, a lookup
//! and a clone are a fraction of that. A document depends on its text alone, so nothing here
//! can go stale, whatever other instances do.

use std::collections::HashMap;
use std::sync::Mutex;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::ServerError;

/// Texts longer than this are parsed every time rather than kept.
const MAX_TEXT: usize = 16 * 1024;
/// Documents kept at most; when full, the cache starts over (a client sending ever new
/// documents costs the others their hits, never memory).
const MAX_ENTRIES: usize = 512;

/// A bounded map from query text to its parsed document.
#[derive(Default)]
pub struct DocumentCache {
    parsed: Mutex<HashMap<String, ExecutableDocument>>,
}

impl DocumentCache {
    /// The document of `query`, parsed now or earlier.
    pub fn parse(&self, query: &str) -> Result<ExecutableDocument, ServerError> {
        if let Some(doc) = self.lock().get(query) {
            return Ok(doc.clone());
        }
        let doc = async_graphql::parser::parse_query(query)?;
        if query.len() <= MAX_TEXT {
            let mut parsed = self.lock();
            if parsed.len() >= MAX_ENTRIES {
                parsed.clear();
            }
            parsed.insert(query.to_owned(), doc.clone());
        }
        Ok(doc)
    }

    /// Number of documents kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no document is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ExecutableDocument>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.parsed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_parsed_once_and_kept_by_its_text() {
        let cache = DocumentCache::default();
        let a = cache.parse("{ me { id } }").expect("parses");
        assert_eq!(cache.len(), 1);
        let again = cache.parse("{ me { id } }").expect("parses");
        assert_eq!(format!("{a:?}"), format!("{again:?}"));
        assert_eq!(cache.len(), 1);
        cache.parse("{ me { email } }").expect("parses");
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn errors_are_not_kept_and_the_cache_stays_bounded() {
        let cache = DocumentCache::default();
        assert!(cache.parse("{ me { ").is_err());
        assert!(cache.is_empty());
        for i in 0..MAX_ENTRIES + 10 {
            cache
                .parse(&format!("{{ me {{ id }} }} # {i}"))
                .expect("parses");
        }
        assert!(cache.len() <= MAX_ENTRIES);
        let long = format!("{{ me {{ id }} }} #{}", "x".repeat(MAX_TEXT));
        cache.parse(&long).expect("parses");
        assert!(!cache.lock().contains_key(&long));
    }
}
