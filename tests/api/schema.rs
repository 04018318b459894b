//! The committed SDL is what the code builds.

#[test]
fn committed_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let current = idm::graphql::sdl();
    if committed != current {
        if std::env::var("UPDATE_SCHEMA").is_ok() {
            std::fs::write(path, &current).expect("write schema.graphql");
        } else {
            panic!("schema.graphql is out of date: run `cargo run -- schema > schema.graphql` (or UPDATE_SCHEMA=1 cargo test)");
        }
    }
}
