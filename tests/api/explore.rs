//! Exploring the API (contract 1.1 §9.6): the standard introspection documents of GraphQL
//! tools answer in full with or without a token, introspection has its own bound, and what
//! introspection says is what `schema.graphql` says.

use std::collections::BTreeMap;

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use serde_json::{json, Value};

use crate::helpers::{app_with_admin, TestApp};

/// The documents GraphQL tools send, kept as their tools print them.
const GRAPHIQL: &str = include_str!("../fixtures/introspection/graphiql-3.8.graphql");
const GRAPHQL_JS: &str =
    include_str!("../fixtures/introspection/graphql-js-16-all-options.graphql");
const GRAPHQL_CORE: &str = include_str!("../fixtures/introspection/graphql-core-3.2.graphql");

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

/// POSTs `query` with an `Authorization` header as given (None: no header).
async fn post_with(app: &TestApp, authorization: Option<&str>, query: &str) -> (u16, Value) {
    // As the tools send theirs: with the operation's name.
    let mut body = json!({ "query": query });
    if query.contains("query IntrospectionQuery") {
        body["operationName"] = json!("IntrospectionQuery");
    }
    let mut req = app.client.post(app.url("/graphql")).json(&body);
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    let res = req.send().await.expect("answered");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_introspection_documents_of_graphql_tools_answer_in_full_with_any_authorization() {
    let (app, admin) = app_with_admin().await;
    let valid = format!("Bearer {}", app.token(admin));
    let expired = format!(
        "Bearer {}",
        app.state.keys.issue(admin, -3600).expect("token")
    );
    for (tool, document) in [
        ("GraphiQL 3.8", GRAPHIQL),
        ("graphql-js 16", GRAPHQL_JS),
        ("graphql-core 3.2", GRAPHQL_CORE),
    ] {
        for authorization in [
            None,
            Some("Bearer "),
            Some("Bearer not.a.token"),
            Some(expired.as_str()),
            Some(valid.as_str()),
        ] {
            let (status, body) = post_with(&app, authorization, document).await;
            assert_eq!(status, 200, "{tool}, {authorization:?}: {body}");
            assert!(body.get("errors").is_none(), "{tool}: {body}");
            let types = body["data"]["__schema"]["types"].as_array().expect("types");
            let user = types
                .iter()
                .find(|t| t["name"] == "User")
                .expect("User is listed");
            assert!(user["fields"].as_array().expect("fields").len() > 10);
        }
    }
    // Over GET as well, as some tools ask.
    let res = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", GRAPHIQL)])
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn everything_but_introspection_still_needs_a_token() {
    let app = TestApp::spawn().await;
    for query in [
        "{ me { email } }",
        "{ __typename me { email } }",
        "{ __schema { queryType { name } } users(portal: CLUSTER) { totalCount } }",
        "query A { __typename } query B { me { id } }",
        "mutation { __typename }",
    ] {
        let (status, body) = post_with(&app, Some("Bearer "), query).await;
        assert_eq!(status, 401, "{query}: {body}");
        assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    }
}

#[tokio::test]
async fn with_introspection_off_the_schema_is_not_answered() {
    let app = TestApp::spawn_with(|c| c.introspection = false).await;
    app.user("a@example.org", None, &[]).await;
    let (status, _) = post_with(&app, None, GRAPHIQL).await;
    assert_eq!(status, 401);
    let (status, body) = post_with(
        &app,
        Some(&format!("Bearer {}", app.token("a@example.org"))),
        GRAPHIQL,
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["data"].is_null(), "{body}");
    assert!(body["errors"].is_array(), "{body}");
}

/// `fields { type { fields { type … } } }` ten deep would answer a response exponential in
/// its depth: refused before it runs. A 40-deep `ofType` chain is free of that bound.
#[tokio::test]
async fn an_introspection_bomb_is_refused_and_an_of_type_chain_is_not_slow() {
    let app = TestApp::spawn().await;
    let bomb = format!(
        "{{ __schema {{ types {{ {} name {} }} }} }}",
        "fields { type { ".repeat(10),
        "} } ".repeat(10)
    );
    let (status, body) = post_with(&app, None, &bomb).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(body["data"].is_null(), "{body}");

    // Three passes are allowed (types, fields, args), four are not.
    let three = "{ __schema { types { fields { args { name } } } } }";
    let (_, body) = post_with(&app, None, three).await;
    assert!(body.get("errors").is_none(), "{body}");
    let four = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let (_, body) = post_with(&app, None, four).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    // Through fragments too, each walked once.
    let fragments = "{ __schema { types { ...A } } }
        fragment A on __Type { fields { type { ...B } } }
        fragment B on __Type { fields { type { ...C } } }
        fragment C on __Type { fields { name } }";
    let (_, body) = post_with(&app, None, fragments).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");

    let chain = format!(
        "{{ __type(name: \"User\") {{ fields {{ type {{ {} name {} }} }} }} }}",
        "ofType { ".repeat(40),
        "} ".repeat(40)
    );
    let (status, body) = post_with(&app, None, &chain).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.get("errors").is_none() || code(&body) == "BAD_USER_INPUT",
        "{body}"
    );
}

/// One shape of a type: its kind and description, and per member (field, input field or
/// enum value) its type, description and arguments.
#[derive(Debug, PartialEq, Default)]
struct Shape {
    kind: String,
    description: Option<String>,
    members: BTreeMap<String, Member>,
    implements: Vec<String>,
}

#[derive(Debug, PartialEq, Default)]
struct Member {
    ty: String,
    description: Option<String>,
    default: Option<String>,
    args: BTreeMap<String, Member>,
}

fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn type_ref(value: &Value) -> String {
    match value["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&value["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&value["ofType"])),
        _ => value["name"].as_str().unwrap_or("?").to_owned(),
    }
}

fn members_of_introspection(list: &Value) -> BTreeMap<String, Member> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let ty = if m["type"].is_null() {
                String::new()
            } else {
                type_ref(&m["type"])
            };
            let member = Member {
                ty,
                description: text(&m["description"]),
                default: m["defaultValue"].as_str().map(|d| d.replace(' ', "")),
                args: members_of_introspection(&m["args"]),
            };
            (m["name"].as_str().unwrap_or("?").to_owned(), member)
        })
        .collect()
}

fn shapes_of_introspection(schema: &Value) -> BTreeMap<String, Shape> {
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    schema["types"]
        .as_array()
        .expect("types")
        .iter()
        .filter_map(|t| {
            let name = t["name"].as_str()?.to_owned();
            if name.starts_with("__") || builtin.contains(&name.as_str()) {
                return None;
            }
            let mut members = members_of_introspection(&t["fields"]);
            members.extend(members_of_introspection(&t["inputFields"]));
            members.extend(members_of_introspection(&t["enumValues"]));
            let mut implements: Vec<String> = t["interfaces"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(t["possibleTypes"].as_array().into_iter().flatten())
                .filter_map(|i| i["name"].as_str().map(str::to_owned))
                .collect();
            implements.sort();
            let kind = t["kind"].as_str().unwrap_or("?").to_owned();
            Some((
                name,
                Shape {
                    kind,
                    description: text(&t["description"]),
                    members,
                    implements,
                },
            ))
        })
        .collect()
}

fn input_member(v: &async_graphql::parser::types::InputValueDefinition) -> (String, Member) {
    (
        v.name.node.to_string(),
        Member {
            ty: v.ty.node.to_string(),
            description: v.description.as_ref().map(|d| d.node.trim().to_owned()),
            default: v
                .default_value
                .as_ref()
                .map(|d| d.node.to_string().replace(' ', "")),
            args: BTreeMap::new(),
        },
    )
}

fn field_members(
    fields: &[async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>],
) -> BTreeMap<String, Member> {
    fields
        .iter()
        .map(|field| {
            let f = &field.node;
            let member = Member {
                ty: f.ty.node.to_string(),
                description: f.description.as_ref().map(|d| d.node.trim().to_owned()),
                default: None,
                args: f.arguments.iter().map(|a| input_member(&a.node)).collect(),
            };
            (f.name.node.to_string(), member)
        })
        .collect()
}

fn shapes_of_sdl(sdl: &str) -> BTreeMap<String, Shape> {
    let doc = async_graphql::parser::parse_schema(sdl).expect("schema.graphql parses");
    let mut shapes = BTreeMap::new();
    let mut implementers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for definition in &doc.definitions {
        let TypeSystemDefinition::Type(t) = definition else {
            continue;
        };
        let t = &t.node;
        let mut shape = Shape {
            description: t.description.as_ref().map(|d| d.node.trim().to_owned()),
            ..Shape::default()
        };
        match &t.kind {
            TypeKind::Scalar => shape.kind = "SCALAR".into(),
            TypeKind::Object(o) => {
                shape.kind = "OBJECT".into();
                shape.members = field_members(&o.fields);
                for interface in &o.implements {
                    shape.implements.push(interface.node.to_string());
                    implementers
                        .entry(interface.node.to_string())
                        .or_default()
                        .push(t.name.node.to_string());
                }
            }
            TypeKind::Interface(i) => {
                shape.kind = "INTERFACE".into();
                shape.members = field_members(&i.fields);
            }
            TypeKind::Union(u) => {
                shape.kind = "UNION".into();
                shape.implements = u.members.iter().map(|m| m.node.to_string()).collect();
            }
            TypeKind::Enum(e) => {
                shape.kind = "ENUM".into();
                for value in &e.values {
                    let v = &value.node;
                    shape.members.insert(
                        v.value.node.to_string(),
                        Member {
                            description: v.description.as_ref().map(|d| d.node.trim().to_owned()),
                            ..Member::default()
                        },
                    );
                }
            }
            TypeKind::InputObject(i) => {
                shape.kind = "INPUT_OBJECT".into();
                shape.members = i.fields.iter().map(|f| input_member(&f.node)).collect();
            }
        }
        shapes.insert(t.name.node.to_string(), shape);
    }
    for (interface, mut types) in implementers {
        if let Some(shape) = shapes.get_mut(&interface) {
            shape.implements.append(&mut types);
        }
    }
    for shape in shapes.values_mut() {
        shape.implements.sort();
    }
    shapes
}

/// `schema.graphql`, `/schema.graphql` and introspection are one schema: the same types,
/// fields, arguments, defaults, enum values and descriptions, compared by meaning.
#[tokio::test]
async fn introspection_and_schema_graphql_describe_one_schema() {
    let app = TestApp::spawn().await;
    let (_, body) = post_with(&app, None, GRAPHQL_JS).await;
    let introspected = shapes_of_introspection(&body["data"]["__schema"]);
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql");
    let served = app
        .client
        .get(app.url("/schema.graphql"))
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("text");
    for (source, sdl) in [("schema.graphql", committed), ("/schema.graphql", served)] {
        let declared = shapes_of_sdl(&sdl);
        let names: Vec<&String> = declared.keys().collect();
        assert_eq!(
            names,
            introspected.keys().collect::<Vec<_>>(),
            "{source}: the types differ"
        );
        for (name, shape) in &declared {
            assert_eq!(Some(shape), introspected.get(name), "{source}: type {name}");
        }
    }
}
