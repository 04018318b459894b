//! Contract 1.1 §9.12–9.14, what moving from the old portal needs: empty last names, a plan's
//! own label for type OTHER, and internationalised email domains in `xn--` form.

use serde_json::{json, Value};

use crate::helpers::{app_with_admin, TestApp};

const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { user { email firstName lastName fullName } errors { code field message } } }";
const UPDATE_USER: &str = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { lastName fullName } errors { code field } } }";
const CREATE_PLAN: &str = "mutation($input: CreateResponsePlanInput!) { createResponsePlan(input: $input) { responsePlan { planType planCustomType } errors { code field message } } }";

fn invite(email: &str, last_name: &str) -> Value {
    json!({"input": {"portal": "CLUSTER", "userType": "IMO", "email": email,
                     "firstName": "Madonna", "lastName": last_name}})
}

#[tokio::test]
async fn a_last_name_may_be_empty_and_the_full_name_is_then_the_first_name() {
    let (app, csa) = app_with_admin().await;
    let d = app
        .execute_data(csa, CREATE_USER, invite("m@un.org", "  "))
        .await;
    assert_eq!(
        d["createUser"],
        json!({"user": {"email": "m@un.org", "firstName": "Madonna", "lastName": "", "fullName": "Madonna"},
               "errors": []})
    );
    let id = app
        .execute_data(
            csa,
            r#"{ users(portal: CLUSTER, filter: {nameEmail: "m@un.org"}) { nodes { id } } }"#,
            json!({}),
        )
        .await["users"]["nodes"][0]["id"]
        .clone();
    let d = app
        .execute_data(
            csa,
            UPDATE_USER,
            json!({"input": {"id": id, "lastName": "Ciccone"}}),
        )
        .await;
    assert_eq!(
        d["updateUser"]["user"],
        json!({"lastName": "Ciccone", "fullName": "Madonna Ciccone"})
    );
    let d = app
        .execute_data(
            csa,
            UPDATE_USER,
            json!({"input": {"id": id, "lastName": ""}}),
        )
        .await;
    assert_eq!(
        d["updateUser"]["user"],
        json!({"lastName": "", "fullName": "Madonna"})
    );
    // The first name stays required, the last name bounded.
    let mut input = invite("n@un.org", &"x".repeat(65));
    input["input"]["firstName"] = json!(" ");
    let d = app.execute_data(csa, CREATE_USER, input).await;
    let fields: Vec<&Value> = d["createUser"]["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["field"])
        .collect();
    assert_eq!(
        fields,
        [
            &json!(["input", "firstName"]),
            &json!(["input", "lastName"])
        ]
    );
}

#[tokio::test]
async fn a_plan_of_type_other_carries_its_own_label_and_no_other_type_does() {
    let (app, csa) = app_with_admin().await;
    let ws = app.workspace("SYR").await;
    let ws = crate::helpers::gid(idm::ids::Kind::Workspace, ws);
    let d = app
        .execute_data(
            csa,
            CREATE_PLAN,
            json!({"input": {"workspaceId": ws, "title": "Flash appeal 2026",
              "planType": "OTHER", "planCustomType": " Flash Appeal "}}),
        )
        .await;
    assert_eq!(
        d["createResponsePlan"],
        json!({"responsePlan": {"planType": "OTHER", "planCustomType": "Flash Appeal"}, "errors": []})
    );
    let events = app
        .execute_data(csa, "{ auditEvents { nodes { after } } }", json!({}))
        .await;
    assert_eq!(
        events["auditEvents"]["nodes"][0]["after"]["planCustomType"],
        "Flash Appeal"
    );
    for (plan_type, label) in [("HRP", "x".to_owned()), ("OTHER", "x".repeat(256))] {
        let vars = json!({"input": {"workspaceId": ws, "title": "P",
          "planType": plan_type, "planCustomType": label}});
        let field = ["input", "planCustomType"];
        app.assert_rejected_at(csa, CREATE_PLAN, vars, "VALIDATION", &field)
            .await;
    }
}

#[tokio::test]
async fn an_internationalised_domain_is_stored_in_xn_form_and_its_owner_signs_in_either_way() {
    let (app, csa) = app_with_admin().await;
    let d = app
        .execute_data(csa, CREATE_USER, invite("ana@bücher.example", "Lopez"))
        .await;
    assert_eq!(
        d["createUser"]["user"]["email"],
        "ana@xn--bcher-kva.example"
    );
    // The same address in the other spelling is the same user.
    let again = invite("ana@xn--bcher-kva.example", "Lopez");
    app.assert_rejected(csa, CREATE_USER, again, &["EMAIL_TAKEN"])
        .await;
    app.execute_data(csa, "mutation($id: ID!) { createRoles(input: {userId: $id, roles: [{role: CLUSTER_SYSTEM_ADMIN}]}) { errors { code } } }", json!({"id": user_id(&app, csa, "ana@xn--bcher-kva.example").await}))
        .await;
    for claim in ["ANA@bücher.example", "ana@XN--BCHER-KVA.example"] {
        let token = app.fresh_token(claim);
        let (status, body) = app.post(Some(&token), "{ me { email } }", json!({})).await;
        assert_eq!(
            (status, &body["data"]["me"]["email"]),
            (200, &json!("ana@xn--bcher-kva.example")),
            "{claim}"
        );
    }
    // A domain that only UTS-46 mapping would make valid: refused in input, 401 in a token.
    for domain in ["\u{212A}elvin.example", "ｂücher.example", "bÜcher.example"] {
        let email = format!("ana@{domain}");
        let vars = invite(&email, "Lopez");
        app.assert_rejected_at(csa, CREATE_USER, vars, "VALIDATION", &["input", "email"])
            .await;
        let (status, _) = app
            .post(
                Some(&app.fresh_token(&email)),
                "{ me { email } }",
                json!({}),
            )
            .await;
        assert_eq!(status, 401, "{domain}");
    }
    app.system_admin("k@kelvin.example").await;
    let (status, _) = app
        .post(
            Some(&app.fresh_token("k@\u{212A}elvin.example")),
            "{ me { email } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 401, "KELVIN SIGN must not stand for k");
}

async fn user_id(app: &TestApp, who: &str, email: &str) -> Value {
    app.execute_data(who, "query($s: String!) { users(portal: CLUSTER, filter: {nameEmail: $s}) { nodes { id email } } }", json!({"s": email}))
        .await["users"]["nodes"][0]["id"]
        .clone()
}
