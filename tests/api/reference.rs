//! Reference data: workspaces, response plans, clusters, and their errors and audit.

use idm::domain::RoleType;
use idm::ids::Kind;
use serde_json::json;

use crate::fixtures::fields;
use crate::helpers::{app_with_admin, gid, TestApp};

const CREATE_WORKSPACE: &str = "mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { workspace { id title workspaceCode } errors { code field message } } }";
const CREATE_PLAN: &str = "mutation($input: CreateResponsePlanInput!) { createResponsePlan(input: $input) { responsePlan { id title planType start end workspace { workspaceCode } } errors { code field } } }";
const CREATE_CLUSTER: &str = "mutation($input: CreateClusterInput!) { createCluster(input: $input) { cluster { id title fullTitle responsePlan { title } } errors { code field } } }";

#[tokio::test]
async fn a_system_admin_builds_workspace_plan_and_cluster_each_audited() {
    let (app, csa) = app_with_admin().await;
    let d = app
        .execute_data(
            csa,
            CREATE_WORKSPACE,
            json!({"input": {"title": " Syria ", "workspaceCode": "SYR"}}),
        )
        .await;
    assert_eq!(d["createWorkspace"]["workspace"]["title"], "Syria");
    let ws = d["createWorkspace"]["workspace"]["id"].clone();
    let d = app
        .execute_data(csa, CREATE_PLAN, json!({"input": {"workspaceId": ws, "title": "Syria HRP 2026", "start": "2026-01-01", "end": "2026-12-31"}}))
        .await;
    assert_eq!(d["createResponsePlan"]["responsePlan"]["planType"], "HRP");
    let plan = d["createResponsePlan"]["responsePlan"]["id"].clone();
    let d = app
        .execute_data(
            csa,
            CREATE_CLUSTER,
            json!({"input": {"responsePlanId": plan, "type": "HOUSING_LAND_AND_PROPERTY_AOR"}}),
        )
        .await;
    assert_eq!(
        d["createCluster"]["cluster"]["title"],
        "Housing, Land and Property AoR"
    );
    assert_eq!(
        d["createCluster"]["cluster"]["fullTitle"],
        "Housing, Land and Property AoR (Syria HRP 2026 Syria)"
    );
    let events = app
        .execute_data(
            csa,
            "{ auditEvents { totalCount nodes { action actor { email } after } } }",
            json!({}),
        )
        .await;
    assert_eq!(events["auditEvents"]["totalCount"], 3);
    assert_eq!(
        events["auditEvents"]["nodes"][0]["action"],
        "cluster.create"
    );
    assert_eq!(
        events["auditEvents"]["nodes"][2]["after"]["workspaceCode"],
        "SYR"
    );
    assert_eq!(events["auditEvents"]["nodes"][0]["actor"]["email"], csa);
}

#[tokio::test]
async fn reference_data_mutations_refuse_anyone_but_a_system_admin() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("SYR").await;
    app.user(
        "ao@example.org",
        None,
        &[(RoleType::IpAuthorizedOfficer, Some(ws), None)],
    )
    .await;
    let input = json!({"input": {"title": "X", "workspaceCode": "X"}});
    app.assert_rejected("ao@example.org", CREATE_WORKSPACE, input, &["FORBIDDEN"])
        .await;
    assert_eq!(app.count("workspace").await, 1);
    assert_eq!(app.count("audit_event").await, 0);
}

#[tokio::test]
async fn bad_reference_input_gets_field_errors_and_writes_nothing() {
    let (app, csa) = app_with_admin().await;
    app.workspace("SYR").await;
    let errors = app
        .assert_rejected(
            csa,
            CREATE_WORKSPACE,
            json!({"input": {"title": "", "workspaceCode": "TOOLONGCODE"}}),
            &["VALIDATION", "VALIDATION"],
        )
        .await;
    assert_eq!(
        fields(&errors),
        [json!(["input", "title"]), json!(["input", "workspaceCode"])]
    );
    let again = json!({"input": {"title": "Again", "workspaceCode": "SYR"}});
    app.assert_rejected_at(
        csa,
        CREATE_WORKSPACE,
        again,
        "CONFLICT",
        &["input", "workspaceCode"],
    )
    .await;
    let ws = gid(Kind::Workspace, 1);
    let backwards = json!({"input": {"workspaceId": ws, "title": "P", "start": "2026-05-01", "end": "2026-01-01"}});
    app.assert_rejected_at(csa, CREATE_PLAN, backwards, "VALIDATION", &["input", "end"])
        .await;
    for (workspace, code) in [
        (gid(Kind::Partner, 1), "VALIDATION"),
        (gid(Kind::Workspace, 999), "NOT_FOUND"),
    ] {
        let vars = json!({"input": {"workspaceId": workspace, "title": "P"}});
        app.assert_rejected(csa, CREATE_PLAN, vars, &[code]).await;
    }
    let body = app
        .execute(
            csa,
            CREATE_PLAN,
            json!({"input": {"workspaceId": ws, "title": "P", "start": "2026-02-30"}}),
        )
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("date"),
        "{body}"
    );
    let d = app
        .execute_data(
            csa,
            CREATE_PLAN,
            json!({"input": {"workspaceId": ws, "title": "P"}}),
        )
        .await;
    let plan = d["createResponsePlan"]["responsePlan"]["id"].clone();
    let same = json!({"input": {"workspaceId": ws, "title": "P"}});
    app.assert_rejected(csa, CREATE_PLAN, same, &["CONFLICT"])
        .await;
    app.execute_data(
        csa,
        CREATE_CLUSTER,
        json!({"input": {"responsePlanId": plan, "type": "HEALTH"}}),
    )
    .await;
    let same = json!({"input": {"responsePlanId": plan, "type": "HEALTH"}});
    app.assert_rejected(csa, CREATE_CLUSTER, same, &["CONFLICT"])
        .await;
    assert_eq!(app.count("response_plan").await, 1);
    assert_eq!(app.count("cluster").await, 1);
    assert_eq!(app.count("audit_event").await, 2);
}

#[tokio::test]
async fn workspaces_lists_only_where_the_requester_works() {
    let app = TestApp::spawn().await;
    let syr = app.workspace("SYR").await;
    let yem = app.workspace("YEM").await;
    let _irq = app.workspace("IRQ").await;
    let c = app.cluster(yem, idm::domain::ClusterType::Health).await;
    app.user(
        "ana@example.org",
        None,
        &[
            (RoleType::IpEditor, Some(syr), None),
            (RoleType::ClusterMember, None, Some(c)),
        ],
    )
    .await;
    app.system_admin("csa@example.org").await;
    let d = app
        .execute_data(
            "ana@example.org",
            "{ workspaces { workspaceCode } }",
            json!({}),
        )
        .await;
    assert_eq!(
        d["workspaces"],
        json!([{"workspaceCode": "SYR"}, {"workspaceCode": "YEM"}])
    );
    let d = app
        .execute_data(
            "csa@example.org",
            "{ workspaces { workspaceCode } }",
            json!({}),
        )
        .await;
    assert_eq!(d["workspaces"].as_array().map(Vec::len), Some(3));
}
