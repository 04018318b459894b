// Every GraphQL operation of the console, each named (the metric label), each checked against the
// schema by tests/api/console.rs.

// == shared selections ==
const ERRORS = 'errors { code message field }';
const ROLE = 'id role roleDisplay isActive workspace { id title } cluster { id fullTitle }';
const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const PAGING = '$first: Int, $after: String, $last: Int, $before: String';
const PAGE_ARGS = 'first: $first, after: $after, last: $last, before: $before';

// == session and header ==
export const ME = `query Me {
  me {
    id fullName email
    partner { id title }
    roles { ${ROLE} portal }
  }
}`;

// Which portals the requester may list: the API answers FORBIDDEN for the others.
export const PORTAL_ACCESS = `query PortalAccess {
  ip: users(portal: IP, first: 1) { pageInfo { hasNextPage } }
  cluster: users(portal: CLUSTER, first: 1) { pageInfo { hasNextPage } }
}`;

// == users list ==
export const USERS_PAGE = `query UsersPage($portal: Portal!, $filter: UserFilter, $orderBy: [UserOrder!], ${PAGING}) {
  users(portal: $portal, filter: $filter, orderBy: $orderBy, ${PAGE_ARGS}) {
    totalCount
    ${PAGE_INFO}
    nodes {
      id fullName email position status isIncomplete lastLogin
      partner { id title }
      roles(portal: $portal) { ${ROLE} }
    }
  }
}`;

// Other authorized officers in the requester's workspaces.
export const OTHER_AUTHORIZED_OFFICERS = `query OtherAuthorizedOfficers {
  users(portal: IP, filter: { roles: [IP_AUTHORIZED_OFFICER] }, first: 1) { pageInfo { hasNextPage } nodes { id } }
}`;

export const WORKSPACES = `query Workspaces { workspaces { id title } }`;

export const CLUSTERS = `query Clusters { assignableClusters { id fullTitle } }`;

export const FILTER_PARTNERS = `query FilterPartners($title: String) {
  partners(filter: { title: $title }, orderBy: [{ field: TITLE }], first: 20) { nodes { id title } }
}`;

// == user detail ==
export const USER_DETAIL = `query UserDetail($id: ID!) {
  user(id: $id) {
    id firstName lastName fullName email position status isActive isIncomplete lastLogin createdAt userType
    viewerCanUpdate viewerCanSetActive
    partner { id title }
    roles { ${ROLE} portal viewerCanChangeTo viewerCanToggle viewerCanDelete }
  }
}`;

export const USER_DETAIL_UPDATE = `mutation UserDetailUpdate($input: UpdateUserInput!) {
  updateUser(input: $input) { ${ERRORS} user { id } }
}`;

export const USER_DETAIL_SET_ACTIVE = `mutation UserDetailSetActive($input: SetUserActiveInput!) {
  setUserActive(input: $input) { ${ERRORS} user { id isActive } }
}`;

export const USER_DETAIL_UPDATE_ROLE = `mutation UserDetailUpdateRole($input: UpdateRoleInput!) {
  updateRole(input: $input) { ${ERRORS} role { id role isActive } }
}`;

export const USER_DETAIL_DELETE_ROLE = `mutation UserDetailDeleteRole($input: DeleteRoleInput!) {
  deleteRole(input: $input) { ${ERRORS} deletedRoleId }
}`;

export const ADD_ROLES_ASSIGNABLE = `query AddRolesAssignable($userId: ID!, $workspaceId: ID, $clusterId: ID) {
  assignableRoles(userId: $userId, workspaceId: $workspaceId, clusterId: $clusterId)
}`;

export const ADD_ROLES_CREATE = `mutation AddRolesCreate($input: CreateRolesInput!) {
  createRoles(input: $input) { ${ERRORS} roles { id } }
}`;


// == add user ==
export const ADD_USER_PARTNERS = `query AddUserPartners { assignablePartners { id title shortTitle } }`;

export const CREATE_USER = `mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { user { id } ${ERRORS} }
}`;

// == partners ==
export const PARTNERS_PAGE = `query PartnersPage($filter: PartnerFilter, $orderBy: [PartnerOrder!], ${PAGING}) {
  partners(filter: $filter, orderBy: $orderBy, ${PAGE_ARGS}) {
    totalCount
    ${PAGE_INFO}
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
  createPartner(input: $input) { partner { id } ${ERRORS} }
}`;

export const UPDATE_PARTNER = `mutation UpdatePartner($input: UpdatePartnerInput!) {
  updatePartner(input: $input) { partner { id } ${ERRORS} }
}`;

// == what can I grant, CSV export, audit log ==
export const GRANT_USER = `query GrantUser($id: ID!, $portal: Portal) {
  user(id: $id) {
    id fullName email status
    roles(portal: $portal) { ${ROLE} }
  }
}`;

// At most this many aliases of one field per request (the API's limit).
export const GRANT_BATCH = 20;

// assignableRoles for N scopes at once, one alias each (s0, s1, …); a scope's kind is
// 'workspace', 'cluster' or 'none' (CLUSTER_SYSTEM_ADMIN). Variables: $u, the user; $v0, $v1, ….
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

// A built example, so that the test checks the builder too.
export const GRANT_MATRIX_SAMPLE = grantMatrixQuery([{ kind: 'workspace' }, { kind: 'cluster' }, { kind: 'none' }]);

// One page of the CSV export: only the file's columns.
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

export const AUDIT_USER = `query AuditUser($id: ID!) { user(id: $id) { id fullName email } }`;

export const AUDIT_FIND_USERS = `query AuditFindUsers($portal: Portal!, $q: String) {
  users(portal: $portal, filter: { nameEmail: $q }, orderBy: [{ field: LAST_NAME }, { field: FIRST_NAME }], first: 10) {
    nodes { id fullName email }
  }
}`;
