// Every GraphQL operation of the console, in one module. A test (tests/api/console.rs) validates
// each of them against the schema, so a schema change that would break a screen fails the build.
// Name each operation: the name is the metric label and the test's handle.

// == session and header ==
export const ME = `query Me {
  me {
    id fullName email
    partner { id title }
    roles { id role roleDisplay portal isActive workspace { id title } cluster { id fullTitle } }
  }
}`;

// Which portals the requester may list: the API answers FORBIDDEN for the others.
export const PORTAL_ACCESS = `query PortalAccess {
  ip: users(portal: IP, first: 1) { pageInfo { hasNextPage } }
  cluster: users(portal: CLUSTER, first: 1) { pageInfo { hasNextPage } }
}`;

// == users list ==
export const USERS_PAGE = `query UsersPage($portal: Portal!, $filter: UserFilter, $orderBy: [UserOrder!],
    $first: Int, $after: String, $last: Int, $before: String) {
  users(portal: $portal, filter: $filter, orderBy: $orderBy, first: $first, after: $after,
      last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes {
      id fullName email position status isIncomplete lastLogin
      partner { id title }
      roles(portal: $portal) { id role roleDisplay isActive workspace { id title } cluster { id fullTitle } }
    }
  }
}`;

// The old portal's notice: other authorized officers in the requester's workspaces.
export const OTHER_AUTHORIZED_OFFICERS = `query OtherAuthorizedOfficers {
  users(portal: IP, filter: { roles: [IP_AUTHORIZED_OFFICER] }, first: 1) { pageInfo { hasNextPage } nodes { id } }
}`;

export const FILTER_WORKSPACES = `query FilterWorkspaces { workspaces { id title workspaceCode } }`;

export const FILTER_CLUSTERS = `query FilterClusters { assignableClusters { id fullTitle } }`;

export const FILTER_PARTNERS = `query FilterPartners($title: String) {
  partners(filter: { title: $title }, orderBy: [{ field: TITLE }], first: 20) { nodes { id title } }
}`;

// == user detail ==
export const USER_DETAIL = `query UserDetail($id: ID!) {
  user(id: $id) {
    id firstName lastName fullName email position status isActive isIncomplete lastLogin createdAt userType
    viewerCanUpdate viewerCanSetActive
    partner { id title }
    roles {
      id role roleDisplay portal isActive workspace { id title } cluster { id fullTitle }
      viewerCanChangeTo viewerCanToggle viewerCanDelete
    }
  }
}`;

export const USER_DETAIL_UPDATE = `mutation UserDetailUpdate($input: UpdateUserInput!) {
  updateUser(input: $input) { errors { code message field } user { id } }
}`;

export const USER_DETAIL_SET_ACTIVE = `mutation UserDetailSetActive($input: SetUserActiveInput!) {
  setUserActive(input: $input) { errors { code message field } user { id isActive } }
}`;

export const USER_DETAIL_UPDATE_ROLE = `mutation UserDetailUpdateRole($input: UpdateRoleInput!) {
  updateRole(input: $input) { errors { code message field } role { id role isActive } }
}`;

export const USER_DETAIL_DELETE_ROLE = `mutation UserDetailDeleteRole($input: DeleteRoleInput!) {
  deleteRole(input: $input) { errors { code message field } deletedRoleId }
}`;

// The audit trail about one user (or any filter), newest first, 20 at a time.
export const USER_DETAIL_AUDIT = `query UserDetailAudit($filter: AuditEventFilter, $after: String) {
  auditEvents(filter: $filter, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id at action targetType targetId actor { id fullName } before after }
  }
}`;

// Add roles: the scopes to pick from, the roles the guard allows in one scope, the creation.
export const ADD_ROLES_WORKSPACES = `query AddRolesWorkspaces { workspaces { id title } }`;

export const ADD_ROLES_CLUSTERS = `query AddRolesClusters { assignableClusters { id fullTitle } }`;

export const ADD_ROLES_ASSIGNABLE = `query AddRolesAssignable($userId: ID!, $workspaceId: ID, $clusterId: ID) {
  assignableRoles(userId: $userId, workspaceId: $workspaceId, clusterId: $clusterId)
}`;

export const ADD_ROLES_CREATE = `mutation AddRolesCreate($input: CreateRolesInput!) {
  createRoles(input: $input) { errors { code message field } roles { id } }
}`;


// == add user ==
// The partners a new CLUSTER user of type PARTNER may join.
export const ADD_USER_PARTNERS = `query AddUserPartners { assignablePartners { id title shortTitle } }`;

export const CREATE_USER = `mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { user { id } errors { code field message } }
}`;

// == partners ==
export const PARTNERS_PAGE = `query PartnersPage($filter: PartnerFilter, $orderBy: [PartnerOrder!],
    $first: Int, $after: String, $last: Int, $before: String) {
  partners(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes {
      id title shortTitle partnerType partnerTypeDisplay csoType vendorNumber countryCode createdAt
      clusters { id fullTitle }
    }
  }
}`;

export const PARTNER_DETAIL = `query PartnerDetail($id: ID!) {
  partner(id: $id) {
    id title shortTitle alternateTitle partnerType partnerTypeDisplay csoType sharedPartner
    email phoneNumber streetAddress city postalCode countryCode
    vendorNumber ochaExternalId externalSource externalId alternateId
    rating typeOfAssessment basisForRiskRating totalCtCp totalCtCy
    createdAt updatedAt
    clusters { id fullTitle }
  }
}`;

export const CREATE_PARTNER = `mutation CreatePartner($input: CreatePartnerInput!) {
  createPartner(input: $input) { partner { id } errors { code field message } }
}`;

export const UPDATE_PARTNER = `mutation UpdatePartner($input: UpdatePartnerInput!) {
  updatePartner(input: $input) { partner { id } errors { code field message } }
}`;

// == what can I grant, CSV export, audit log ==
export const GRANT_USER = `query GrantUser($id: ID!, $portal: Portal) {
  user(id: $id) {
    id fullName email status
    roles(portal: $portal) { id role roleDisplay isActive workspace { id title } cluster { id fullTitle } }
  }
}`;

// The requester's scopes: IP roles go to workspaces, cluster roles to assignable clusters.
export const GRANT_WORKSPACES = `query GrantWorkspaces { workspaces { id title } }`;
export const GRANT_CLUSTERS = `query GrantClusters { assignableClusters { id fullTitle } }`;

// At most this many aliases of one field per request (the API's limit).
export const GRANT_BATCH = 20;

// The document asking assignableRoles for N scopes at once, one alias each (s0, s1, …).
// A scope is { kind: 'workspace' | 'cluster' | 'none' }; 'none' is the scope-less
// question (CLUSTER_SYSTEM_ADMIN). Variables: $u (the user) and $v0, $v1, … (the scope ids).
export function grantMatrixQuery(scopes) {
  const vars = ['$u: ID!'];
  const fields = scopes.map((s, i) => {
    if (s.kind === 'none') return `  s${i}: assignableRoles(userId: $u)`;
    vars.push(`$v${i}: ID!`);
    const arg = s.kind === 'workspace' ? 'workspaceId' : 'clusterId';
    return `  s${i}: assignableRoles(userId: $u, ${arg}: $v${i})`;
  });
  return ['query GrantMatrix(' + vars.join(', ') + ') {', ...fields, '}'].join('\n');
}

// A built example, so that a check of every exported document covers the builder too.
export const GRANT_MATRIX_SAMPLE = grantMatrixQuery([{ kind: 'workspace' }, { kind: 'cluster' }, { kind: 'none' }]);

// One page of the CSV export: only the columns the file holds.
export const USERS_CSV = `query UsersCsv($portal: Portal!, $filter: UserFilter, $orderBy: [UserOrder!], $after: String) {
  users(portal: $portal, filter: $filter, orderBy: $orderBy, first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id firstName lastName email position status isActive lastLogin
      partner { title }
      roles(portal: $portal) { roleDisplay isActive workspace { title } cluster { fullTitle } }
    }
  }
}`;

export const AUDIT_EVENTS = `query AuditEvents($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id at action targetType targetId before after
      actor { id fullName email }
      subject { id fullName email }
    }
  }
}`;

// The name of a user chosen as the audit log's actor or subject (null when not visible).
export const AUDIT_USER = `query AuditUser($id: ID!) { user(id: $id) { id fullName email } }`;

export const AUDIT_FIND_USERS = `query AuditFindUsers($portal: Portal!, $q: String) {
  users(portal: $portal, filter: { nameEmail: $q }, orderBy: [{ field: LAST_NAME }, { field: FIRST_NAME }], first: 10) {
    nodes { id fullName email }
  }
}`;
