//! Bearer-token authentication: JWT -> the requester with its roles.
//!
//! HS256 with a shared secret, RS256/ES256 with a PEM public key, or the keys an OpenID
//! provider publishes (`jwks`); each key accepts only its own algorithms, so `alg: none` and
//! HS/RS confusion (a public key used as an HMAC secret) fail.

pub mod jwks;
pub mod remembered;

pub use remembered::SignIns;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};

use crate::config::JwtConfig;
use crate::error::ApiError;
use crate::permissions::Person;
use crate::{settings, users};

/// Verification (and, with a secret, signing) keys, resolved once at start.
#[derive(Clone)]
pub struct JwtKeys {
    secret: Option<(DecodingKey, EncodingKey)>,
    public: Option<(DecodingKey, Algorithm)>,
    provider: Option<Arc<jwks::ProviderKeys>>,
    issuer: Option<String>,
    audience: Option<String>,
    email_claim: Arc<str>,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("hs256", &self.secret.is_some())
            .field("public", &self.public.as_ref().map(|(_, alg)| alg))
            .field("provider", &self.provider.is_some())
            .finish()
    }
}

/// The claims the service reads; the email is in `other`, under the configured claim.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// OIDC's flag; a token that says the email is not verified is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Every other claim.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl Claims {
    /// The email under `claim`: a string, or the first string of an array (Azure AD B2C's
    /// `emails`).
    pub fn email(&self, claim: &str) -> Option<&str> {
        match self.other.get(claim)? {
            serde_json::Value::String(email) => Some(email),
            serde_json::Value::Array(values) => values.first()?.as_str(),
            _ => None,
        }
    }
}

/// The `aud` claim: one audience or several (identity providers send either).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl JwtKeys {
    /// Resolves the configured keys; with neither a secret nor a public key, the secret kept
    /// in the database is used (and generated on first start, with a warning).
    pub async fn load(config: &JwtConfig, db: &DatabaseConnection) -> anyhow::Result<Self> {
        let public = match &config.public_key_file {
            Some(path) => {
                let pem = std::fs::read(path)?;
                if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
                    Some((key, Algorithm::RS256))
                } else if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
                    Some((key, Algorithm::ES256))
                } else {
                    anyhow::bail!(
                        "IDM_JWT_PUBLIC_KEY_FILE is neither an RSA nor an EC public key in PEM"
                    );
                }
            }
            None => None,
        };
        if public.is_some() && (config.issuer.is_none() || config.audience.is_none()) {
            anyhow::bail!(
                "IDM_JWT_PUBLIC_KEY_FILE needs IDM_JWT_ISSUER and IDM_JWT_AUDIENCE: an identity \
                 provider's tokens are accepted only when it issued them for idm"
            );
        }
        let source = match (&config.oidc_issuer, &config.jwks_url) {
            (Some(issuer), _) => Some(jwks::Source::Discovery {
                issuer: issuer.clone(),
            }),
            (None, Some(url)) => Some(jwks::Source::Url(url.clone())),
            (None, None) => None,
        };
        let provider = match source {
            Some(source) => Some(Arc::new(
                jwks::ProviderKeys::load(source, config.provider_startup_wait).await?,
            )),
            None => None,
        };
        let secret = match (&config.secret, public.is_some() || provider.is_some()) {
            (Some(secret), _) => Some(secret.clone()),
            (None, true) => None,
            (None, false) => Some(settings::jwt_secret(db).await?),
        };
        Ok(Self {
            provider,
            email_claim: config.email_claim.as_str().into(),
            secret: secret.map(|s| {
                (
                    DecodingKey::from_secret(s.as_bytes()),
                    EncodingKey::from_secret(s.as_bytes()),
                )
            }),
            public,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
        })
    }

    /// Checks signature, algorithm, `exp`, `nbf` and, when configured, `iss` and `aud`.
    pub async fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| "malformed token")?;
        let provided;
        let key = match (header.alg, &self.provider) {
            (Algorithm::HS256, _) => self.secret.as_ref().map(|(d, _)| d),
            (alg, Some(provider)) => {
                provided = provider
                    .key(header.kid.as_deref(), alg)
                    .await
                    .map_err(|e| match e {
                        jwks::KeyError::Unknown => "token signed by an unknown key",
                        jwks::KeyError::WrongAlgorithm => "token algorithm not accepted",
                    })?;
                Some(&provided.0)
            }
            (alg, None) => self
                .public
                .as_ref()
                .filter(|(_, expected)| *expected == alg)
                .map(|(d, _)| d),
        }
        .ok_or("token algorithm not accepted")?;
        let mut validation = Validation::new(header.alg);
        let mut required = vec!["exp"];
        required.extend(self.issuer.as_ref().map(|_| "iss"));
        required.extend(self.audience.as_ref().map(|_| "aud"));
        validation.set_required_spec_claims(&required);
        validation.validate_nbf = true;
        validation.leeway = 5;
        match &self.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &self.audience {
            // Several audiences, comma-separated: e.g. the console's client id (its ID tokens)
            // and an API audience (access tokens of scripts).
            Some(aud) => validation.set_audience(&audiences(aud)),
            None => validation.validate_aud = false,
        }
        jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => "token expired",
                jsonwebtoken::errors::ErrorKind::ImmatureSignature => "token not yet valid",
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => "wrong token issuer",
                jsonwebtoken::errors::ErrorKind::InvalidAudience => "wrong token audience",
                jsonwebtoken::errors::ErrorKind::MissingRequiredClaim(_) => {
                    "token lacks a required claim"
                }
                _ => "invalid token",
            })
    }

    /// Signs an HS256 token for `email`, valid for `ttl_seconds` (development and scripts).
    pub fn issue(&self, email: &str, ttl_seconds: i64) -> anyhow::Result<String> {
        let (_, encoding) = self
            .secret
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no HS256 secret is configured"))?;
        let now = Utc::now().timestamp();
        let mut other = serde_json::Map::new();
        other.insert(
            self.email_claim.to_string(),
            serde_json::Value::String(email.to_ascii_lowercase()),
        );
        let claims = Claims {
            exp: now + ttl_seconds,
            iat: Some(now),
            nbf: None,
            iss: self.issuer.clone(),
            aud: self
                .audience
                .as_deref()
                .and_then(|a| audiences(a).first().map(|a| Audience::One((*a).to_owned()))),
            email_verified: None,
            other,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            encoding,
        )?)
    }
}

/// The audiences of `IDM_JWT_AUDIENCE`, which may list several, comma-separated.
pub fn audiences(configured: &str) -> Vec<&str> {
    configured
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect()
}

/// The authenticated user of a request, with its roles.
#[derive(Clone, Debug)]
pub struct Requester {
    pub user: crate::entity::user::Model,
    pub person: Person,
    /// What the sign-in read, as [`remembered::authority_text`]: a statement that runs on
    /// a remembered sign-in compares it with the database's.
    pub authority: String,
}

impl Requester {
    pub fn new(user: crate::entity::user::Model, roles: &[crate::entity::prp_role::Model]) -> Self {
        Self {
            person: users::store::person(&user, roles),
            authority: remembered::authority_text(&user, roles),
            user,
        }
    }

    pub fn id(&self) -> i64 {
        self.user.id
    }
}

/// A bearer token whose signature and claims are good: whom it names is still to be read.
pub struct Bearer<'a> {
    pub token: &'a str,
    email: String,
    iat: Option<i64>,
    exp: i64,
    /// The provider key that signed it (tokens checked against a provider's key set).
    kid: Option<String>,
}

/// The token of an `Authorization` header value (`Bearer <token>`), unchecked.
pub fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let header = authorization?;
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Checks an `Authorization` header value's token: UNAUTHENTICATED when it is missing,
/// malformed, badly signed, expired or names no verified email. Reads no database.
pub async fn verify_bearer<'a>(
    keys: &JwtKeys,
    authorization: Option<&'a str>,
) -> Result<Bearer<'a>, ApiError> {
    let token = bearer_token(authorization)
        .ok_or_else(|| ApiError::unauthenticated("missing bearer token"))?;
    let claims = keys
        .verify(token)
        .await
        .map_err(ApiError::unauthenticated)?;
    let claim = claims
        .email(&keys.email_claim)
        .ok_or_else(|| ApiError::unauthenticated("token lacks an email claim"))?;
    if claims.email_verified == Some(false) {
        return Err(ApiError::unauthenticated(
            "the token's email is not verified",
        ));
    }
    // The stored form (contract 1.1 §9.14); an address no user can have is an unknown user.
    let email = crate::email::from_claim(claim)
        .ok_or_else(|| ApiError::unauthenticated("unknown or deactivated user"))?;
    let kid = match keys.provider {
        Some(_) => jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid),
        None => None,
    };
    Ok(Bearer {
        token,
        email,
        iat: claims.iat,
        exp: claims.exp,
        kid,
    })
}

/// Reads the user a verified token names, with its roles: UNAUTHENTICATED when there is none
/// or it is deactivated. A token whose `iat` is later than the user's `lastLogin` counts as
/// a sign-in.
pub async fn sign_in(
    db: &impl ConnectionTrait,
    bearer: &Bearer<'_>,
) -> Result<Requester, ApiError> {
    let (mut user, roles) = users::store::find_signed_in(db, &bearer.email)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("unknown or deactivated user"))?;
    if !user.is_active {
        return Err(ApiError::unauthenticated("unknown or deactivated user"));
    }
    // A sign-in is the token's issue time, never later than now. Without `iat` the time of
    // use stands in, written at most hourly so that every request does not write.
    let now = Utc::now();
    let (signed_in, newer_by) = match bearer
        .iat
        .and_then(|iat| DateTime::<Utc>::from_timestamp(iat, 0))
    {
        Some(iat) => (iat.min(now), chrono::Duration::zero()),
        None => (now, chrono::Duration::hours(1)),
    };
    if user
        .last_login
        .is_none_or(|last| signed_in > last + newer_by)
    {
        users::store::set_last_login(db, user.id, signed_in).await?;
        user.last_login = Some(signed_in);
    }
    Ok(Requester::new(user, &roles))
}

/// Turns an `Authorization` header value into the requester, or UNAUTHENTICATED.
pub async fn authenticate(
    keys: &JwtKeys,
    db: &impl ConnectionTrait,
    authorization: Option<&str>,
) -> Result<Requester, ApiError> {
    sign_in(db, &verify_bearer(keys, authorization).await?).await
}
