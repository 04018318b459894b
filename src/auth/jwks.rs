//! The keys an identity provider publishes (a JWKS), found through OpenID discovery or at a
//! configured URL. The set is cached as long as the provider's `Cache-Control` allows (at most
//! an hour), fetched again when a token names a key it does not hold (at most once per
//! [`UNKNOWN_KID_INTERVAL`] per instance, so a flood of forged `kid`s costs one fetch), and kept
//! when the provider cannot be reached, with a log line and a metric saying so. Keys the
//! provider stopped publishing are gone after the next fetch. Parsing and signature checks
//! are `jsonwebtoken`'s.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, OctetKeyPairParameters, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey};
use std::sync::RwLock;

use tokio::sync::Mutex;

/// The least time between two fetches caused by unknown key ids.
pub const UNKNOWN_KID_INTERVAL: Duration = Duration::from_secs(30);
/// The longest a key set is kept without asking again, whatever the provider says.
const MAX_AGE: Duration = Duration::from_secs(3600);
/// How long a key set is kept when the provider sends no `Cache-Control: max-age`.
const DEFAULT_AGE: Duration = Duration::from_secs(600);
/// After a failed fetch, the least time before the next try.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// Where the keys are published.
#[derive(Clone, Debug)]
pub enum Source {
    /// `<issuer>/.well-known/openid-configuration` names the JWKS URL.
    Discovery { issuer: String },
    /// The JWKS URL itself.
    Url(String),
}

/// One usable key and the algorithms it may verify.
struct Key {
    decoding: DecodingKey,
    algorithms: Vec<Algorithm>,
}

struct Set {
    keys: HashMap<String, Arc<Key>>,
    /// Keys published without a `kid`: used only when the set holds nothing else.
    unnamed: Vec<Arc<Key>>,
    fresh_until: Instant,
}

/// A provider's key set, shared by the requests of one instance.
pub struct ProviderKeys {
    source: Source,
    client: reqwest::Client,
    set: RwLock<Set>,
    /// Held while fetching, so that concurrent requests fetch once; the times of the last
    /// fetch caused by an unknown key id and of the last failure.
    fetching: Mutex<Fetches>,
}

#[derive(Default)]
struct Fetches {
    last_unknown: Option<Instant>,
    last_failure: Option<Instant>,
}

/// Why a token's key could not be found.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    /// The set holds no key with this id (after asking the provider, when allowed).
    Unknown,
    /// The key does not verify this algorithm.
    WrongAlgorithm,
}

impl ProviderKeys {
    /// Fetches the key set, trying again until `wait` has passed (the provider may start
    /// after idm, as the database may).
    pub async fn load(source: Source, wait: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(100);
        let set = loop {
            match fetch(&client, &source).await {
                Ok(set) => break set,
                Err(e) if started.elapsed() + pause <= wait => {
                    tracing::warn!(error = %e, "identity provider unreachable; waiting");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                Err(e) => {
                    anyhow::bail!("the identity provider's keys could not be read: {e}")
                }
            }
        };
        record(&set);
        Ok(Self {
            source,
            client,
            set: RwLock::new(set),
            fetching: Mutex::default(),
        })
    }

    /// The key for a token's `kid` and `alg`.
    pub async fn key(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<(DecodingKey, Algorithm), KeyError> {
        if self.fresh_until() <= Instant::now() {
            self.refresh(false).await;
        }
        let found = match self.find(kid) {
            Some(key) => Some(key),
            None if self.refresh(true).await => self.find(kid),
            None => None,
        };
        let key = found.ok_or(KeyError::Unknown)?;
        if !key.algorithms.contains(&alg) {
            return Err(KeyError::WrongAlgorithm);
        }
        Ok((key.decoding.clone(), alg))
    }

    /// Whether the set as last fetched still holds the key a token named: a remembered
    /// sign-in of a token whose key the provider withdrew is not used again.
    pub fn publishes(&self, kid: Option<&str>) -> bool {
        self.find(kid).is_some()
    }

    fn fresh_until(&self) -> Instant {
        self.set
            .read()
            .map(|set| set.fresh_until)
            .unwrap_or_else(|_| Instant::now())
    }

    fn find(&self, kid: Option<&str>) -> Option<Arc<Key>> {
        let set = self.set.read().ok()?;
        match kid {
            Some(kid) => set.keys.get(kid).cloned(),
            None if set.keys.is_empty() && set.unnamed.len() == 1 => set.unnamed.first().cloned(),
            None => None,
        }
    }

    /// Fetches the set again: for an unknown key id at most once per
    /// [`UNKNOWN_KID_INTERVAL`]; after a failure not before [`RETRY_AFTER`]. A failure keeps
    /// the old set. Whether a fetch succeeded.
    async fn refresh(&self, unknown_kid: bool) -> bool {
        let mut fetches = self.fetching.lock().await;
        let now = Instant::now();
        if unknown_kid {
            if fetches
                .last_unknown
                .is_some_and(|at| now.duration_since(at) < UNKNOWN_KID_INTERVAL)
            {
                return false;
            }
            fetches.last_unknown = Some(now);
        } else if self.fresh_until() > now {
            // Another request fetched while this one waited for the lock.
            return true;
        }
        if fetches
            .last_failure
            .is_some_and(|at| now.duration_since(at) < RETRY_AFTER)
        {
            return false;
        }
        match fetch(&self.client, &self.source).await {
            Ok(set) => {
                record(&set);
                if let Ok(mut current) = self.set.write() {
                    *current = set;
                }
                fetches.last_failure = None;
                true
            }
            Err(e) => {
                fetches.last_failure = Some(now);
                metrics::counter!("idm_jwks_fetch_failures_total").increment(1);
                tracing::warn!(
                    error = %e,
                    "identity provider unreachable: serving with the last key set it published"
                );
                false
            }
        }
    }
}

fn record(set: &Set) {
    metrics::counter!("idm_jwks_fetches_total").increment(1);
    metrics::gauge!("idm_jwks_keys").set((set.keys.len() + set.unnamed.len()) as f64);
    tracing::info!(
        keys = set.keys.len() + set.unnamed.len(),
        "read the identity provider's key set"
    );
}

/// Reads the JWKS (through discovery when asked) and keeps the keys idm can use.
async fn fetch(client: &reqwest::Client, source: &Source) -> anyhow::Result<Set> {
    let url = match source {
        Source::Url(url) => url.clone(),
        Source::Discovery { issuer } => {
            let discovery = format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            );
            let doc: serde_json::Value = client
                .get(&discovery)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            // OpenID Connect Discovery §4.3: the document's issuer is the one configured.
            if doc["issuer"].as_str() != Some(issuer.as_str()) {
                anyhow::bail!(
                    "{discovery} names issuer {:?}, not {issuer:?}",
                    doc["issuer"]
                );
            }
            doc["jwks_uri"]
                .as_str()
                .ok_or_else(|| anyhow::anyhow!("{discovery} names no jwks_uri"))?
                .to_owned()
        }
    };
    let response = client.get(&url).send().await?.error_for_status()?;
    let age = max_age(response.headers())
        .unwrap_or(DEFAULT_AGE)
        .min(MAX_AGE);
    let doc: serde_json::Value = response.json().await?;
    let mut set = Set {
        keys: HashMap::new(),
        unnamed: Vec::new(),
        fresh_until: Instant::now() + age,
    };
    // Each key on its own: one the library cannot read (an encryption key, a curve it does
    // not know) is skipped, not fatal.
    for value in doc["keys"].as_array().into_iter().flatten() {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value.clone()) else {
            continue;
        };
        let Some(key) = usable(&jwk) else { continue };
        match &jwk.common.key_id {
            Some(kid) => {
                set.keys.insert(kid.clone(), Arc::new(key));
            }
            None => set.unnamed.push(Arc::new(key)),
        }
    }
    if set.keys.is_empty() && set.unnamed.is_empty() {
        anyhow::bail!("{url} holds no signing key idm can use");
    }
    Ok(set)
}

/// A signing key with the algorithms it may verify: the one its `alg` names, else every
/// algorithm of its key type. Symmetric and encryption keys are never used.
fn usable(jwk: &Jwk) -> Option<Key> {
    if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
        return None;
    }
    let family: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => vec![Algorithm::ES256],
            EllipticCurve::P384 => vec![Algorithm::ES384],
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters { curve, .. }) => {
            (*curve == EllipticCurve::Ed25519).then(|| vec![Algorithm::EdDSA])?
        }
        AlgorithmParameters::OctetKey(_) => return None,
    };
    let algorithms = match jwk.common.key_algorithm {
        None => family,
        Some(named) => {
            let alg = algorithm(named)?;
            family.contains(&alg).then(|| vec![alg])?
        }
    };
    Some(Key {
        decoding: DecodingKey::from_jwk(jwk).ok()?,
        algorithms,
    })
}

fn algorithm(named: KeyAlgorithm) -> Option<Algorithm> {
    Some(match named {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    })
}

/// `max-age` of a `Cache-Control` header; none for `no-store`/`no-cache` (treated as zero).
fn max_age(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::CACHE_CONTROL)?.to_str().ok()?;
    let mut age = None;
    for directive in value.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(Duration::ZERO);
        }
        if let Some(seconds) = lower.strip_prefix("max-age=") {
            age = seconds
                .trim_matches('"')
                .parse()
                .ok()
                .map(Duration::from_secs);
        }
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_gives_the_age_of_a_key_set() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(max_age(&headers), None);
        for (value, age) in [
            ("public, max-age=300", Some(300)),
            ("max-age=86400, must-revalidate", Some(86400)),
            ("no-store", Some(0)),
            ("private", None),
        ] {
            headers.insert(
                reqwest::header::CACHE_CONTROL,
                value.parse().expect("header"),
            );
            assert_eq!(max_age(&headers), age.map(Duration::from_secs), "{value}");
        }
    }

    #[test]
    fn only_asymmetric_signing_keys_are_used_and_only_for_their_algorithms() {
        let rsa: Jwk = serde_json::from_value(serde_json::json!({
            "kty": "RSA", "kid": "r", "use": "sig", "alg": "PS256", "e": "AQAB",
            "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw"
        }))
        .expect("jwk");
        assert_eq!(
            usable(&rsa).map(|k| k.algorithms),
            Some(vec![Algorithm::PS256])
        );
        let secret: Jwk =
            serde_json::from_value(serde_json::json!({"kty": "oct", "k": "c2VjcmV0"}))
                .expect("jwk");
        assert!(usable(&secret).is_none(), "a symmetric key never verifies");
        let mut encryption = rsa.clone();
        encryption.common.public_key_use = Some(PublicKeyUse::Encryption);
        assert!(usable(&encryption).is_none());
    }
}
