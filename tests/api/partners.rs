//! Partners: who reads which partner and how the list filters (contract §3), and
//! createPartner/updatePartner with their rules, validation and audit (§1, §5, §6).

use idm::domain::{ClusterType, RoleType};
use idm::ids::Kind;
use serde_json::{json, Value};

use crate::helpers::{app_with_admin, gid, TestApp};

const PARTNERS: &str = "query($filter: PartnerFilter) { partners(filter: $filter, first: 100) { totalCount nodes { title } } }";
const PARTNER: &str = "query($id: ID!) { partner(id: $id) { title } node(id: $id) { id } }";
const CREATE: &str = "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { partner { id title shortTitle alternateTitle partnerType partnerTypeDisplay sharedPartner csoType email phoneNumber streetAddress city postalCode countryCode totalCtCp totalCtCy vendorNumber alternateId rating basisForRiskRating typeOfAssessment ochaExternalId externalId externalSource clusters { title } } errors { code field message } } }";
const UPDATE: &str = "mutation($input: UpdatePartnerInput!) { updatePartner(input: $input) { partner { id title shortTitle city email csoType partnerType totalCtCp clusters { id } } errors { code field message } } }";

/// The titles `who` sees with `filter`, in the list's order.
async fn titles(app: &TestApp, who: &str, filter: Value) -> Vec<String> {
    let d = app
        .execute_data(who, PARTNERS, json!({ "filter": filter }))
        .await;
    let titles: Vec<String> = d["partners"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["title"].as_str().expect("title").to_owned())
        .collect();
    assert_eq!(d["partners"]["totalCount"], titles.len(), "{d}");
    titles
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn system_admins_and_imos_read_every_partner_and_others_only_their_own() {
    let (app, csa) = app_with_admin().await;
    let (ws, c) = app.health_cluster("W1").await;
    let p = app.partner("Alpha").await;
    let q = app.partner("Bravo").await;
    app.partner("Charlie").await;
    app.user("imo@un.org", None, &[(RoleType::ClusterImo, None, Some(c))])
        .await;
    app.user(
        "member@p.org",
        Some(p),
        &[(RoleType::ClusterMember, None, Some(c))],
    )
    .await;
    app.user(
        "editor@p.org",
        Some(p),
        &[(RoleType::IpEditor, Some(ws), None)],
    )
    .await;
    app.user("nobody@un.org", None, &[]).await;
    let lapsed = app.user("lapsed@un.org", None, &[]).await;
    app.role(lapsed, RoleType::ClusterImo, None, Some(c), false)
        .await;
    for who in [csa, "imo@un.org"] {
        // newest first by default
        assert_eq!(
            titles(&app, who, json!(null)).await,
            ["Charlie", "Bravo", "Alpha"]
        );
    }
    for who in ["member@p.org", "editor@p.org"] {
        assert_eq!(titles(&app, who, json!(null)).await, ["Alpha"], "{who}");
    }
    for who in ["nobody@un.org", "lapsed@un.org"] {
        assert!(titles(&app, who, json!(null)).await.is_empty(), "{who}");
    }
    let cases = [
        (csa, q, true),
        ("imo@un.org", q, true),
        ("member@p.org", p, true),
        ("member@p.org", q, false),
        ("editor@p.org", q, false),
        ("nobody@un.org", p, false),
        ("lapsed@un.org", q, false),
    ];
    for (who, partner, visible) in cases {
        let d = app
            .execute_data(who, PARTNER, json!({"id": gid(Kind::Partner, partner)}))
            .await;
        assert_eq!(d["partner"].is_null(), !visible, "{who} {partner}: {d}");
        assert_eq!(d["node"].is_null(), !visible, "{who} {partner}: {d}");
    }
    let body = app
        .execute(csa, PARTNER, json!({"id": gid(Kind::User, 1)}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
}

#[tokio::test]
async fn partner_filters_match_titles_types_and_clusters() {
    let (app, csa) = app_with_admin().await;
    let (ws, c1) = app.health_cluster("W1").await;
    let c2 = app.cluster(ws, ClusterType::Wash).await;
    let c3 = app.cluster(ws, ClusterType::Shelter).await;
    let create = |input: Value| {
        let app = &app;
        async move {
            let d = app
                .execute_data(csa, CREATE, json!({ "input": input }))
                .await;
            assert_eq!(d["createPartner"]["errors"], json!([]), "{d}");
        }
    };
    create(json!({"title": "Alpha Relief", "shortTitle": "ARC", "partnerType": "CIVIL_SOCIETY_ORGANIZATION", "clusterIds": [gid(Kind::Cluster, c1), gid(Kind::Cluster, c2)]})).await;
    create(json!({"title": "Ministry of Health", "shortTitle": "MoH", "alternateTitle": "Wizarat al-Sihha", "clusterIds": [gid(Kind::Cluster, c2)]})).await;
    create(json!({"title": "World Agency", "shortTitle": "WA", "partnerType": "UN_AGENCY"})).await;
    create(json!({"title": "100% Water_Works", "shortTitle": "WW", "partnerType": "CIVIL_SOCIETY_ORGANIZATION"})).await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"title": "relief"}), vec!["Alpha Relief"]),
        (json!({"title": "arc"}), vec!["Alpha Relief"]),
        (json!({"title": "moh"}), vec!["Ministry of Health"]),
        (json!({"title": "SIHHA"}), vec!["Ministry of Health"]),
        (
            json!({"title": "a"}),
            vec![
                "Alpha Relief",
                "Ministry of Health",
                "World Agency",
                "100% Water_Works",
            ],
        ),
        (json!({"title": "0%"}), vec!["100% Water_Works"]),
        (json!({"title": "r_w"}), vec!["100% Water_Works"]),
        (json!({"title": "y_w"}), vec![]),
        // a match must lie inside one of the three titles, not across two of them
        (json!({"title": "relief arc"}), vec![]),
        (json!({"title": "health moh"}), vec![]),
        (
            json!({"partnerType": "CIVIL_SOCIETY_ORGANIZATION"}),
            vec!["Alpha Relief", "100% Water_Works"],
        ),
        (
            json!({"partnerType": "GOVERNMENT"}),
            vec!["Ministry of Health"],
        ),
        (json!({"partnerType": "BILATERAL_MULTILATERAL"}), vec![]),
        (
            json!({"clusterIds": [gid(Kind::Cluster, c2)]}),
            vec!["Alpha Relief", "Ministry of Health"],
        ),
        (
            json!({"clusterIds": [gid(Kind::Cluster, c1), gid(Kind::Cluster, c3)]}),
            vec!["Alpha Relief"],
        ),
        (json!({"clusterIds": [gid(Kind::Cluster, c3)]}), vec![]),
        (
            json!({"clusterIds": [gid(Kind::Cluster, c2)], "partnerType": "GOVERNMENT", "title": "health"}),
            vec!["Ministry of Health"],
        ),
        (
            json!({"clusterIds": [gid(Kind::Cluster, c2)], "title": "world"}),
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            sorted(titles(&app, csa, filter.clone()).await),
            sorted(expected.iter().map(|t| (*t).to_owned()).collect()),
            "{filter}"
        );
    }
    let body = app
        .execute(csa, PARTNERS, json!({"filter": {"clusterIds": ["nope"]}}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
}

#[tokio::test]
async fn a_system_admin_creates_a_partner_with_every_field_and_the_creation_is_audited() {
    let (app, csa) = app_with_admin().await;
    let ws = app.workspace("W1").await;
    let c = app.cluster(ws, ClusterType::FoodSecurity).await;
    let input = json!({
        "title": " Alpha Relief ", "shortTitle": "ARC", "alternateTitle": "Alpha",
        "partnerType": "CIVIL_SOCIETY_ORGANIZATION", "sharedPartner": "WITH_UNDP", "csoType": "NATIONAL",
        "email": "Info@Alpha.example", "phoneNumber": "+963 11 000", "streetAddress": "1 Main St",
        "city": "Damascus", "postalCode": "0000", "countryCode": "SY", "totalCtCp": "1250000.50",
        "totalCtCy": "12", "vendorNumber": "2500001", "alternateId": 7, "rating": "Low",
        "basisForRiskRating": "Micro assessment", "typeOfAssessment": "Micro", "ochaExternalId": "OCHA-1",
        "externalId": "X-1", "externalSource": "HPC", "clusterIds": [gid(Kind::Cluster, c)]
    });
    let d = app
        .execute_data(csa, CREATE, json!({ "input": input }))
        .await;
    let out = &d["createPartner"];
    assert_eq!(out["errors"], json!([]));
    let mut partner = out["partner"].clone();
    let id = partner["id"].take();
    assert_eq!(
        partner,
        json!({
            "id": null, "title": "Alpha Relief", "shortTitle": "ARC", "alternateTitle": "Alpha",
            "partnerType": "CIVIL_SOCIETY_ORGANIZATION", "partnerTypeDisplay": "Civil Society Organization",
            "sharedPartner": "WITH_UNDP", "csoType": "NATIONAL", "email": "Info@Alpha.example",
            "phoneNumber": "+963 11 000", "streetAddress": "1 Main St", "city": "Damascus", "postalCode": "0000",
            "countryCode": "SY", "totalCtCp": "1250000.50", "totalCtCy": "12.00", "vendorNumber": "2500001",
            "alternateId": 7, "rating": "Low", "basisForRiskRating": "Micro assessment",
            "typeOfAssessment": "Micro", "ochaExternalId": "OCHA-1", "externalId": "X-1",
            "externalSource": "HPC", "clusters": [{"title": "Food Security"}]
        })
    );
    let audit = app.audit().await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "partner.create");
    assert_eq!(audit[0].target_type, "Partner");
    assert_eq!(
        gid(Kind::Partner, audit[0].target_id),
        id.as_str().unwrap_or("")
    );
    assert_eq!(audit[0].before, None);
    assert_eq!(
        audit[0].after.as_ref().map(|a| a["vendorNumber"].clone()),
        Some(json!("2500001"))
    );
    // defaults
    let d = app
        .execute_data(csa, CREATE, json!({"input": {"title": "Plain"}}))
        .await;
    let p = &d["createPartner"]["partner"];
    assert_eq!(p["partnerType"], "GOVERNMENT");
    assert_eq!(p["partnerTypeDisplay"], "Government");
    assert_eq!(p["sharedPartner"], "NO");
    assert_eq!(p["shortTitle"], "");
    assert_eq!(p["clusters"], json!([]));
}

#[tokio::test]
async fn only_system_admins_and_imos_create_or_update_partners() {
    let app = TestApp::spawn().await;
    let (ws, c) = app.health_cluster("W1").await;
    let p = app.partner("Mine").await;
    app.user("imo@un.org", None, &[(RoleType::ClusterImo, None, Some(c))])
        .await;
    app.user(
        "member@p.org",
        Some(p),
        &[(RoleType::ClusterMember, None, Some(c))],
    )
    .await;
    app.officer("ao@p.org", p, ws).await;
    let lapsed = app.user("lapsed@un.org", None, &[]).await;
    app.role(lapsed, RoleType::ClusterImo, None, Some(c), false)
        .await;
    let d = app
        .execute_data("imo@un.org", CREATE, json!({"input": {"title": "By IMO"}}))
        .await;
    assert_eq!(d["createPartner"]["errors"], json!([]));
    let d = app
        .execute_data(
            "imo@un.org",
            UPDATE,
            json!({"input": {"id": gid(Kind::Partner, p), "city": "Aleppo"}}),
        )
        .await;
    assert_eq!(d["updatePartner"]["partner"]["city"], "Aleppo");
    for who in ["member@p.org", "ao@p.org", "lapsed@un.org"] {
        let create = json!({"input": {"title": "Nope"}});
        app.assert_rejected(who, CREATE, create, &["FORBIDDEN"])
            .await;
        let update = json!({"input": {"id": gid(Kind::Partner, p), "title": "Taken over"}});
        app.assert_rejected(who, UPDATE, update, &["FORBIDDEN"])
            .await;
    }
    assert_eq!(
        idm::partners::store::find(&app.db, p)
            .await
            .expect("db")
            .expect("partner")
            .title,
        "Mine"
    );
}

#[tokio::test]
async fn bad_partner_fields_are_validation_errors_naming_each_field() {
    let (app, csa) = app_with_admin().await;
    let before = app.counts().await;
    let cases = [
        (json!({"title": "A", "csoType": "NATIONAL"}), "csoType"),
        (
            json!({"title": "A", "partnerType": "UN_AGENCY", "csoType": "NATIONAL"}),
            "csoType",
        ),
        (json!({"title": "A", "countryCode": "XX"}), "countryCode"),
        (json!({"title": "A", "countryCode": "SYR"}), "countryCode"),
        (json!({"title": "A", "email": "not-an-address"}), "email"),
        (json!({"title": "A", "email": "a@b"}), "email"),
        (json!({"title": "A", "totalCtCp": "1.555"}), "totalCtCp"),
        (
            json!({"title": "A", "totalCtCy": "12345678901"}),
            "totalCtCy",
        ),
        (
            json!({"title": "A", "totalCtCy": "99999999999.99"}),
            "totalCtCy",
        ),
        (json!({"title": ""}), "title"),
        (json!({"title": "x".repeat(256)}), "title"),
        (
            json!({"title": "A", "shortTitle": "x".repeat(51)}),
            "shortTitle",
        ),
        (json!({"title": "A", "clusterIds": ["nope"]}), "clusterIds"),
    ];
    for (input, field) in cases {
        let d = app
            .execute_data(csa, CREATE, json!({ "input": input.clone() }))
            .await;
        let errors = d["createPartner"]["errors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!errors.is_empty(), "{input}");
        for e in &errors {
            assert_eq!(e["code"], "VALIDATION", "{input}: {errors:?}");
            assert_eq!(e["field"][0], "input", "{errors:?}");
            assert_eq!(e["field"][1], field, "{errors:?}");
        }
        assert_eq!(d["createPartner"]["partner"], Value::Null);
    }
    // every problem of one request at once
    let d = app
        .execute_data(
            csa,
            CREATE,
            json!({"input": {"title": "A", "csoType": "NATIONAL", "countryCode": "XX", "email": "nope", "totalCtCp": "0.001"}}),
        )
        .await;
    let mut fields: Vec<String> = d["createPartner"]["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"][1].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default();
    fields.sort();
    assert_eq!(fields, ["countryCode", "csoType", "email", "totalCtCp"]);
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn a_duplicate_vendor_number_or_ocha_id_is_a_conflict_and_writes_nothing() {
    let (app, csa) = app_with_admin().await;
    let d = app
        .execute_data(
            csa,
            CREATE,
            json!({"input": {"title": "First", "vendorNumber": "2500001", "ochaExternalId": "OCHA-1"}}),
        )
        .await;
    assert_eq!(d["createPartner"]["errors"], json!([]));
    let second = app.partner("Second").await;
    for (input, field) in [
        (
            json!({"title": "Again", "vendorNumber": "2500001"}),
            "vendorNumber",
        ),
        (
            json!({"title": "Again", "ochaExternalId": "OCHA-1"}),
            "ochaExternalId",
        ),
    ] {
        let vars = json!({ "input": input });
        app.assert_rejected_at(csa, CREATE, vars, "CONFLICT", &["input", field])
            .await;
    }
    let vars = json!({"input": {"id": gid(Kind::Partner, second), "vendorNumber": "2500001"}});
    app.assert_rejected_at(csa, UPDATE, vars, "CONFLICT", &["input", "vendorNumber"])
        .await;
}

#[tokio::test]
async fn update_partner_changes_only_given_fields_and_replaces_clusters_only_when_given() {
    let (app, csa) = app_with_admin().await;
    let (ws, c1) = app.health_cluster("W1").await;
    let c2 = app.cluster(ws, ClusterType::Wash).await;
    let c3 = app.cluster(ws, ClusterType::Shelter).await;
    let d = app
        .execute_data(
            csa,
            CREATE,
            json!({"input": {"title": "Alpha", "shortTitle": "A", "city": "Homs", "email": "a@alpha.example",
                             "totalCtCp": "10.50",
                             "clusterIds": [gid(Kind::Cluster, c1), gid(Kind::Cluster, c2)]}}),
        )
        .await;
    let id = d["createPartner"]["partner"]["id"].clone();
    let cluster_ids = |d: &Value| -> Vec<String> {
        let mut v: Vec<String> = d["updatePartner"]["partner"]["clusters"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c["id"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let mut c12 = vec![gid(Kind::Cluster, c1), gid(Kind::Cluster, c2)];
    c12.sort();
    let d = app
        .execute_data(
            csa,
            UPDATE,
            json!({"input": {"id": id, "title": "Alpha Relief"}}),
        )
        .await;
    let p = &d["updatePartner"]["partner"];
    assert_eq!(d["updatePartner"]["errors"], json!([]));
    assert_eq!(p["title"], "Alpha Relief");
    assert_eq!(p["shortTitle"], "A");
    assert_eq!(p["city"], "Homs");
    assert_eq!(p["totalCtCp"], "10.50");
    assert_eq!(cluster_ids(&d), c12);
    let d = app
        .execute_data(
            csa,
            UPDATE,
            json!({"input": {"id": id, "city": null, "clusterIds": [gid(Kind::Cluster, c3)]}}),
        )
        .await;
    assert_eq!(d["updatePartner"]["partner"]["city"], Value::Null);
    assert_eq!(d["updatePartner"]["partner"]["email"], "a@alpha.example");
    assert_eq!(cluster_ids(&d), [gid(Kind::Cluster, c3)]);
    let d = app
        .execute_data(csa, UPDATE, json!({"input": {"id": id, "clusterIds": []}}))
        .await;
    assert_eq!(cluster_ids(&d), Vec::<String>::new());
    let audit = app.audit().await;
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "partner.create",
            "partner.update",
            "partner.update",
            "partner.update"
        ]
    );
    let first = &audit[1];
    assert_eq!(
        first.before.as_ref().map(|b| b["title"].clone()),
        Some(json!("Alpha"))
    );
    assert_eq!(
        first.after.as_ref().map(|a| a["title"].clone()),
        Some(json!("Alpha Relief"))
    );
    assert_eq!(
        first.after.as_ref().map(|a| a["clusterIds"].clone()),
        Some(json!([c1, c2]))
    );
    assert_eq!(
        audit[2].after.as_ref().map(|a| a["clusterIds"].clone()),
        Some(json!([c3]))
    );
    // bad updates change nothing
    for (input, code) in [
        (json!({"id": id, "csoType": "NATIONAL"}), "VALIDATION"),
        (json!({"id": id, "countryCode": "ZZ"}), "VALIDATION"),
        (json!({"id": id, "title": ""}), "VALIDATION"),
        (
            json!({"id": id, "clusterIds": [gid(Kind::Cluster, 999)]}),
            "NOT_FOUND",
        ),
        (
            json!({"id": gid(Kind::Partner, 999), "title": "Ghost"}),
            "NOT_FOUND",
        ),
        (json!({"id": "nope", "title": "Ghost"}), "VALIDATION"),
    ] {
        app.assert_rejected(csa, UPDATE, json!({ "input": input }), &[code])
            .await;
    }
    let d = app
        .execute_data(
            csa,
            "query($id: ID!) { partner(id: $id) { title clusters { id } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        d["partner"],
        json!({"title": "Alpha Relief", "clusters": []})
    );
}
