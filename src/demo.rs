//! The built-in demo data set (`idm serve --demo`): loaded through the import path into an
//! empty database, then a ready token is printed for each demo user.

use std::net::SocketAddr;

use sea_orm::{EntityTrait, PaginatorTrait};

use crate::context::AppState;
use crate::entity::user;

/// The demo document, in the import format.
pub const DEMO_JSON: &str = include_str!("../demo/demo.json");

/// Lifetime of the printed tokens: a week.
const TOKEN_TTL_SECONDS: i64 = 7 * 24 * 3600;

/// The demo users' emails and role labels, in the order of the document.
pub fn demo_users() -> Vec<(String, String)> {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(DEMO_JSON) else {
        return Vec::new();
    };
    doc["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| {
            let email = u["email"].as_str()?.to_owned();
            let roles: Vec<String> = u["roles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["role"].as_str().map(str::to_owned))
                .collect();
            let label = if roles.is_empty() {
                "no roles yet".to_owned()
            } else {
                roles.join(", ")
            };
            Some((email, label))
        })
        .collect()
}

/// Loads the demo set when the database has no users, then prints the tokens.
pub async fn load_and_print(state: &AppState, addr: SocketAddr) -> anyhow::Result<()> {
    let users = user::Entity::find().count(&state.db).await?;
    if users == 0 {
        crate::import::import_json(&state.db, DEMO_JSON).await?;
        println!("Loaded the demo data set.");
    } else {
        println!("The database already has users; the demo data set was not loaded again.");
    }
    println!();
    println!("Console:  http://{addr}/admin  (paste a token below to sign in)");
    println!(
        "GraphiQL: http://{addr}/graphiql  (paste a token after \"Bearer \" in the Headers tab)"
    );
    println!();
    for (email, roles) in demo_users() {
        let token = state.keys.issue(&email, TOKEN_TTL_SECONDS)?;
        println!("{email}  [{roles}]");
        println!("  console: http://{addr}/admin  token: {token}");
        println!("  {{\"Authorization\": \"Bearer {token}\"}}");
    }
    println!();
    Ok(())
}
